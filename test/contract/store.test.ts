// The storage contract every backend must keep: SQLite, and PostgreSQL when the suite runs with
// PORTRAIT_TEST_DATABASE=postgres (test/support/postgres.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { migrateStore, openStore, SchemaOutOfDateError } from '../../src/store/open-store.js';
import { openSqliteBackend } from '../../src/store/sql/sqlite-backend.js';
import { blobKey, PhotoSets } from '../../src/store/photo-sets.js';
import { SqlPhotoBytes } from '../../src/store/sql/sql-photo-bytes.js';
import { SqlPhotoMetadata } from '../../src/store/sql/sql-photo-store.js';
import type { NewVariant } from '../../src/domain/photo-set.js';
import { DuplicateError, PreconditionError } from '../../src/store/store-errors.js';
import type { Store } from '../../src/store/store.js';
import pg from 'pg';
import { createTestDatabase, onPostgres } from '../support/postgres.js';
import { sharedObjectService, testBlobKind } from '../support/object-stores.js';
import { within1s } from '../support/poll.js';

/** A fresh store location and how to remove it. */
type Location = { url: string; remove: () => Promise<void> };

const sqliteLocation = async (): Promise<Location> => {
  const dir = mkdtempSync(join(tmpdir(), 'portrait-store-'));
  return {
    url: `sqlite:${join(dir, 'portrait.db')}`,
    remove: async () => rmSync(dir, { recursive: true, force: true }),
  };
};

const postgresLocation = async (): Promise<Location> => {
  const database = await createTestDatabase({ migrate: true });
  return { url: database.url, remove: database.drop };
};

const BACKENDS: [string, () => Promise<Location>][] = onPostgres
  ? [['postgres', postgresLocation]]
  : [['sqlite', sqliteLocation]];

const variant = (side: number, fill: number): NewVariant => ({
  width: side,
  height: side,
  contentType: 'image/jpeg',
  bytes: Buffer.alloc(side, fill),
});

for (const [name, url] of BACKENDS) {
  describe(`store contract: ${name}${testBlobKind ? `, photo bytes in ${testBlobKind}` : ''}`, () => {
    let store: Store;
    let location: Location;

    before(async () => {
      location = await url();
      // PORTRAIT_TEST_BLOBS: the photo bytes in a fresh bucket, container or folder.
      store = await openStore(
        location.url,
        testBlobKind ? { blobStore: await (await sharedObjectService(testBlobKind)).newBlobStore() } : {},
      );
    });
    after(async () => {
      await store.close();
      await location.remove();
    });

    it('finds tenants by id or name in any case, and refuses duplicates', async () => {
      const tenant = await store.directory.createTenant({ name: 'Contoso' });
      assert.equal((await store.directory.findTenant('CONTOSO'))?.id, tenant.id);
      assert.equal((await store.directory.findTenant(tenant.id.toUpperCase()))?.id, tenant.id);
      await assert.rejects(store.directory.createTenant({ name: 'contoso' }), DuplicateError);
    });

    it('finds users by id or UPN in any case, only within their tenant', async () => {
      const a = await store.directory.createTenant({ name: 'tenant-a' });
      const b = await store.directory.createTenant({ name: 'tenant-b' });
      const user = await store.directory.createUser({
        tenantId: a.id,
        userPrincipalName: 'Adele@A.example',
        displayName: 'Adele',
      });
      assert.equal((await store.directory.findUser(a.id, 'adele@a.EXAMPLE'))?.id, user.id);
      assert.equal((await store.directory.findUser(a.id, user.id.toUpperCase()))?.id, user.id);
      assert.equal(await store.directory.findUser(b.id, user.id), undefined);
      await assert.rejects(
        store.directory.createUser({
          tenantId: a.id,
          userPrincipalName: 'ADELE@a.example',
          displayName: 'Twin',
        }),
        DuplicateError,
      );
      // The same UPN in another tenant is another person.
      await store.directory.createUser({
        tenantId: b.id,
        userPrincipalName: 'adele@a.example',
        displayName: 'Other',
      });
    });

    it('creates many users in one transaction, or none of them when one is taken', async () => {
      const t = await store.directory.createTenant({ name: 'batch' });
      const made = await store.directory.createUsers([
        {
          tenantId: t.id,
          userPrincipalName: 'one@batch.example',
          displayName: 'One',
          mail: 'one@batch.example',
        },
        { tenantId: t.id, userPrincipalName: 'two@batch.example', displayName: 'Two' },
      ]);
      assert.deepEqual(
        made.map((u) => u.userPrincipalName),
        ['one@batch.example', 'two@batch.example'],
      );
      assert.equal((await store.directory.findUserByMail(t.id, 'ONE@batch.example'))?.id, made[0]!.id);
      await assert.rejects(
        store.directory.createUsers([
          { tenantId: t.id, userPrincipalName: 'three@batch.example', displayName: 'Three' },
          { tenantId: t.id, userPrincipalName: 'TWO@batch.example', displayName: 'Twin' },
        ]),
        DuplicateError,
      );
      assert.equal(await store.directory.findUser(t.id, 'three@batch.example'), undefined, 'none of them');
      await assert.rejects(
        store.directory.createUsers([
          { tenantId: t.id, userPrincipalName: 'four@batch.example', displayName: 'Four' },
          { tenantId: t.id, userPrincipalName: 'four@batch.example', displayName: 'Four again' },
        ]),
        DuplicateError,
      );
      assert.equal(await store.directory.findUser(t.id, 'four@batch.example'), undefined);
    });

    it('replaces a photo set whole, smallest first, with a new etag each time', async () => {
      const t = await store.directory.createTenant({ name: 'photos' });
      const first = await store.photos.replacePhotoSet(t.id, 'owner-1', [variant(96, 1), variant(48, 1)]);
      const second = await store.photos.replacePhotoSet(t.id, 'owner-1', [variant(64, 2)]);
      assert.notEqual(first.etag, second.etag);
      const set = await store.photos.readPhotoSet(t.id, 'owner-1');
      assert.deepEqual(
        set?.variants.map((v) => v.sizeId),
        ['64X64'],
      );
      assert.equal((await store.photos.readVariant(t.id, 'owner-1'))?.bytes[0], 2);
      assert.equal(await store.photos.readVariant(t.id, 'owner-1', '48X48'), undefined);
      assert.equal(await store.photos.readPhotoSet('another-tenant', 'owner-1'), undefined);
    });

    it('keeps equal photo bytes once, under their SHA-256, and reads them back for every owner', async () => {
      const t = await store.directory.createTenant({ name: 'shared-bytes' });
      await store.photos.replacePhotoSet(t.id, 'owner-a', [variant(48, 7), variant(64, 7)]);
      await store.photos.replacePhotoSet(t.id, 'owner-b', [variant(48, 7)]);
      const key = blobKey(variant(48, 7).bytes);
      assert.deepEqual(await store.photoBytes.get(key), variant(48, 7).bytes);
      for (const owner of ['owner-a', 'owner-b']) {
        assert.deepEqual((await store.photos.readVariant(t.id, owner, '48X48'))?.bytes, variant(48, 7).bytes);
      }
      assert.equal((await store.photos.readPhotoSet(t.id, 'owner-a'))?.variants[1]?.byteLength, 64);
    });

    it('drops only references on delete and replace; collects bytes nothing names after the grace time', async () => {
      const t = await store.directory.createTenant({ name: 'collected' });
      const user = await store.directory.createUser({
        tenantId: t.id,
        userPrincipalName: 'gone@collected.example',
        displayName: 'Gone',
      });
      const [replaced, kept, cascaded] = [variant(48, 31), variant(48, 32), variant(48, 33)];
      await store.photos.replacePhotoSet(t.id, 'owner-1', [replaced]);
      await store.photos.replacePhotoSet(t.id, 'owner-1', [kept]);
      await store.photos.replacePhotoSet(t.id, user.id, [cascaded]);
      await store.directory.deleteUser(t.id, user.id);
      const keys = [replaced, kept, cascaded].map((v) => blobKey(v.bytes));
      const stored = async () =>
        Promise.all(keys.map(async (key) => (await store.photoBytes.get(key)) !== undefined));
      // Within the grace time nothing goes: an upload may be about to name bytes it has just put.
      await store.collectPhotoBytes();
      assert.deepEqual(await stored(), [true, true, true]);
      const later = Date.now() + 2 * 60 * 60 * 1000;
      const { deleted } = await store.collectPhotoBytes({ now: later });
      assert.ok(deleted >= 2, `${deleted} deleted`);
      assert.deepEqual(await stored(), [false, true, false], 'the replaced and the cascaded bytes went');
      assert.deepEqual((await store.photos.readVariant(t.id, 'owner-1'))?.bytes, kept.bytes);
    });

    it('never collects bytes put again since the cutoff (an upload about to name them)', async () => {
      const t = await store.directory.createTenant({ name: 'put-again' });
      const bytes = variant(48, 41).bytes;
      const key = blobKey(bytes);
      await store.photoBytes.put([{ key, bytes }]);
      const cutoff = Date.now() + 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.photos.replacePhotoSet(t.id, 'owner-1', [variant(48, 41)]); // puts the key again
      await store.photos.deletePhotoSet(t.id, 'owner-1');
      // Nothing names the key now, and it was first put before the cutoff, but put again after it.
      assert.equal(await store.photoBytes.delete([key], cutoff), 0);
      assert.deepEqual(await store.photoBytes.get(key), bytes);
    });

    it('applies If-Match atomically', async () => {
      const t = await store.directory.createTenant({ name: 'conditions' });
      await assert.rejects(
        store.photos.replacePhotoSet(t.id, 'o', [variant(48, 1)], { ifMatch: ['*'] }),
        PreconditionError,
      );
      const set = await store.photos.replacePhotoSet(t.id, 'o', [variant(48, 1)]);
      await assert.rejects(
        store.photos.replacePhotoSet(t.id, 'o', [variant(48, 2)], { ifMatch: ['00000000'] }),
        PreconditionError,
      );
      await store.photos.replacePhotoSet(t.id, 'o', [variant(48, 3)], { ifMatch: ['00000000', set.etag] });
      await assert.rejects(
        store.photos.deletePhotoSet(t.id, 'o', { ifMatch: [set.etag] }),
        PreconditionError,
      );
      assert.equal(await store.photos.deletePhotoSet(t.id, 'o', { ifMatch: ['*'] }), true);
      assert.equal(await store.photos.deletePhotoSet(t.id, 'o'), false);
    });

    it('keeps readers on one complete set while writers race', async () => {
      const t = await store.directory.createTenant({ name: 'race' });
      const writes = Array.from({ length: 30 }, (_, i) =>
        store.photos.replacePhotoSet(t.id, 'o', [variant(48, i), variant(64, i), variant(96, i)]),
      );
      const reads = Array.from({ length: 30 }, () => store.photos.readPhotoSet(t.id, 'o'));
      await Promise.all([...writes, ...reads]);
      const set = await store.photos.readPhotoSet(t.id, 'o');
      assert.equal(set?.variants.length, 3);
      const fills = await Promise.all(
        ['48X48', '64X64', '96X96'].map(
          async (id) => (await store.photos.readVariant(t.id, 'o', id))!.bytes[0],
        ),
      );
      assert.equal(new Set(fills).size, 1, `all sizes from one write: ${fills}`);
    });

    it('deletes the photos of a deleted user, their contacts and a deleted group', async () => {
      const t = await store.directory.createTenant({ name: 'cascade' });
      const user = await store.directory.createUser({
        tenantId: t.id,
        userPrincipalName: 'u@c',
        displayName: 'U',
      });
      const contact = await store.mailbox.createContact({
        tenantId: t.id,
        userId: user.id,
        displayName: 'C',
      });
      const group = await store.groups.createGroup({
        tenantId: t.id,
        displayName: 'G',
        ownerIds: [user.id],
        memberIds: [user.id],
      });
      for (const id of [user.id, contact.id, group.id])
        await store.photos.replacePhotoSet(t.id, id, [variant(48, 1)]);
      assert.deepEqual(await store.groups.groupRelation(group.id, user.id), { owner: true, member: true });
      assert.equal(await store.directory.deleteUser(t.id, user.id), true);
      assert.equal(await store.photos.readPhotoSet(t.id, user.id), undefined);
      assert.equal(await store.photos.readPhotoSet(t.id, contact.id), undefined);
      assert.equal(await store.mailbox.findContact(t.id, user.id, contact.id), undefined);
      assert.deepEqual(await store.groups.groupRelation(group.id, user.id), {
        owner: false,
        member: false,
      });
      assert.ok(await store.photos.readPhotoSet(t.id, group.id));
      assert.equal(await store.groups.deleteGroup(t.id, group.id), true);
      assert.equal(await store.photos.readPhotoSet(t.id, group.id), undefined);
    });

    it('remembers the hash of the upload a set was made from, until a replace without one', async () => {
      const t = await store.directory.createTenant({ name: 'sources' });
      const made = await store.photos.replacePhotoSet(t.id, 'o', [variant(48, 1)], {
        sourceSha256: 'ab'.repeat(32),
      });
      assert.equal(made.sourceSha256, 'ab'.repeat(32));
      assert.equal((await store.photos.readPhotoSet(t.id, 'o'))?.sourceSha256, 'ab'.repeat(32));
      await store.photos.replacePhotoSet(t.id, 'o', [variant(48, 2)]);
      assert.equal((await store.photos.readPhotoSet(t.id, 'o'))?.sourceSha256, null);
    });

    it('indexes users by the hashes of their mail and userPrincipalName, following every change', async () => {
      const t = await store.directory.createTenant({ name: 'hashes' });
      const user = await store.directory.createUser({
        tenantId: t.id,
        userPrincipalName: 'Kim@Hashes.example',
        displayName: 'Kim',
        mail: ' kim.a@hashes.example ',
      });
      const found = async (email: string) =>
        Promise.all(
          ['md5', 'sha256'].map(async (algorithm) =>
            (await store.avatars.findByEmailHash(digest(algorithm, email))).map(
              (c) => `${c.userId} ${c.matchedOn}`,
            ),
          ),
        );
      assert.deepEqual(await found('kim.a@hashes.example'), [[`${user.id} mail`], [`${user.id} mail`]]);
      assert.deepEqual(await found('kim@hashes.example'), [
        [`${user.id} userPrincipalName`],
        [`${user.id} userPrincipalName`],
      ]);
      await store.directory.updateUser(t.id, user.id, {
        mail: null,
        userPrincipalName: 'kim.b@hashes.example',
      });
      assert.deepEqual(await found('kim.a@hashes.example'), [[], []]);
      assert.deepEqual(await found('kim@hashes.example'), [[], []]);
      assert.deepEqual((await found('kim.b@hashes.example'))[0], [`${user.id} userPrincipalName`]);
      await store.directory.deleteUser(t.id, user.id);
      assert.deepEqual(await found('kim.b@hashes.example'), [[], []]);
    });

    it('keeps an installation setting once set, whoever asks first', async () => {
      assert.equal(await store.keys.installationSetting('x', () => 'first'), 'first');
      assert.equal(await store.keys.installationSetting('x', () => 'second'), 'first');
    });
  });
}

describe('store contract: sqlite crash safety', { skip: onPostgres }, () => {
  it('keeps the old set when the process dies in the middle of a replace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portrait-crash-'));
    const location = `sqlite:${join(dir, 'portrait.db')}`;
    const store = await openStore(location);
    const t = await store.directory.createTenant({ name: 'crash' });
    const before = await store.photos.replacePhotoSet(t.id, 'o', [variant(48, 7), variant(64, 7)]);
    await store.close();

    // A child process deletes the set inside a write transaction, then is killed before committing.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', CRASH_SCRIPT, join(dir, 'portrait.db'), t.id],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => d.includes('deleted') && resolve()),
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const reopened = await openStore(location);
    const after = await reopened.photos.readPhotoSet(t.id, 'o');
    assert.equal(after?.etag, before.etag);
    assert.deepEqual(
      after?.variants.map((v) => v.sizeId),
      ['48X48', '64X64'],
    );
    await reopened.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

const digest = (algorithm: string, email: string) =>
  createHash(algorithm).update(email.trim().toLowerCase()).digest('hex');

/** A SQLite store migrated only up to `migration`, with a tenant `t1`, as an older release left it. */
async function oldStore(migration: string) {
  const dir = mkdtempSync(join(tmpdir(), 'portrait-migrate-'));
  const path = join(dir, 'portrait.db');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
  const { error } = await new Migrator({ db, provider: migrationProvider('blob') }).migrateTo(migration);
  assert.equal(error, undefined);
  await db
    .insertInto('tenants')
    .values({ id: 't1', name: 'Old', name_lower: 'old', settings: '{}', created_at: 'x' })
    .execute();
  return { dir, path, db };
}

describe('store contract: sqlite migration of photo bytes out of photo_variants', {
  skip: onPostgres,
}, () => {
  it('moves every stored size to photo_blobs once, keeping the sets, their ETags and bytes', async () => {
    const { dir, path, db } = await oldStore('006-throttle-counters');
    for (const owner of ['o1', 'o2']) {
      await db
        .insertInto('photo_sets')
        .values({ tenant_id: 't1', owner_id: owner, etag: `${owner.toUpperCase()}00000A`, updated_at: 'x' })
        .execute();
      for (const side of [48, 64]) {
        const v = variant(side, side === 48 ? 5 : owner === 'o1' ? 6 : 7);
        await db
          .insertInto('photo_variants')
          .values({
            tenant_id: 't1',
            owner_id: owner,
            size_id: `${side}X${side}`,
            width: side,
            height: side,
            content_type: 'image/jpeg',
            bytes: v.bytes,
          })
          .execute();
      }
    }
    await db.destroy();
    const store = await openStore(`sqlite:${path}`);
    try {
      for (const owner of ['o1', 'o2']) {
        const large = await store.photos.readVariant('t1', owner);
        assert.equal(large?.etag, `${owner.toUpperCase()}00000A`);
        assert.deepEqual(large?.bytes, variant(64, owner === 'o1' ? 6 : 7).bytes);
        assert.deepEqual((await store.photos.readVariant('t1', owner, '48X48'))?.bytes, variant(48, 5).bytes);
      }
      const check = new SQLite(path, { readonly: true });
      try {
        const blobs = check.prepare('select count(*) as n from photo_blobs').get() as { n: number };
        assert.equal(blobs.n, 3, 'the two owners share their 48x48 bytes');
        const columns = check.prepare("select name from pragma_table_info('photo_variants')").all();
        assert.ok(!columns.some((c) => (c as { name: string }).name === 'bytes'), 'the old column is gone');
      } finally {
        check.close();
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('store contract: sqlite migration to the email-hash index', { skip: onPostgres }, () => {
  it('indexes the users a store already had', async () => {
    const { dir, path, db } = await oldStore('003-properties');
    await db
      .insertInto('users')
      .values({
        id: 'u1',
        tenant_id: 't1',
        user_principal_name: 'Old@Old.example',
        upn_lower: 'old@old.example',
        display_name: 'Old',
        mail: 'old.mail@old.example',
        directory_roles: '[]',
        created_at: 'x',
      })
      .execute();
    await db.destroy();
    const store = await openStore(`sqlite:${path}`);
    try {
      for (const email of ['old@old.example', 'old.mail@old.example']) {
        for (const algorithm of ['md5', 'sha256']) {
          assert.deepEqual(
            (await store.avatars.findByEmailHash(digest(algorithm, email))).map((c) => c.userId),
            ['u1'],
          );
        }
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const CRASH_SCRIPT = `
import { openSqliteBackend } from ${JSON.stringify(new URL('../../src/store/sql/sqlite-backend.ts', import.meta.url).href)};
const [path, tenant] = process.argv.slice(-2);
const backend = openSqliteBackend(path);
await backend.writeTransaction(async (trx) => {
  await trx.deleteFrom('photo_variants').where('tenant_id', '=', tenant).execute();
  await trx.deleteFrom('photo_sets').where('tenant_id', '=', tenant).execute();
  process.stdout.write('deleted\\n');
  await new Promise(() => {});
});
`;

describe('store contract: sqlite read cache across processes', { skip: onPostgres }, () => {
  it("sees another connection's writes at once, and its own", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portrait-cache-'));
    const location = `sqlite:${join(dir, 'portrait.db')}`;
    const reader = await openStore(location);
    const writer = await openStore(location);
    try {
      const tenant = await reader.directory.createTenant({ name: 'cached' });
      const user = await reader.directory.createUser({
        tenantId: tenant.id,
        userPrincipalName: 'u@c',
        displayName: 'Before',
      });
      assert.equal((await reader.directory.findUser(tenant.id, user.id))?.displayName, 'Before');
      await writer.directory.updateUser(tenant.id, user.id, { displayName: 'After' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal((await reader.directory.findUser(tenant.id, user.id))?.displayName, 'After');

      await reader.photos.replacePhotoSet(tenant.id, user.id, [variant(48, 1)]);
      assert.equal((await reader.photos.readVariant(tenant.id, user.id))?.bytes[0], 1);
      await writer.photos.replacePhotoSet(tenant.id, user.id, [variant(48, 2)]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal((await reader.photos.readVariant(tenant.id, user.id))?.bytes[0], 2);
      await reader.photos.deletePhotoSet(tenant.id, user.id);
      assert.equal(await reader.photos.readVariant(tenant.id, user.id), undefined, 'its own write, at once');
    } finally {
      await reader.close();
      await writer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('store contract: sqlite reads beside an open write transaction', { skip: onPostgres }, () => {
  it('never see its uncommitted rows: a read in the middle of a replace waits for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portrait-read-at-once-'));
    const location = join(dir, 'portrait.db');
    const setUp = await openStore(`sqlite:${location}`);
    const tenant = await setUp.directory.createTenant({ name: 'reads' });
    const user = await setUp.directory.createUser({
      tenantId: tenant.id,
      userPrincipalName: 'u@r',
      displayName: 'U',
    });
    const before = await setUp.photos.replacePhotoSet(tenant.id, user.id, [variant(48, 1)]);
    await setUp.close();
    // The backend itself, without the read cache: every read goes to SQLite on the one connection
    // the replace writes on.
    const backend = openSqliteBackend(location);
    const photos = new PhotoSets(new SqlPhotoMetadata(backend), new SqlPhotoBytes(backend));
    try {
      const replacing = photos.replacePhotoSet(tenant.id, user.id, [variant(48, 2)]);
      // One read issued at every step of the event loop's microtasks, across the whole replace.
      const reads: Promise<{ etag: string } | undefined>[] = [];
      for (let step = 0; step < 200; step++) {
        reads.push(photos.readVariant(tenant.id, user.id, '48X48'));
        await Promise.resolve();
      }
      const after = (await replacing).etag;
      const seen = (await Promise.all(reads)).map((read) => read?.etag);
      for (const etag of seen) assert.ok(etag === before.etag || etag === after, `a read saw ${etag}`);
      assert.ok(seen.includes(before.etag) && seen.includes(after), 'reads spanned the replace');
    } finally {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const PG_CRASH_SCRIPT = `
import { openPostgresBackend } from ${JSON.stringify(new URL('../../src/store/sql/postgres-backend.ts', import.meta.url).href)};
const [url, tenant] = process.argv.slice(-2);
const backend = await openPostgresBackend(url);
await backend.writeTransaction(async (trx) => {
  await trx.deleteFrom('photo_variants').where('tenant_id', '=', tenant).execute();
  await trx.deleteFrom('photo_sets').where('tenant_id', '=', tenant).execute();
  process.stdout.write('deleted\\n');
  await new Promise(() => {});
});
`;

describe('store contract: postgres schema and nodes', { skip: !onPostgres }, () => {
  it('refuses a database with an older schema, saying to migrate; migrate is idempotent', async () => {
    const database = await createTestDatabase();
    try {
      await assert.rejects(openStore(database.url), (error: Error) => {
        assert.ok(error instanceof SchemaOutOfDateError);
        assert.match(error.message, /older schema .*run: npx portrait migrate --database postgres:/);
        return true;
      });
      assert.ok((await migrateStore(database.url)).includes('001-initial'));
      assert.deepEqual(await migrateStore(database.url), []);
      const store = await openStore(database.url);
      await store.close();
    } finally {
      await database.drop();
    }
  });

  it("sees another node's writes within 1 s, and drops its cache while it cannot listen", async () => {
    const database = await createTestDatabase({ migrate: true });
    const reader = await openStore(database.url);
    const writer = await openStore(database.url);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const tenant = await writer.directory.createTenant({ name: 'nodes' });
      const user = await writer.directory.createUser({
        tenantId: tenant.id,
        userPrincipalName: 'u@n',
        displayName: 'Before',
      });
      const name = async () => (await reader.directory.findUser(tenant.id, user.id))?.displayName;
      assert.equal(await within1s(name, (n) => n === 'Before'), 'Before');
      await writer.directory.updateUser(tenant.id, user.id, { displayName: 'After' });
      assert.equal(await within1s(name, (n) => n === 'After'), 'After');

      const { rowCount } = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and query ilike 'LISTEN%'`,
      );
      assert.equal(rowCount, 2, 'one listening connection per store');
      await writer.directory.updateUser(tenant.id, user.id, { displayName: 'While deaf' });
      assert.equal(await name(), 'While deaf', 'read from the database while not listening');
      await writer.directory.updateUser(tenant.id, user.id, { displayName: 'Later' });
      assert.equal(await within1s(name, (n) => n === 'Later'), 'Later');
    } finally {
      await admin.end();
      await reader.close();
      await writer.close();
      await database.drop();
    }
  });

  it('keeps the old set when a process dies in the middle of a replace, and frees the write lock', async () => {
    const database = await createTestDatabase({ migrate: true });
    const store = await openStore(database.url);
    try {
      const t = await store.directory.createTenant({ name: 'crash' });
      const before = await store.photos.replacePhotoSet(t.id, 'o', [variant(48, 7), variant(64, 7)]);
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', PG_CRASH_SCRIPT, database.url, t.id],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (d: Buffer) => d.includes('deleted') && resolve()),
      );
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const after = await store.photos.readPhotoSet(t.id, 'o');
      assert.equal(after?.etag, before.etag);
      assert.deepEqual(
        after?.variants.map((v) => v.sizeId),
        ['48X48', '64X64'],
      );
      const next = await store.photos.replacePhotoSet(t.id, 'o', [variant(48, 8)]);
      assert.notEqual(next.etag, before.etag);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
