// JSON batching (SPEC §7): up to 20 requests, each authorized and throttled on its own, in
// dependsOn order with 424 for the dependants of a failure, photos as base64 both ways.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';
import { noiseJpeg } from '../support/images.js';

let h: Harness;
let tenant: Tenant;
let adele: User;
let token: string;

const batch = (body: unknown, version = 'v1.0', batchToken = token) =>
  h.request('POST', `/${version}/$batch`, {
    token: batchToken,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('batch');
  adele = await h.user(tenant, 'adele');
  token = await h.delegatedToken(tenant, adele, ['User.ReadWrite']);
});

after(() => h.close());

describe('$batch', () => {
  it('uploads a photo inside a batch and reads a size of it back, in dependsOn order', async () => {
    const jpeg = await noiseJpeg(300, 300);
    const reply = await batch({
      requests: [
        { id: '3', method: 'GET', url: '/me/photos/48x48/$value', dependsOn: ['2'] },
        { id: '1', method: 'GET', url: '/me?$select=displayName' },
        {
          id: '2',
          method: 'PUT',
          url: '/me/photo/$value',
          headers: { 'Content-Type': 'image/jpeg' },
          body: jpeg.toString('base64'),
          dependsOn: ['1'],
        },
      ],
    });
    assert.equal(reply.status, 200);
    const [three, one, two] = reply.json().responses;
    assert.equal(one.id, '1');
    assert.equal(one.status, 200);
    assert.equal(one.body.displayName, 'adele');
    assert.equal(two.status, 200);
    assert.match(two.headers.ETag, /^"[0-9A-F]{8}"$/);
    assert.equal(three.status, 200);
    assert.equal(three.headers['Content-Type'], 'image/jpeg');
    assert.equal(three.headers.ETag, two.headers.ETag);
    const small = await sharp(Buffer.from(three.body, 'base64')).metadata();
    assert.equal(small.width, 48);
  });

  it('gives 424 to the dependants of a failed request, and runs the rest', async () => {
    const reply = await batch({
      requests: [
        { id: 'a', method: 'GET', url: '/users/nobody@batch.example/photo' },
        { id: 'b', method: 'GET', url: '/me/photo', dependsOn: ['a'] },
        { id: 'c', method: 'GET', url: '/me/photo', dependsOn: ['b'] },
        { id: 'd', method: 'GET', url: '/me/photo' },
      ],
    });
    const statuses = Object.fromEntries(
      reply.json().responses.map((r: { id: string; status: number }) => [r.id, r.status]),
    );
    assert.deepEqual(statuses, { a: 404, b: 424, c: 424, d: 200 });
  });

  it('authorizes each request on its own', async () => {
    const other = await h.user(tenant, 'other');
    const reply = await batch({
      requests: [
        { id: '1', method: 'GET', url: `/users/${other.id}/photo` },
        { id: '2', method: 'GET', url: '/me/photo' },
      ],
    });
    const [one, two] = reply.json().responses;
    assert.equal(one.status, 403);
    assert.equal(one.body.error.code, 'Authorization_RequestDenied');
    assert.equal(two.status, 200);
  });

  it('accepts request URLs with the batch version in front, as the Graph SDK sends them, in /beta too', async () => {
    const reply = await batch({ requests: [{ id: '1', method: 'GET', url: '/beta/me/photo' }] }, 'beta');
    assert.equal(reply.json().responses[0].status, 200);
    const mixed = await batch({ requests: [{ id: '1', method: 'GET', url: '/beta/me/photo' }] }, 'v1.0');
    assert.equal(mixed.status, 400);
  });

  it('refuses a malformed batch whole, with 400', async () => {
    const twentyOne = Array.from({ length: 21 }, (_, i) => ({
      id: String(i),
      method: 'GET',
      url: '/me/photo',
    }));
    const cases: [unknown, RegExp][] = [
      [{ requests: twentyOne }, /at most 20/],
      [{ requests: [] }, /no requests/],
      [
        {
          requests: [
            { id: 'x', method: 'GET', url: '/me' },
            { id: 'X', method: 'GET', url: '/me' },
          ],
        },
        /used twice/,
      ],
      [{ requests: [{ id: '1', method: 'GET', url: 'https://graph.microsoft.com/v1.0/me' }] }, /relative/],
      [{ requests: [{ id: '1', method: 'FETCH', url: '/me' }] }, /method/],
      [{ requests: [{ id: '1', method: 'GET', url: '/me', dependsOn: ['2'] }] }, /unknown request/],
      [
        {
          requests: [
            { id: '1', method: 'GET', url: '/me', dependsOn: ['2'] },
            { id: '2', method: 'GET', url: '/me', dependsOn: ['1'] },
          ],
        },
        /cycle/,
      ],
      [{ requests: [{ id: '1', method: 'PATCH', url: '/me', body: { jobTitle: 'x' } }] }, /Content-Type/],
      [{ nothing: true }, /requests/],
      ['{"requests": [', /./],
    ];
    for (const [body, mentions] of cases) {
      const reply = await batch(body);
      assert.equal(reply.status, 400, JSON.stringify(body).slice(0, 80));
      assert.match(reply.json().error.message, mentions);
    }
  });

  it('needs a token itself', async () => {
    const reply = await batch({ requests: [{ id: '1', method: 'GET', url: '/me' }] }, 'v1.0', '');
    assert.equal(reply.status, 401);
  });
});

describe('$batch replies as Graph clients read them', () => {
  it("names item headers in Graph's casing and carries OData-Version", async () => {
    const reply = await batch({
      requests: [
        { id: 'meta', method: 'GET', url: '/me/photo' },
        { id: 'bytes', method: 'GET', url: '/me/photo/$value' },
      ],
    });
    assert.equal(reply.headers['odata-version'], '4.0');
    const [meta, bytes] = reply.json().responses;
    assert.deepEqual(Object.keys(meta.headers).sort(), ['Content-Type', 'OData-Version']);
    assert.deepEqual(Object.keys(bytes.headers).sort(), ['Cache-Control', 'Content-Type', 'ETag']);
    assert.equal(bytes.headers.ETag, meta.body['@odata.mediaEtag'], "the Toolkit's refetch test");
  });

  it("builds links inside items on the batch request's own scheme, host and port", async () => {
    const token = await h.appToken(tenant, ['User.ReadWrite.All']);
    const reply = await batch(
      {
        requests: [
          { id: 'page', method: 'GET', url: '/users?$top=1' },
          { id: 'photo', method: 'GET', url: `/users/${adele.userPrincipalName}/photo` },
          {
            id: 'new',
            method: 'POST',
            url: '/users',
            headers: { 'Content-Type': 'application/json' },
            body: { displayName: 'Newcomer', userPrincipalName: 'newcomer@batch.example' },
          },
        ],
      },
      'v1.0',
      token,
    );
    const [page, photo, created] = reply.json().responses;
    assert.equal(page.body['@odata.context'], `${h.url}/v1.0/$metadata#users`);
    assert.ok(page.body['@odata.nextLink'].startsWith(`${h.url}/v1.0/users?`), page.body['@odata.nextLink']);
    assert.equal(photo.body['@odata.id'], `${h.url}/v1.0/users('${adele.id}')/photo`);
    assert.equal(created.status, 201);
    assert.equal(created.headers.Location, `${h.url}/v1.0/users/${created.body.id}`);
    // The next page is where the link says.
    const next = await h.request('GET', page.body['@odata.nextLink'].slice(h.url.length), { token });
    assert.equal(next.status, 200);
    assert.equal(next.json().value.length, 1);
  });
});

describe('$batch limits', () => {
  const alive = async () => assert.equal((await h.request('GET', '/v1.0/me', { token })).status, 200);

  it('refuses a body over 4 MB with a Graph 413, before reading it all', async () => {
    const padding = 'A'.repeat(4 * 1024 * 1024);
    const reply = await batch({
      requests: [
        {
          id: '1',
          method: 'PUT',
          url: '/me/photo/$value',
          headers: { 'Content-Type': 'image/jpeg' },
          body: padding,
        },
      ],
    });
    assert.equal(reply.status, 413);
    assert.equal(reply.json().error.code, 'RequestEntityTooLarge');
    assert.match(reply.json().error.message, /\$batch/);
    await alive();
  });

  it('refuses JSON nested deeper than any Graph body, without a 500', async () => {
    for (const body of [
      '['.repeat(10_000),
      `{"requests":[{"id":"1","method":"GET","url":"/me","body":${'['.repeat(100)}${']'.repeat(100)}}]}`,
    ]) {
      const reply = await batch(body);
      assert.equal(reply.status, 400);
      assert.equal(reply.json().error.code, 'BadRequest');
      assert.match(reply.json().error.message, /nest/);
    }
    await alive();
  });

  it('keeps each request inside the batch version: no climbing to /metrics, /healthz or the other version', async () => {
    for (const url of [
      '/../healthz',
      '/../../metrics',
      '/../beta/users',
      '/me/../../beta/me',
      '/%2e%2e/metrics',
      '/.%2E/healthz',
      '/..%5cmetrics',
      '/..\\metrics',
      '/./me',
      '/$batch',
    ]) {
      const reply = await batch({ requests: [{ id: '1', method: 'GET', url }] });
      assert.equal(reply.status, 400, url);
      assert.equal(reply.json().error.code, 'BadRequest', url);
    }
    await alive();
  });
});
