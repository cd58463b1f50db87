// The official Graph JavaScript client (v3), used as an app would use it with only the base URL
// changed and Portrait's CA trusted (NODE_EXTRA_CA_CERTS). Runs the compatibility scenario and
// prints one JSON line of what it saw. Argument: a JSON object (see Scenario).
import { readFileSync } from 'node:fs';
import {
  BatchRequestContent,
  BatchResponseContent,
  Client,
  GraphError,
  type PageCollection,
  PageIterator,
  ResponseType,
} from '@microsoft/microsoft-graph-client';

interface Scenario {
  baseUrl: string;
  token: string;
  userId: string;
  photoPath: string;
  batchUserIds: string[];
  throttledUserId: string;
  throttledCalls: number;
}

const scenario = JSON.parse(process.argv[2]!) as Scenario;
const client = Client.init({
  baseUrl: scenario.baseUrl,
  customHosts: new Set([new URL(scenario.baseUrl).hostname]),
  authProvider: (done) => done(null, scenario.token),
});
const photo = readFileSync(scenario.photoPath);
const user = `/users/${scenario.userId}`;
const result: Record<string, unknown> = {};

await client.api(`${user}/photo/$value`).header('Content-Type', 'image/jpeg').put(photo);
result['metadata'] = await client.api(`${user}/photo`).get();
const small = (await client
  .api(`${user}/photos/48x48/$value`)
  .responseType(ResponseType.ARRAYBUFFER)
  .get()) as ArrayBuffer;
result['smallBytes'] = Buffer.from(small).toString('base64');
result['sizes'] = ((await client.api(`${user}/photos`).get()) as { value: { id: string }[] }).value.map(
  (p) => p.id,
);

const batch = new BatchRequestContent(
  scenario.batchUserIds.map((id, i) => ({
    id: String(i + 1),
    request: new Request(`${scenario.baseUrl}/v1.0/users/${id}/photos/48x48/$value`, { method: 'GET' }),
  })),
);
const batchResponse = new BatchResponseContent(await client.api('/$batch').post(await batch.getContent()));
result['batch'] = scenario.batchUserIds.map((_, i) => batchResponse.getResponseById(String(i + 1))?.status);

// Photo bytes, metadata and a page of users in one batch, read back through BatchResponseContent,
// then the rest of the users by following the page's nextLink with PageIterator.
const mixedUser = `${scenario.baseUrl}/v1.0/users/${scenario.batchUserIds[1]}`;
const mixed = new BatchResponseContent(
  await client.api('/$batch').post(
    await new BatchRequestContent([
      { id: 'bytes', request: new Request(`${mixedUser}/photos/48x48/$value`) },
      { id: 'meta', request: new Request(`${mixedUser}/photo`) },
      { id: 'page', request: new Request(`${scenario.baseUrl}/v1.0/users?$top=5&$select=id,displayName`) },
    ]).getContent(),
  ),
);
const bytes = mixed.getResponseById('bytes');
const meta = mixed.getResponseById('meta');
const page = mixed.getResponseById('page');
const metaJson = (await meta.json()) as { id: string; '@odata.mediaEtag': string };
const names: string[] = [];
const firstPage = (await page.json()) as PageCollection;
await new PageIterator(client, firstPage, (u: { displayName: string }) => {
  names.push(u.displayName);
  return true;
}).iterate();
result['mixed'] = {
  bytesType: bytes.headers.get('Content-Type'),
  bytes: await bytes.text(),
  etagMatches: bytes.headers.get('ETag') === metaJson['@odata.mediaEtag'],
  metaId: metaJson.id,
  firstPageSize: firstPage.value.length,
  names,
};

let throttledOk = 0;
for (let i = 0; i < scenario.throttledCalls; i++) {
  await client.api(`/users/${scenario.throttledUserId}/photos`).get();
  throttledOk++;
}
result['throttledOk'] = throttledOk;

await client.api(`${user}/photo/$value`).delete();
try {
  await client.api(`${user}/photo/$value`).get();
  result['afterDelete'] = 'still there';
} catch (error) {
  result['afterDelete'] =
    error instanceof GraphError ? { status: error.statusCode, code: error.code } : String(error);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
