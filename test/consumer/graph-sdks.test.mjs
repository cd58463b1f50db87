// The official Graph clients pointed at Portrait: the Graph JavaScript client and the Kiota SDK.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AllowedHostsValidator, BaseBearerTokenAuthenticationProvider } from '@microsoft/kiota-abstractions';
import { Client } from '@microsoft/microsoft-graph-client';
import { createGraphServiceClient, GraphRequestAdapter } from '@microsoft/msgraph-sdk';
import '@microsoft/msgraph-sdk-users';
import { startPortrait } from 'portrait';
import { Agent, setGlobalDispatcher } from 'undici';

let portrait;
let token;

before(async () => {
  portrait = await startPortrait({ fixtures: fileURLToPath(new URL('./fixtures.json', import.meta.url)) });
  setGlobalDispatcher(new Agent({ connect: { ca: portrait.ca } }));
  token = await portrait.token({
    tenant: 'contoso',
    app: 'photo-sync',
    roles: ['ProfilePhoto.ReadWrite.All'],
  });
});
after(() => portrait.close());

test('the Graph JavaScript client reads a photo', async () => {
  const client = Client.init({
    baseUrl: portrait.url,
    customHosts: new Set([new URL(portrait.url).hostname]),
    authProvider: (done) => done(null, token),
  });
  const photo = await client.api('/users/adele@contoso.example/photo').get();
  assert.equal(photo.id, '648X648');
});

test('the Kiota-based Graph SDK lists the photo sizes', async () => {
  const auth = new BaseBearerTokenAuthenticationProvider({
    getAuthorizationToken: async () => token,
    getAllowedHostsValidator: () => new AllowedHostsValidator(new Set([new URL(portrait.url).host])),
  });
  const adapter = new GraphRequestAdapter(auth);
  adapter.baseUrl = `${portrait.url}/v1.0`;
  const graph = createGraphServiceClient(adapter);
  const sizes = await graph.users.byUserId('adele@contoso.example').photos.get();
  assert.deepEqual(
    sizes?.value?.map((size) => size.id),
    ['48X48', '64X64', '96X96', '120X120', '240X240', '360X360', '432X432', '504X504', '648X648'],
  );
});
