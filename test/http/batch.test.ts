// JSON batching (SPEC §7): up to 20 requests, each authorized and throttled on its own, in
// dependsOn order with 424 for the dependants of a failure, photos as base64 both ways.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { Tenant, User } from '../../src/store/store.js';
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
    assert.match(two.headers.etag, /^"[0-9A-F]{8}"$/);
    assert.equal(three.status, 200);
    assert.equal(three.headers['content-type'], 'image/jpeg');
    assert.equal(three.headers.etag, two.headers.etag);
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
