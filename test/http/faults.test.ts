// Fault simulation (SPEC §8): a tenant's `--faults` answers a share of its API requests with
// Graph's 429, 503 or 504 — or slows them — and no other tenant's; a seed makes it repeatable;
// the official Graph client's retry handler rides it out; /metrics counts what was injected.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseFaults } from '../../src/services/tenant-settings.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { portrait } from '../support/cli.js';
import { Harness } from '../support/harness.js';
import { solidJpeg } from '../support/images.js';

let h: Harness;
let faulty: Tenant;
let healthy: Tenant;
let faultyToken: string;
let healthyToken: string;
let person: User;

const faults = async (spec: string) => {
  const set = await portrait(['tenant', 'update', faulty.name, '--faults', spec, '--json', ...h.storeArgs]);
  assert.equal(set.code, 0, set.stderr);
  return JSON.parse(set.stdout).settings.faults;
};
const statuses = async (count: number) => {
  const seen: number[] = [];
  for (let i = 0; i < count; i++)
    seen.push((await h.request('GET', '/v1.0/me/photo', { token: faultyToken })).status);
  return seen;
};

before(async () => {
  h = await Harness.start();
  faulty = await h.tenant('faulty');
  healthy = await h.tenant('healthy');
  person = await h.user(faulty, 'flo');
  const other = await h.user(healthy, 'hal');
  for (const [tenant, user] of [
    [faulty, person],
    [healthy, other],
  ] as const) {
    await h.store.photos.replacePhotoSet(tenant.id, user.id, [
      { width: 48, height: 48, contentType: 'image/jpeg', bytes: await solidJpeg(48, 48) },
    ]);
  }
  faultyToken = await h.delegatedToken(faulty, person, ['User.Read']);
  healthyToken = await h.delegatedToken(healthy, other, ['User.Read']);
});

after(() => h.close());

describe('--faults', () => {
  it('reads shares, a delay, Retry-After and a seed, and refuses anything else', () => {
    const now = new Date();
    assert.deepEqual(parseFaults('429=0.1 503=0.05 504=0.02 delay=200ms seed=42', now), {
      tooManyRequests: 0.1,
      serviceUnavailable: 0.05,
      gatewayTimeout: 0.02,
      delayMs: 200,
      retryAfterSeconds: 1,
      seed: 42,
      setAt: now.toISOString(),
    });
    assert.equal(parseFaults('off'), null);
    assert.equal(parseFaults('retry-after=0s')?.retryAfterSeconds, 0);
    for (const bad of ['429=2', '429=0.6 503=0.6', '500=0.1', 'delay=soon', '429', 'seed=x']) {
      assert.throws(() => parseFaults(bad), TypeError, bad);
    }
  });

  it("answers every call of the tenant with 429 at 429=1, and none of another tenant's", async () => {
    assert.equal((await faults('429=1')).tooManyRequests, 1);
    for (const path of ['/v1.0/me/photo', '/v1.0/me', '/beta/me/photos/48x48/$value']) {
      const reply = await h.request('GET', path, { token: faultyToken });
      assert.equal(reply.status, 429, path);
      assert.equal(reply.headers['retry-after'], '1');
      assert.equal(reply.json().error.code, 'TooManyRequests');
      assert.equal(reply.json().error.innerError.simulatedFault, true);
    }
    // Inside a batch each request is faulted on its own; the batch itself is answered.
    const batch = await h.request('POST', '/v1.0/$batch', {
      token: faultyToken,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requests: [{ id: '1', method: 'GET', url: '/me/photo' }] }),
    });
    assert.equal(batch.status, 200);
    assert.equal(batch.json().responses[0].status, 429);
    assert.equal(batch.json().responses[0].headers['Retry-After'], '1');
    assert.equal((await h.request('GET', '/v1.0/me/photo', { token: healthyToken })).status, 200);
    const upload = await h.request('PUT', '/v1.0/me/photo/$value', {
      token: faultyToken,
      headers: { 'content-type': 'image/jpeg' },
      body: await solidJpeg(60, 60),
    });
    assert.equal(upload.status, 429, 'nothing is done for a faulted request');
  });

  it('answers 503 and 504 in their shares, the same way each time with a seed', async () => {
    await faults('503=0.5 504=0.25 seed=7');
    const first = await statuses(40);
    await faults('503=0.5 504=0.25 seed=7');
    assert.deepEqual(await statuses(40), first, 'set again, the same seed gives the same faults');
    assert.ok(first.includes(503) && first.includes(504) && first.includes(200), String(first));
  });

  it('delays requests by the delay given', async () => {
    await faults('delay=300ms');
    const started = performance.now();
    assert.equal((await h.request('GET', '/v1.0/me/photo', { token: faultyToken })).status, 200);
    assert.ok(performance.now() - started >= 300, 'not answered before the delay');
  });

  it("lets the Graph client's retry handler complete 20 reads at 503=0.5", async () => {
    // With seed 9 every read needs at most the client's three retries (14 in all).
    await faults('503=0.5 retry-after=0s seed=9');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('../support/graph-js-retry.ts', import.meta.url)),
        JSON.stringify({ baseUrl: h.url, token: faultyToken, path: '/me/photo', reads: 20 }),
      ],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: h.server.caPath } },
    );
    assert.deepEqual(JSON.parse(stdout), { succeeded: 20, failures: [] });
  });

  it('shows what it injected in /metrics, and stops with --faults off', async () => {
    const metrics = (await h.request('GET', '/metrics')).body.toString();
    for (const fault of ['429', '503', '504', 'delay']) {
      assert.match(
        metrics,
        new RegExp(`portrait_faults_injected_total\\{tenant="${faulty.id}",fault="${fault}"\\} [1-9]`),
      );
    }
    assert.equal(await faults('off'), null);
    assert.deepEqual(await statuses(10), Array(10).fill(200));
  });
});
