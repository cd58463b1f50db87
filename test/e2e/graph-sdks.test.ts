// SPEC §7: the official Graph JavaScript client (v3) and the Kiota-based SDK work against
// Portrait with only the base URL changed (and Portrait's CA trusted), each in its own process as
// an application would run it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { parseThrottle } from '../../src/domain/throttle-rules.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';
import { noiseJpeg, solidJpeg } from '../support/images.js';

const script = (name: string) => fileURLToPath(new URL(`../support/${name}`, import.meta.url));

let h: Harness;
let tenant: Tenant;
let token: string;
let photoPath: string;

async function runClient(name: string, scenario: object): Promise<any> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', script(name), JSON.stringify(scenario)],
    {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: h.server.caPath },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout);
}

before(async () => {
  // Each mailbox takes 5 requests in 2 s: the throttled scenario below needs the retry handler.
  h = await Harness.start({ throttle: parseThrottle('mailbox=5/2s') });
  tenant = await h.tenant('sdk');
  token = await h.appToken(tenant, ['ProfilePhoto.ReadWrite.All', 'User.Read.All']);
  photoPath = join(h.dataDir, 'upload.jpg');
  writeFileSync(photoPath, await noiseJpeg(500, 400));
});

after(() => h.close());

describe('@microsoft/microsoft-graph-client v3', () => {
  let user: User;
  let batchUsers: User[];

  before(async () => {
    user = await h.user(tenant, 'graph-js');
    batchUsers = [];
    for (let i = 0; i < 20; i++) {
      const other = await h.user(tenant, `batch-${i}`);
      await h.store.photos.replacePhotoSet(tenant.id, other.id, [
        { width: 48, height: 48, contentType: 'image/jpeg', bytes: await solidJpeg(48, 48) },
      ]);
      batchUsers.push(other);
    }
  });

  it('uploads, reads, lists, batches, rides out throttling and deletes, unchanged', async () => {
    const result = await runClient('graph-js-client.ts', {
      baseUrl: h.url,
      token,
      userId: user.id,
      photoPath,
      batchUserIds: batchUsers.map((u) => u.id),
      throttledUserId: batchUsers[0]!.id,
      throttledCalls: 8,
    });
    assert.equal(result.metadata.id, '360X360');
    assert.equal(result.metadata['@odata.mediaContentType'], 'image/jpeg');
    const small = await sharp(Buffer.from(result.smallBytes, 'base64')).metadata();
    assert.equal(small.width, 48);
    assert.deepEqual(result.sizes, ['48X48', '64X64', '96X96', '120X120', '240X240', '360X360']);
    assert.deepEqual(result.batch, Array(20).fill(200));
    const { mixed } = result;
    assert.equal(mixed.bytesType, 'image/jpeg');
    assert.equal((await sharp(Buffer.from(mixed.bytes, 'base64')).metadata()).width, 48);
    assert.ok(mixed.etagMatches, "the bytes' ETag is the metadata's mediaEtag");
    assert.equal(mixed.metaId, '48X48');
    assert.equal(mixed.firstPageSize, 5);
    const everyone = (await h.store.directory.listUsers(tenant.id, { top: 999 })).items.map(
      (u) => u.displayName,
    );
    assert.deepEqual(
      [...mixed.names].sort(),
      everyone.sort(),
      'PageIterator followed the batch page to the end',
    );
    assert.equal(result.throttledOk, 8, 'every throttled call succeeded through the retry handler');
    const metrics = (await h.request('GET', '/metrics')).body.toString();
    assert.match(
      metrics,
      /portrait_http_requests_total\{method="GET",operation="[a-z]+",status="429"\} [1-9]/,
    );
    assert.deepEqual(result.afterDelete, { status: 404, code: 'ImageNotFound' });
  });
});

describe('@microsoft/msgraph-sdk (Kiota)', () => {
  it('uploads, reads, lists and deletes, unchanged', async () => {
    const user = await h.user(tenant, 'kiota');
    const result = await runClient('kiota-client.ts', { baseUrl: h.url, token, userId: user.id, photoPath });
    assert.deepEqual(result.metadata, { id: '360X360', width: 360, height: 360 });
    assert.ok(result.smallBytes > 100);
    assert.equal(result.sizes.length, 6);
    assert.deepEqual(result.afterDelete, { status: 404, code: 'ImageNotFound' });
  });
});
