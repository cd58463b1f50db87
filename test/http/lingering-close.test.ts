// SPEC §10, issue 23: a refusal sent while the client is still sending its body is readable by
// that client. The server reads and drops the rest of the body (within bounds) before it closes,
// as nginx's lingering close does, so the client is not reset mid-write and loses no answer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { LINGER } from '../../src/http/lingering-close.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';
import { openConnection, type RawAnswer, rawRequest, requestHead } from '../support/raw-http.js';

const PHOTO = '/v1.0/me/photo/$value';
const MB = 1_000_000;

let h: Harness;
let tenant: Tenant;
let user: User;
let writer: string;
let reader: string;

before(async () => {
  // --max-uploads 1: four bodies are admitted at once, so a fifth is refused with 503.
  h = await Harness.start({ maxUploads: 1 });
  tenant = await h.tenant();
  user = await h.user(tenant, 'sender');
  writer = await h.delegatedToken(tenant, user, ['User.ReadWrite']);
  reader = await h.delegatedToken(tenant, user, ['User.Read']);
});

after(() => h.close());

/** Sends `size` bytes with Node's https client, as a program would; the status, or the error it got instead. */
function send(method: string, path: string, size: number, headers: Record<string, string>) {
  return new Promise<number | string>((resolve) => {
    const url = new URL(h.url);
    const body = Buffer.alloc(size, 0x5a);
    const req = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        agent: false,
        ca: readFileSync(h.server.caPath!),
        headers: { ...headers, 'content-length': String(size) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
        res.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
    req.end(body);
  });
}

/** Open connections to the server. */
const connections = () =>
  new Promise<number>((resolve, reject) =>
    h.server.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

async function waitFor(condition: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

describe('refusals of large bodies', () => {
  it("reach Node's http client sending 5 MB and 10 MB bodies, 10 times of 10", async () => {
    const photo = (token: string, type = 'image/jpeg') => ({
      authorization: `Bearer ${token}`,
      'content-type': type,
    });
    const cases: [string, string, string, number, Record<string, string>, number][] = [
      ['a 5 MB photo', 'PUT', PHOTO, 5 * MB, photo(writer), 413],
      ['a 10 MB photo', 'PUT', PHOTO, 10 * MB, photo(writer), 413],
      ['a 10 MB $batch', 'POST', '/v1.0/$batch', 10 * MB, photo(writer, 'application/json'), 413],
      ['no token', 'PUT', PHOTO, 5 * MB, { 'content-type': 'image/jpeg' }, 401],
      ['a read-only token', 'PUT', PHOTO, 5 * MB, photo(reader), 403],
      ['a text body', 'PUT', PHOTO, 3 * MB, photo(writer, 'text/plain'), 415],
    ];
    for (const [label, method, path, size, headers, status] of cases) {
      const got: (number | string)[] = [];
      for (let i = 0; i < 10; i++) got.push(await send(method, path, size, headers));
      assert.deepEqual(got, Array(10).fill(status), `${label}: ${got.join(' ')}`);
    }
    await h.expectServing();
  });

  it('reach a client sending 5 MB while every upload place is taken (503), 10 times of 10', async () => {
    const held: RawAnswer[] = await Promise.all(
      [1, 2, 3, 4].map(() =>
        rawRequest(h.url, {
          method: 'PUT',
          path: PHOTO,
          headers: {
            authorization: `Bearer ${writer}`,
            'content-type': 'image/jpeg',
            'content-length': String(MB),
          },
          sent: Buffer.alloc(1024, 1),
          ending: 'stall',
          waitMs: 0,
        }),
      ),
    );
    try {
      const got: (number | string)[] = [];
      for (let i = 0; i < 10; i++) {
        got.push(
          await send('PUT', PHOTO, 5 * MB, {
            authorization: `Bearer ${writer}`,
            'content-type': 'image/jpeg',
          }),
        );
      }
      assert.deepEqual(got, Array(10).fill(503), got.join(' '));
    } finally {
      // Hanging up mid-body gives their places back.
      for (const answer of held) answer.close();
    }
    assert.ok(
      await waitFor(
        async () =>
          (await send('PUT', PHOTO, 10, {
            authorization: `Bearer ${writer}`,
            'content-type': 'image/jpeg',
          })) === 400,
        2_000,
      ),
    );
    await h.expectServing();
  });
});

describe('a refused connection', () => {
  it('is read to the end of its body and closed cleanly, not reset, when the client goes on sending', async () => {
    const socket = await openConnection(h.url);
    const errors: string[] = [];
    socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? String(error)));
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    const ended = new Promise<void>((resolve) => socket.once('end', resolve));
    const size = 6 * MB;
    socket.write(
      requestHead('PUT', PHOTO, {
        authorization: `Bearer ${writer}`,
        'content-type': 'image/jpeg',
        'content-length': String(size),
      }),
    );
    socket.write(Buffer.alloc(MB, 1));
    // The 413 comes at once (Content-Length says 6 MB); the client, busy writing, reads it later.
    assert.ok(await waitFor(async () => text.includes('\r\n\r\n'), 5_000), 'an answer came');
    assert.match(text, /^HTTP\/1\.1 413 /);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The rest of the body, in pieces, as a client that did not look at the answer sends it.
    for (let sent = MB; sent < size; sent += MB) {
      await new Promise<void>((resolve, reject) =>
        socket.write(Buffer.alloc(MB, 2), (error) => (error ? reject(error) : resolve())),
      );
    }
    await ended;
    socket.end();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(errors, [], 'the connection was not reset');
    assert.ok(await waitFor(async () => (await connections()) === 0, 2_000), 'the server closed it');
  });

  it(`is closed after ${LINGER.idleMs} ms without a byte, and after ${LINGER.totalMs} ms of a trickle`, async () => {
    const idle = await rawRequest(h.url, {
      method: 'PUT',
      path: PHOTO,
      headers: { 'content-type': 'image/jpeg', 'content-length': String(MB) },
      sent: Buffer.alloc(1024),
      ending: 'stall',
    });
    assert.equal(idle.status, 401);
    const trickle = await rawRequest(h.url, {
      method: 'PUT',
      path: PHOTO,
      headers: { 'content-type': 'image/jpeg', 'content-length': String(100 * MB) },
      sent: Buffer.alloc(1024),
      ending: 'stall',
    });
    assert.equal(trickle.status, 401);
    const ticker = setInterval(() => {
      if (!trickle.socket.destroyed) trickle.socket.write(Buffer.alloc(1024));
    }, 100);
    try {
      const started = Date.now();
      assert.ok(
        await waitFor(async () => (await connections()) <= 1, LINGER.idleMs + 1_500),
        'the idle one closed',
      );
      assert.ok(Date.now() - started < LINGER.totalMs, 'before the trickle');
      assert.equal(await connections(), 1, 'the trickling one is still read');
      assert.ok(
        await waitFor(async () => (await connections()) === 0, LINGER.totalMs),
        'the trickling one closed',
      );
    } finally {
      clearInterval(ticker);
      idle.close();
      trickle.close();
    }
    await h.expectServing();
  });
});
