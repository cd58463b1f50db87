// Slow upload bodies (issue 15): senders trickling a byte a second hold no processing slot, so
// other uploads neither wait nor get 503, and each trickler gets 408 RequestTimeout and its
// connection closed once its time is up, leaving the photo as it was. Real sockets, real HTTPS.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { after, before, it } from 'node:test';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';
import { noiseJpeg } from '../support/images.js';

/** Short, so the test runs in seconds; the outcomes, not the timings, are asserted. */
const UPLOAD_TIMEOUT_SECONDS = 8;

let h: Harness;
let tenant: Tenant;
let user: User;
let token: string;

before(async () => {
  h = await Harness.start({ uploadTimeoutSeconds: UPLOAD_TIMEOUT_SECONDS });
  tenant = await h.tenant('slow');
  user = await h.user(tenant, 'slowpoke');
  token = await h.delegatedToken(tenant, user, ['User.ReadWrite']);
});

after(() => h.close());

interface Trickled {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Whether the server closed the connection after answering. */
  closed: Promise<boolean>;
}

/**
 * A PUT that declares 100 kB and sends one byte a second until the server answers. `started`
 * resolves once its headers and first byte are written.
 */
function trickle(): { started: Promise<void>; done: Promise<Trickled> } {
  const url = new URL(`${h.url}/v1.0/me/photo/$value`);
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const done = new Promise<Trickled>((resolve, reject) => {
    let ticker: NodeJS.Timeout | undefined;
    const req = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        ca: readFileSync(h.server.caPath!),
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'image/jpeg',
          'content-length': '100000',
        },
      },
      (res) => {
        clearInterval(ticker);
        const socket = req.socket!;
        const closed = new Promise<boolean>((resolveClosed) => {
          if (socket.destroyed) resolveClosed(true);
          socket.once('close', () => resolveClosed(true));
          setTimeout(() => resolveClosed(false), 10_000).unref();
        });
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, closed }));
      },
    );
    req.on('error', (error) => {
      clearInterval(ticker);
      reject(error);
    });
    req.write(Buffer.from([0xff]), () => markStarted());
    ticker = setInterval(() => {
      if (!req.destroyed) req.write(Buffer.from([0xd8]));
    }, 1000);
  });
  return { started, done };
}

it('ten uploads trickling a byte a second neither delay nor refuse a normal upload, and each gets 408', async () => {
  const earlier = await h.request('PUT', '/v1.0/me/photo/$value', {
    token,
    body: await noiseJpeg(300, 300),
    headers: { 'content-type': 'image/jpeg' },
  });
  assert.equal(earlier.status, 200);

  const slow = Array.from({ length: 10 }, () => trickle());
  await Promise.all(slow.map((s) => s.started));
  let slowAnswered = false;
  void Promise.allSettled(slow.map((s) => s.done)).then(() => {
    slowAnswered = true;
  });

  // More than --max-uploads (8) normal uploads at once, while the ten trickle.
  const normal = await Promise.all(
    Array.from({ length: 10 }, async (_, i) =>
      h.request('PUT', `/v1.0/me/photo/$value`, {
        token,
        body: await noiseJpeg(200 + i, 200 + i),
        headers: { 'content-type': 'image/jpeg' },
      }),
    ),
  );
  assert.deepEqual(
    normal.map((r) => r.status),
    Array(10).fill(200),
    'no normal upload was refused',
  );
  assert.equal(slowAnswered, false, 'the normal uploads were done while the slow ones still trickled');
  const current = await h.request('GET', '/v1.0/me/photo/$value', { token });
  assert.ok(normal.some((r) => r.headers['etag'] === current.headers['etag']));

  for (const s of slow) {
    const reply = await s.done;
    assert.equal(reply.status, 408);
    const error = JSON.parse(reply.body).error;
    assert.equal(error.code, 'RequestTimeout');
    assert.match(error.message, /too slowly/);
    assert.ok(error.innerError['request-id'], 'a Graph error body with a request-id');
    assert.equal(reply.headers['connection'], 'close');
    assert.equal(await reply.closed, true, 'the server closed the connection');
  }
  const after = await h.request('GET', '/v1.0/me/photo/$value', { token });
  assert.equal(after.headers['etag'], current.headers['etag'], 'the refused bodies changed nothing');
  assert.deepEqual(after.body, current.body);
});

it('keeps serving after the slow senders are gone', async () => {
  const reply = await h.request('PUT', '/v1.0/me/photo/$value', {
    token,
    body: await noiseJpeg(120, 120),
    headers: { 'content-type': 'image/jpeg' },
  });
  assert.equal(reply.status, 200);
});
