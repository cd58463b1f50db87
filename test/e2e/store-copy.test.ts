// `portrait store copy` (SPEC §1, §8): SQLite → PostgreSQL → SQLite keeps every row of every
// table (same ids, byte-identical photos, the same ETags, signing keys, apps, consents, counters),
// and a store that arrives on PostgreSQL serves the same photo with the same ETag.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { SigningKeys } from '../../src/auth/signing-keys.js';
import { openBackend, openStore } from '../../src/store/open-store.js';
import { TABLES } from '../../src/store/store-copy.js';
import { portrait } from '../support/cli.js';
import { noiseJpeg } from '../support/images.js';
import { createTestDatabase, postgresOrSkipNotice, type TestDatabase } from '../support/postgres.js';

const reachable = await postgresOrSkipNotice('the store copy tests');

/** Every row of every table, in key order, bytes as hex: what must survive a copy. */
async function dump(url: string): Promise<Record<string, unknown[]>> {
  const backend = await openBackend(url);
  try {
    const tables: Record<string, unknown[]> = {};
    for (const [table, key] of TABLES) {
      let query = backend.db.selectFrom(table).selectAll();
      for (const column of key) query = query.orderBy(sql.ref(column));
      const rows = await query.execute();
      tables[table] = rows.map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v]),
        ),
      );
    }
    return tables;
  } finally {
    await backend.close();
  }
}

describe('portrait store copy', { skip: !reachable }, () => {
  let dir: string;
  let database: TestDatabase;
  let source: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portrait-copy-'));
    database = await createTestDatabase();
    source = `sqlite:${join(dir, 'source.db')}`;
    const store = await openStore(source);
    try {
      await SigningKeys.open(store.keys);
      await store.keys.installationSetting('issuer-base', () => 'https://photos.example');
      const tenant = await store.directory.createTenant({ name: 'contoso' });
      const users = [];
      for (let i = 0; i < 30; i++) {
        users.push(
          await store.directory.createUser({
            tenantId: tenant.id,
            userPrincipalName: `user${i}@contoso.example`,
            displayName: `User ${i}`,
            mail: `user${i}@mail.contoso.example`,
          }),
        );
      }
      const photo = await noiseJpeg(200, 200);
      for (const user of users.slice(0, 12)) {
        await store.photos.replacePhotoSet(tenant.id, user.id, [
          { width: 48, height: 48, contentType: 'image/jpeg', bytes: photo.subarray(0, 900) },
          { width: 200, height: 200, contentType: 'image/jpeg', bytes: photo },
        ]);
      }
      const app = await store.apps.createApp({
        tenantId: tenant.id,
        displayName: 'sync',
        redirectUris: ['https://a/cb'],
      });
      await store.apps.addClientSecret({
        id: 'secret-1',
        appObjectId: app.id,
        hash: 'h',
        hint: 'abc',
        createdAt: '2026-01-01T00:00:00.000Z',
        expiresAt: '2027-01-01T00:00:00.000Z',
      });
      await store.apps.recordUserConsent(tenant.id, app.appId, users[0]!.id, ['User.Read']);
      await store.usage.addUsage([
        {
          tenantId: tenant.id,
          appId: app.appId,
          day: '2026-11-01',
          column: 'application',
          action: 'read',
          permission: 'ProfilePhoto.Read.All',
          calls: 7,
        },
      ]);
    } finally {
      await store.close();
    }
  });

  after(async () => {
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies SQLite into PostgreSQL and back, every row and every byte the same', async () => {
    const there = await portrait(['store', 'copy', '--from', source, '--to', database.url, '--json']);
    assert.equal(there.code, 0, there.stderr);
    const copied = JSON.parse(there.stdout).copied;
    assert.equal(copied.users, 30);
    assert.equal(copied.photo_variants, 24);
    const original = await dump(source);
    assert.ok(original['signing_keys']!.length >= 1);
    assert.deepEqual(await dump(database.url), original);

    const back = `sqlite:${join(dir, 'back.db')}`;
    const home = await portrait(['store', 'copy', '--from', database.url, '--to', back]);
    assert.equal(home.code, 0, home.stderr);
    assert.match(home.stdout, /photo_variants\s+24/);
    assert.deepEqual(await dump(back), original);
  });

  it('serves the copied photo with the same ETag, and refuses to copy into a store with data', async () => {
    const store = await openStore(database.url);
    try {
      const tenant = (await store.directory.findTenant('contoso'))!;
      const user = (await store.directory.findUser(tenant.id, 'user3@contoso.example'))!;
      const set = await store.photos.readPhotoSet(tenant.id, user.id);
      const original = await openStore(source);
      assert.equal(set?.etag, (await original.photos.readPhotoSet(tenant.id, user.id))?.etag);
      assert.deepEqual(
        (await store.photos.readVariant(tenant.id, user.id))?.bytes,
        (await original.photos.readVariant(tenant.id, user.id))?.bytes,
      );
      await original.close();
    } finally {
      await store.close();
    }
    const again = await portrait(['store', 'copy', '--from', source, '--to', database.url]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /error: the target store is not empty \(table \w+ has rows\)/);
  });
});
