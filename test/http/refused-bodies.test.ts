// SPEC §10 (issue 23): no request stops the server. Uploads answered before their body was read
// (413 from Content-Length, 401, 403, 415, 503), bodies that stop coming, clients that hang up
// mid-body, over HTTPS and plain HTTP, inside $batch and injected into the app: each gets its
// Graph answer, and the server still serves once every body deadline has passed. Real sockets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';
import { noiseJpeg } from '../support/images.js';
import { errorCodeOf, openConnection, type RawAnswer, rawRequest, requestHead } from '../support/raw-http.js';
import { pastDeadlines } from '../support/still-serving.js';

/** --upload-timeout 1: a body has 1 s in all (its grace time is the same 1 s). */
const UPLOAD_TIMEOUT_SECONDS = 1;
/** Past every body deadline, and past the 2 s a refused connection is drained without a byte. */
const PAST_DEADLINES_MS = 3_000;
const PHOTO = '/v1.0/me/photo/$value';

for (const scheme of ['https', 'http'] as const) {
  describe(`over ${scheme}`, () => {
    let h: Harness;
    let tenant: Tenant;
    let user: User;
    let writer: string;
    let reader: string;

    before(async () => {
      h = await Harness.start({
        uploadTimeoutSeconds: UPLOAD_TIMEOUT_SECONDS,
        maxUploads: 1,
        ...(scheme === 'http' ? { http: true } : {}),
      });
      tenant = await h.tenant();
      user = await h.user(tenant, 'uploader');
      writer = await h.delegatedToken(tenant, user, ['User.ReadWrite']);
      reader = await h.delegatedToken(tenant, user, ['User.Read']);
    });

    after(() => h.close());

    const stalled = (headers: Record<string, string>, sent?: Buffer) =>
      rawRequest(h.url, { method: 'PUT', path: PHOTO, headers, ...(sent ? { sent } : {}), ending: 'stall' });

    const photoEtag = async () => {
      const reply = await h.request('GET', PHOTO, { token: reader });
      return reply.status === 200 ? reply.headers.etag : reply.status;
    };

    it('answers an over-limit Content-Length that sends no body with 413, and keeps serving past the deadlines', async () => {
      // The request of issue 23: before the fix, the process exited 10 s after this 413.
      const answer = await stalled({
        authorization: `Bearer ${writer}`,
        'content-type': 'image/jpeg',
        'content-length': '100000000',
      });
      assert.equal(answer.status, 413);
      assert.equal(await errorCodeOf(answer), 'RequestEntityTooLarge');
      assert.match(answer.text, /\r\nconnection: close\r\n/i);
      await pastDeadlines(PAST_DEADLINES_MS);
      answer.close();
      await h.expectServing();
      assert.equal(await photoEtag(), 404, 'nothing was stored');
    });

    it('answers 401, 403 and 415 to uploads whose client stops sending, and keeps serving', async () => {
      const declared = { 'content-length': '1000000' };
      const part = Buffer.alloc(64 * 1024, 7);
      const cases: [string, Record<string, string>, number, string][] = [
        ['no token', { 'content-type': 'image/jpeg' }, 401, 'InvalidAuthenticationToken'],
        [
          'a forged token',
          { authorization: 'Bearer e30.e30.e30', 'content-type': 'image/jpeg' },
          401,
          'InvalidAuthenticationToken',
        ],
        [
          'a read-only token',
          { authorization: `Bearer ${reader}`, 'content-type': 'image/jpeg' },
          403,
          'Authorization_RequestDenied',
        ],
        [
          'a text body',
          { authorization: `Bearer ${writer}`, 'content-type': 'text/plain' },
          415,
          'UnsupportedMediaType',
        ],
      ];
      const answers: RawAnswer[] = [];
      for (const [label, headers, status, code] of cases) {
        const answer = await stalled({ ...headers, ...declared }, part);
        answers.push(answer);
        assert.equal(answer.status, status, label);
        assert.equal(await errorCodeOf(answer), code, label);
      }
      await pastDeadlines(PAST_DEADLINES_MS);
      for (const answer of answers) answer.close();
      await h.expectServing();
      assert.equal(await photoEtag(), 404, 'nothing was stored');
    });

    it('answers 503 to an upload beyond those admitted, and 408 to the admitted ones that stop sending', async () => {
      // --max-uploads 1 admits 4 bodies at once; these four declare 1 MB and send 1 KB.
      const held = await Promise.all(
        [1, 2, 3, 4].map(() =>
          rawRequest(h.url, {
            method: 'PUT',
            path: PHOTO,
            headers: {
              authorization: `Bearer ${writer}`,
              'content-type': 'image/jpeg',
              'content-length': '1000000',
            },
            sent: Buffer.alloc(1024, 1),
            ending: 'stall',
            waitMs: 0,
          }),
        ),
      );
      const refused = await stalled(
        { authorization: `Bearer ${writer}`, 'content-type': 'image/jpeg', 'content-length': '1000000' },
        Buffer.alloc(64 * 1024, 1),
      );
      assert.equal(refused.status, 503);
      assert.equal(await errorCodeOf(refused), 'serviceNotAvailable');
      await pastDeadlines(PAST_DEADLINES_MS);
      for (const answer of held) {
        assert.match(answer.text, /^HTTP\/1\.1 408 /, 'an admitted body that stopped coming gets 408');
        answer.close();
      }
      refused.close();
      await h.expectServing();
    });

    it('keeps serving, and the photo as it was, when clients hang up mid-body', async () => {
      const photo = await noiseJpeg(300, 300);
      const put = await h.request('PUT', PHOTO, {
        token: writer,
        body: photo,
        headers: { 'content-type': 'image/jpeg' },
      });
      assert.equal(put.status, 200);
      const before = await photoEtag();
      for (let i = 0; i < 3; i++) {
        await rawRequest(h.url, {
          method: 'PUT',
          path: PHOTO,
          headers: {
            authorization: `Bearer ${writer}`,
            'content-type': 'image/jpeg',
            'content-length': String(photo.length),
          },
          sent: photo.subarray(0, photo.length >> 1),
          ending: 'hang-up',
        });
      }
      await pastDeadlines(PAST_DEADLINES_MS);
      await h.expectServing();
      assert.equal(await photoEtag(), before, 'the photo is unchanged');
    });

    it('answers 413 to a chunked body that grows past 4 MiB while it streams, and keeps serving', async () => {
      const chunk = Buffer.alloc(512 * 1024, 3);
      const chunks = Array.from({ length: 9 }, () =>
        Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
      );
      const answer = await stalled(
        { authorization: `Bearer ${writer}`, 'content-type': 'image/jpeg', 'transfer-encoding': 'chunked' },
        Buffer.concat(chunks),
      );
      assert.equal(answer.status, 413);
      assert.equal(await errorCodeOf(answer), 'RequestEntityTooLarge');
      await pastDeadlines(PAST_DEADLINES_MS);
      answer.close();
      await h.expectServing();
    });
  });
}

describe('inside the app', () => {
  let h: Harness;
  let writer: string;

  before(async () => {
    h = await Harness.start({ uploadTimeoutSeconds: UPLOAD_TIMEOUT_SECONDS });
    const tenant = await h.tenant();
    writer = await h.delegatedToken(tenant, await h.user(tenant, 'batcher'), ['User.ReadWrite']);
  });

  after(() => h.close());

  it("takes a $batch item's body as given, whatever Content-Length it declares, and keeps serving", async () => {
    const photo = (await noiseJpeg(100, 100)).toString('base64');
    const item = (id: string, headers: Record<string, string>, body: string) => ({
      id,
      method: 'PUT',
      url: '/me/photo/$value',
      headers,
      body,
    });
    const reply = await h.request('POST', '/v1.0/$batch', {
      token: writer,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: [
          item('1', { 'Content-Type': 'image/jpeg', 'Content-Length': '100000000' }, photo),
          item('2', { 'Content-Type': 'text/plain', 'Content-Length': '100000000' }, photo),
        ],
      }),
    });
    assert.equal(reply.status, 200);
    const status = Object.fromEntries(reply.json().responses.map((r: any) => [r.id, r.status]));
    assert.deepEqual(status, { '1': 200, '2': 415 });
    await pastDeadlines(PAST_DEADLINES_MS);
    await h.expectServing();
  });

  it('answers 413 to a request injected into the app that declares an over-limit body, and nothing outlives it', async () => {
    const reply = await h.server.app.inject({
      method: 'PUT',
      url: PHOTO,
      headers: {
        authorization: `Bearer ${writer}`,
        'content-type': 'image/jpeg',
        'content-length': '100000000',
      },
      payload: Buffer.alloc(10, 1),
    });
    assert.equal(reply.statusCode, 413);
    assert.equal(reply.json().error.code, 'RequestEntityTooLarge');
    await pastDeadlines(PAST_DEADLINES_MS);
    await h.expectServing();
  });
});

describe('uploads cut short at random', () => {
  let h: Harness;
  let tokens: Record<string, string | undefined>;
  let photo: Buffer;

  before(async () => {
    h = await Harness.start({ uploadTimeoutSeconds: UPLOAD_TIMEOUT_SECONDS, maxUploads: 1 });
    const tenant = await h.tenant();
    const user = await h.user(tenant, 'random');
    tokens = {
      writer: await h.delegatedToken(tenant, user, ['User.ReadWrite']),
      reader: await h.delegatedToken(tenant, user, ['User.Read']),
      forged: 'e30.e30.e30',
      none: undefined,
    };
    photo = await noiseJpeg(200, 200);
  });

  after(() => h.close());

  /** What any upload may be answered with; never a 500. */
  const ANSWERS = new Set([200, 400, 401, 403, 408, 413, 415, 503]);

  it('never stops the server, whatever is declared, sent, delayed or abandoned (fast-check)', async () => {
    const open: { destroy(): void }[] = [];
    const seen: number[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          token: fc.constantFrom('writer', 'reader', 'forged', 'none'),
          type: fc.constantFrom('image/jpeg', 'image/png', 'text/plain'),
          framing: fc.constantFrom('exact', 'more', 'over-limit', 'chunked'),
          fraction: fc.double({ min: 0, max: 1, noNaN: true }),
          pieces: fc.integer({ min: 1, max: 4 }),
          delayMs: fc.integer({ min: 0, max: 40 }),
          ending: fc.constantFrom('stall', 'hang-up', 'finish'),
        }),
        async (c) => {
          const sent = photo.subarray(0, Math.floor(photo.length * c.fraction));
          const token = tokens[c.token];
          const declared = {
            exact: sent.length,
            more: photo.length * 2,
            'over-limit': 5_000_000,
            chunked: 0,
          }[c.framing];
          const socket = await openConnection(h.url);
          open.push(socket);
          socket.on('error', () => {});
          let text = '';
          socket.on('data', (chunk: Buffer) => {
            text += chunk.toString('latin1');
          });
          socket.write(
            requestHead('PUT', PHOTO, {
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              'content-type': c.type,
              ...(c.framing === 'chunked'
                ? { 'transfer-encoding': 'chunked' }
                : { 'content-length': String(declared) }),
            }),
          );
          const step = Math.ceil(sent.length / c.pieces) || 1;
          for (let at = 0; at < sent.length && !socket.destroyed; at += step) {
            const piece = sent.subarray(at, at + step);
            socket.write(c.framing === 'chunked' ? `${piece.length.toString(16)}\r\n` : '');
            socket.write(piece);
            if (c.framing === 'chunked') socket.write('\r\n');
            await new Promise((resolve) => setTimeout(resolve, c.delayMs));
          }
          if (c.ending === 'finish' && c.framing === 'chunked') socket.write('0\r\n\r\n');
          if (c.ending === 'hang-up') {
            socket.destroy();
            return;
          }
          const until = Date.now() + 300;
          while (!text.includes('\r\n\r\n') && !socket.destroyed && Date.now() < until) {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1];
          if (status) {
            seen.push(Number(status));
            assert.ok(ANSWERS.has(Number(status)), `answered ${status}: ${text.slice(0, 400)}`);
          }
        },
      ),
      { numRuns: 40 },
    );
    await pastDeadlines(PAST_DEADLINES_MS);
    for (const socket of open) socket.destroy();
    await h.expectServing();
    assert.ok(seen.length > 0, 'some uploads were answered while they were still being sent');
  });
});
