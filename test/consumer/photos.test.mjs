// node --test: a Portrait per test file, reset before each test.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startPortrait } from 'portrait';
import { Agent, setGlobalDispatcher } from 'undici';

let portrait;

before(async () => {
  portrait = await startPortrait({ fixtures: fileURLToPath(new URL('./fixtures.json', import.meta.url)) });
  // Every fetch in this process (and the Graph SDKs, which use fetch) trusts this instance's CA.
  setGlobalDispatcher(new Agent({ connect: { ca: portrait.ca } }));
});
beforeEach(() => portrait.reset());
after(() => portrait.close());

async function graph(path, token, init = {}) {
  const headers = { authorization: `Bearer ${token}`, ...init.headers };
  return fetch(`${portrait.url}/v1.0${path}`, { ...init, headers });
}

test("an app replaces Alex's photo and reads its 48x48 size", async () => {
  const token = await portrait.token({
    tenant: 'contoso',
    app: 'photo-sync',
    roles: ['ProfilePhoto.ReadWrite.All'],
  });
  const photo = await readFile(new URL('./adele.jpg', import.meta.url));
  const put = await graph('/users/alex@contoso.example/photo/$value', token, {
    method: 'PUT',
    headers: { 'content-type': 'image/jpeg' },
    body: photo,
  });
  assert.equal(put.status, 200);
  const small = await graph('/users/alex@contoso.example/photos/48x48/$value', token);
  assert.equal(small.headers.get('content-type'), 'image/jpeg');
});

test('each test starts from the fixtures: Alex has no photo again', async () => {
  const token = await portrait.token({
    tenant: 'contoso',
    user: 'adele@contoso.example',
    scopes: ['User.ReadBasic.All'],
  });
  assert.equal((await graph('/users/alex@contoso.example/photo', token)).status, 404);
  const me = await (await graph('/me', token)).json();
  assert.equal(me.id, '6e7b768e-07e2-4810-8459-485f84f8f204');
});
