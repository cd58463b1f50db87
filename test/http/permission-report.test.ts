// The least-privilege report (SPEC §1, §8): the server counts which permission allowed each call
// of each app (per day, not a log), and `portrait permissions report` says what was granted,
// used, never used, and the least privileged set that would have allowed every call seen.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONSOLE_CLIENT_ID, CONSOLE_SCOPES } from '../../src/auth/console-client.js';
import { leastPrivilegedSet } from '../../src/auth/permission-matrix.js';
import { mintDelegatedToken } from '../../src/auth/token-issuer.js';
import { DEFAULT_AUDIENCES } from '../../src/config.js';
import { createApp, grantConsent } from '../../src/services/app-service.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { portrait } from '../support/cli.js';
import { Harness } from '../support/harness.js';
import { within1s } from '../support/poll.js';
import { solidJpeg } from '../support/images.js';

let h: Harness;
let tenant: Tenant;
let adele: User;

const report = async (app: string, ...extra: string[]) => {
  const result = await portrait([
    'permissions',
    'report',
    '--tenant',
    tenant.name,
    '--app',
    app,
    '--json',
    ...h.storeArgs,
    ...extra,
  ]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
};

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('contoso');
  adele = await h.user(tenant, 'adele');
  await h.store.photos.replacePhotoSet(tenant.id, adele.id, [
    { width: 48, height: 48, contentType: 'image/jpeg', bytes: await solidJpeg(48, 48) },
  ]);
});

after(() => h.close());

describe('the least privileged set', () => {
  it('is each call’s least privileged permission, without those another already covers', () => {
    const read = { action: 'userPhoto.read.other', column: 'application' } as const;
    const write = { action: 'userPhoto.write.other', column: 'application' } as const;
    const group = { action: 'groupPhoto.read', column: 'application' } as const;
    assert.deepEqual(leastPrivilegedSet([read]), ['ProfilePhoto.Read.All']);
    assert.deepEqual(leastPrivilegedSet([read, group]), ['ProfilePhoto.Read.All']);
    assert.deepEqual(leastPrivilegedSet([read, write]), ['ProfilePhoto.ReadWrite.All']);
    assert.deepEqual(leastPrivilegedSet([{ action: 'userPhoto.read.self', column: 'delegated' }]), [
      'User.Read',
    ]);
    assert.deepEqual(leastPrivilegedSet([]), []);
  });
});

describe('portrait permissions report', () => {
  it('tells an app that only reads photos to ask for ProfilePhoto.Read.All', async () => {
    const { app, secret } = await createApp(h.store.apps, {
      tenant,
      name: 'photo-reader',
      roles: ['ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All'],
    });
    await grantConsent(h.store.apps, app, {});
    const issued = await h.request('POST', `/${tenant.name}/oauth2/v2.0/token`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: app.appId,
        client_secret: secret!,
        scope: 'https://graph.microsoft.com/.default',
      }).toString(),
    });
    const token = issued.json().access_token as string;
    for (const path of [
      `/v1.0/users/${adele.id}/photo`,
      `/v1.0/users/${adele.id}/photos/48x48/$value`,
      `/beta/users/${adele.id}/photos`,
    ]) {
      assert.equal((await h.request('GET', path, { token })).status, 200, path);
    }
    // Refused calls are not counted: nothing was allowed.
    assert.equal((await h.request('GET', '/v1.0/me/photo', { token })).status, 400);
    await h.server.flushUsage();

    const seen = await report('photo-reader');
    assert.equal(seen.app, 'photo-reader');
    assert.deepEqual(seen.granted, ['User.ReadWrite.All', 'ProfilePhoto.ReadWrite.All']);
    assert.deepEqual(seen.used, ['ProfilePhoto.ReadWrite.All']);
    assert.deepEqual(seen.unused, ['User.ReadWrite.All']);
    assert.deepEqual(seen.suggested, ['ProfilePhoto.Read.All']);
    assert.deepEqual(seen.calls, [
      {
        action: 'userPhoto.read.other',
        label: 'read user photo, other',
        column: 'application',
        permission: 'ProfilePhoto.ReadWrite.All',
        calls: 3,
      },
    ]);
  });

  it('counts a delegated client too, including calls inside $batch', async () => {
    const token = await mintDelegatedToken(
      h.keys,
      { tenant, user: adele, scopes: CONSOLE_SCOPES, clientAppId: CONSOLE_CLIENT_ID },
      { issuerBase: h.issuerBase, audience: DEFAULT_AUDIENCES[0]!, lifetimeSeconds: 600 },
    );
    const batch = await h.request('POST', '/v1.0/$batch', {
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: [
          { id: '1', method: 'GET', url: '/me/photo/$value' },
          { id: '2', method: 'GET', url: '/users?$select=id' },
        ],
      }),
    });
    assert.deepEqual(
      batch.json().responses.map((r: { status: number }) => r.status),
      [200, 200],
    );
    const upload = await h.request('PUT', '/v1.0/me/photo/$value', {
      token,
      headers: { 'content-type': 'image/jpeg' },
      body: await solidJpeg(60, 60),
    });
    assert.equal(upload.status, 200);

    // A call is counted once its answer is sent, which the client may see first: wait until the
    // three are in the store (the batch's two and the upload), then ask the CLI, which takes
    // about a second to start.
    const counted = await within1s(
      async () => {
        await h.server.flushUsage();
        const uses = await h.store.usage.usageSince(tenant.id, CONSOLE_CLIENT_ID, '2000-01-01');
        return uses.reduce((sum, use) => sum + use.calls, 0);
      },
      (calls) => calls >= 3,
    );
    assert.equal(counted, 3);
    const seen = await report(CONSOLE_CLIENT_ID, '--since', '1d');
    assert.equal(seen.app, 'Portrait console');
    assert.deepEqual(seen.used, ['User.ReadWrite', 'User.ReadBasic.All']);
    assert.deepEqual(seen.suggested, ['User.ReadWrite', 'User.ReadBasic.All']);
    assert.ok(seen.unused.includes('ProfilePhoto.ReadWrite.All'));
  });

  it('refuses a --since it cannot answer', async () => {
    const result = await portrait([
      'permissions',
      'report',
      '--tenant',
      tenant.name,
      '--app',
      'photo-reader',
      '--since',
      'forever',
      ...h.storeArgs,
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--since/);
  });
});
