// Uploads over HTTPS (SPEC §4): the size limit enforced while streaming, every refusal a clear
// Graph error that leaves the earlier photo byte-identical, and concurrent replaces that end in
// one complete set.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { after, before, beforeEach, describe, it } from 'node:test';
import sharp from 'sharp';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';
import { handmadePng, near, noiseJpeg, pixel, type Rgb, solidJpeg } from '../support/images.js';

const LIMIT = 4 * 1024 * 1024;

let h: Harness;
let tenant: Tenant;
let user: User;
let token: string;

/** `null` sends no Content-Type at all. */
const put = (body: Buffer | string, contentType: string | null = 'image/jpeg') =>
  h.request('PUT', '/v1.0/me/photo/$value', {
    token,
    body,
    headers: contentType ? { 'content-type': contentType } : {},
  });

async function snapshot() {
  const bytes = await h.request('GET', '/v1.0/me/photo/$value', { token });
  const list = await h.request('GET', '/v1.0/me/photos', { token });
  return { status: bytes.status, etag: bytes.headers['etag'], body: bytes.body, list: list.json() };
}

/** Sends headers and part of a body, then waits for the server to answer without the rest. */
function partialUpload(
  declaredLength: number | 'chunked',
  sendBytes: number,
): Promise<{ status: number; body: string }> {
  const url = new URL(`${h.url}/v1.0/me/photo/$value`);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        ca: readFileSync(h.server.caPath!),
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'image/jpeg',
          ...(declaredLength === 'chunked' ? {} : { 'content-length': String(declaredLength) }),
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode!, body });
        });
      },
    );
    req.on('error', reject);
    // Write what we promised only in part and never end the request: a server that waited for the
    // whole body would never answer.
    req.write(Buffer.alloc(sendBytes, 0xff));
  });
}

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('uploads');
  user = await h.user(tenant, 'uploader');
  token = await h.delegatedToken(tenant, user, ['User.ReadWrite']);
});

after(() => h.close());

describe('upload limits and refusals', () => {
  let earlier: Awaited<ReturnType<typeof snapshot>>;

  beforeEach(async () => {
    assert.equal((await put(await noiseJpeg(700, 700))).status, 200);
    earlier = await snapshot();
    assert.equal(earlier.status, 200);
  });

  const unchanged = async (what: string) => {
    const now = await snapshot();
    assert.equal(now.etag, earlier.etag, `${what}: same ETag`);
    assert.deepEqual(now.body, earlier.body, `${what}: same bytes`);
    assert.deepEqual(now.list, earlier.list, `${what}: same sizes`);
  };

  it('accepts a body of exactly 4 MiB', async () => {
    const exact = handmadePng(64, 64, { padTo: LIMIT });
    assert.equal(exact.length, LIMIT);
    assert.equal((await put(exact, 'image/png')).status, 200);
  });

  it('refuses 4 MiB + 1 byte with 413 and keeps the photo', async () => {
    const reply = await put(handmadePng(64, 64, { padTo: LIMIT + 1 }), 'image/png');
    assert.equal(reply.status, 413);
    assert.equal(reply.json().error.code, 'RequestEntityTooLarge');
    await unchanged('4 MiB + 1');
  });

  it('answers 413 from the declared length, before the body is sent', async () => {
    const reply = await partialUpload(LIMIT * 3, 64 * 1024);
    assert.equal(reply.status, 413);
    assert.equal(JSON.parse(reply.body).error.code, 'RequestEntityTooLarge');
    await unchanged('declared 12 MiB');
  });

  it('answers 413 while streaming a chunked body, as soon as it passes 4 MiB', async () => {
    const reply = await partialUpload('chunked', LIMIT + 64 * 1024);
    assert.equal(reply.status, 413);
    await unchanged('chunked');
  });

  for (const [name, body, mentions] of [
    ['an empty body', Buffer.alloc(0), /empty/],
    ['a text file', Buffer.from('name,upn\nAdele,adele@contoso.com\n'), /plain text/],
    ['an HTML page', Buffer.from('<!doctype html><html><body>hi</body></html>'), /HTML/],
  ] as const) {
    it(`refuses ${name} with 400 ErrorInvalidImage and keeps the photo`, async () => {
      const reply = await put(body);
      assert.equal(reply.status, 400);
      assert.equal(reply.json().error.code, 'ErrorInvalidImage');
      assert.match(reply.json().error.message, mentions);
      await unchanged(name);
    });
  }

  it('refuses a truncated JPEG with 400 and keeps the photo', async () => {
    const whole = await noiseJpeg(600, 600);
    const reply = await put(whole.subarray(0, Math.floor(whole.length * 0.6)));
    assert.equal(reply.status, 400);
    assert.equal(reply.json().error.code, 'ErrorInvalidImage');
    await unchanged('truncated');
  });

  it('refuses an image with too many pixels with 400 and keeps the photo', async () => {
    const reply = await put(handmadePng(9000, 9000, { rows: 1 }), 'image/png');
    assert.equal(reply.status, 400);
    assert.equal(reply.json().error.code, 'ErrorInvalidImage');
    assert.match(reply.json().error.message, /81 megapixels.*40 megapixels/);
    await unchanged('too many pixels');
  });

  it('refuses a Content-Type that is not an image with 415, and a missing one', async () => {
    const jpeg = await solidJpeg(100, 100);
    for (const type of ['text/plain', 'application/json', 'multipart/form-data; boundary=x', null]) {
      const reply = await put(jpeg, type);
      assert.equal(reply.status, 415, String(type));
      assert.equal(reply.json().error.code, 'UnsupportedMediaType');
    }
    await unchanged('415');
  });

  it('accepts application/octet-stream, as the Kiota-based Graph SDKs send it', async () => {
    assert.equal((await put(await solidJpeg(90, 90), 'application/octet-stream')).status, 200);
  });

  it('judges the format by the bytes, not by the declared image type', async () => {
    const png = await sharp({ create: { width: 80, height: 80, channels: 3, background: '#00ff00' } })
      .png()
      .toBuffer();
    assert.equal((await put(png, 'image/jpeg')).status, 200);
    const stored = await h.request('GET', '/v1.0/me/photo/$value', { token });
    assert.equal((await sharp(stored.body).metadata()).format, 'jpeg');
  });
});

describe('concurrent uploads', () => {
  it('20 concurrent uploads to one user end with one complete, consistent set', async () => {
    const colours: Rgb[] = Array.from({ length: 20 }, (_, i) => [
      (i * 53) % 256,
      (i * 97 + 40) % 256,
      (i * 29 + 80) % 256,
    ]);
    const bodies = await Promise.all(colours.map((c) => solidJpeg(700, 700, c)));
    const replies = await Promise.all(bodies.map((body) => put(body)));
    assert.deepEqual(
      replies.map((r) => r.status),
      Array(20).fill(200),
    );
    const etags = new Set(replies.map((r) => r.headers['etag']));
    assert.equal(etags.size, 20, 'each replace made its own set');

    const list = (await h.request('GET', '/v1.0/me/photos', { token })).json();
    assert.equal(list.value.length, 9);
    const setEtag = list.value[0]['@odata.mediaEtag'];
    assert.ok(etags.has(setEtag), 'the stored set is one that an upload produced');
    const winner = colours[replies.findIndex((r) => r.headers['etag'] === setEtag)]!;
    for (const entry of list.value) {
      assert.equal(entry['@odata.mediaEtag'], setEtag, `${entry.id} belongs to the same set`);
      const bytes = (await h.request('GET', `/v1.0/me/photos/${entry.id}/$value`, { token })).body;
      assert.ok(near(await pixel(bytes, 10, 10), winner, 8), `${entry.id} has the winning upload's colour`);
    }
  });
});
