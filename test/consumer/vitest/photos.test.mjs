// Vitest: the same, with Vitest's hooks.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startPortrait } from 'portrait';
import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';

let portrait;

beforeAll(async () => {
  portrait = await startPortrait({ fixtures: fileURLToPath(new URL('../fixtures.json', import.meta.url)) });
  setGlobalDispatcher(new Agent({ connect: { ca: portrait.ca } }));
});
beforeEach(() => portrait.reset());
afterAll(() => portrait.close());

test("Adele's photo from the fixtures keeps its ETag across resets", async () => {
  const token = await portrait.token({
    tenant: 'contoso',
    user: 'adele@contoso.example',
    scopes: ['User.ReadWrite'],
  });
  const read = () =>
    fetch(`${portrait.url}/v1.0/me/photo`, { headers: { authorization: `Bearer ${token}` } });
  const before = (await (await read()).json())['@odata.mediaEtag'];
  const photo = await readFile(new URL('../adele.jpg', import.meta.url));
  const put = await fetch(`${portrait.url}/v1.0/me/photo/$value`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' },
    body: photo,
  });
  expect(put.status).toBe(200);
  expect((await (await read()).json())['@odata.mediaEtag']).not.toBe(before);
  await portrait.reset();
  expect((await (await read()).json())['@odata.mediaEtag']).toBe(before);
});
