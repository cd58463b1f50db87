// The Kiota-based Graph SDK (@microsoft/msgraph-sdk), used as an app would with only the base
// URL changed and Portrait's CA trusted (NODE_EXTRA_CA_CERTS). Prints one JSON line of results.
// Argument: a JSON object with baseUrl, token, userId, photoPath.
import { readFileSync } from 'node:fs';
import {
  AllowedHostsValidator,
  type AuthenticationProvider,
  BaseBearerTokenAuthenticationProvider,
} from '@microsoft/kiota-abstractions';
import { createGraphServiceClient, GraphRequestAdapter } from '@microsoft/msgraph-sdk';
import '@microsoft/msgraph-sdk-users';

const { baseUrl, token, userId, photoPath } = JSON.parse(process.argv[2]!) as Record<string, string>;
const host = new URL(baseUrl!).host;
const auth: AuthenticationProvider = new BaseBearerTokenAuthenticationProvider({
  getAuthorizationToken: async () => token!,
  getAllowedHostsValidator: () => new AllowedHostsValidator(new Set([host])),
});
const adapter = new GraphRequestAdapter(auth);
adapter.baseUrl = `${baseUrl}/v1.0`;
const client = createGraphServiceClient(adapter);
const user = client.users.byUserId(userId!);
const result: Record<string, unknown> = {};

const bytes = readFileSync(photoPath!);
await user.photo.content.put(
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
);
const metadata = await user.photo.get();
result['metadata'] = { id: metadata?.id, width: metadata?.width, height: metadata?.height };
const small = await user.photos.byProfilePhotoId('48x48').content.get();
result['smallBytes'] = small ? Buffer.from(small).length : 0;
result['sizes'] = (await user.photos.get())?.value?.map((p) => p.id);
await user.photo.content.delete();
try {
  await user.photo.content.get();
  result['afterDelete'] = 'still there';
} catch (error) {
  // Kiota's ODataError keeps Graph's `error` object as `errorEscaped`.
  const e = error as { responseStatusCode?: number; errorEscaped?: { code?: string } };
  result['afterDelete'] = { status: e.responseStatusCode, code: e.errorEscaped?.code };
}
process.stdout.write(`${JSON.stringify(result)}\n`);
