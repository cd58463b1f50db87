// Throttling over HTTPS (SPEC §7): 429 TooManyRequests with Retry-After, per app, and each
// request of a $batch counted on its own.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { parseThrottle } from '../../src/domain/throttle-rules.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';

let h: Harness;
let tenant: Tenant;
let user: User;

before(async () => {
  h = await Harness.start({ throttle: parseThrottle('app=4/60s') });
  tenant = await h.tenant('busy');
  user = await h.user(tenant, 'u');
});

after(() => h.close());

it('answers requests over an app limit with 429 and Retry-After, while other apps go on', async () => {
  const token = await h.appToken(tenant, ['ProfilePhoto.Read.All'], 'chatty');
  const statuses: number[] = [];
  let retryAfter: string | undefined;
  for (let i = 0; i < 6; i++) {
    const reply = await h.request('GET', `/v1.0/users/${user.id}/photos`, { token });
    statuses.push(reply.status);
    if (reply.status === 429) {
      retryAfter = reply.headers['retry-after'];
      assert.equal(reply.json().error.code, 'TooManyRequests');
    }
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After ${retryAfter}`);
  const quiet = await h.appToken(tenant, ['ProfilePhoto.Read.All'], 'quiet');
  assert.equal((await h.request('GET', `/v1.0/users/${user.id}/photos`, { token: quiet })).status, 200);
});

it('counts each request of a batch, not the batch', async () => {
  const token = await h.appToken(tenant, ['ProfilePhoto.Read.All'], 'batcher');
  const requests = Array.from({ length: 6 }, (_, i) => ({
    id: String(i),
    method: 'GET',
    url: `/users/${user.id}/photos`,
  }));
  const reply = await h.request('POST', '/v1.0/$batch', {
    token,
    body: JSON.stringify({ requests }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(reply.status, 200);
  const statuses = reply.json().responses.map((r: { status: number }) => r.status);
  assert.equal(statuses.filter((s: number) => s === 200).length, 4);
  const throttled = reply.json().responses.filter((r: { status: number }) => r.status === 429);
  assert.equal(throttled.length, 2);
  assert.ok(
    throttled.every((r: { headers: Record<string, string> }) => Number(r.headers['Retry-After']) >= 1),
  );
});
