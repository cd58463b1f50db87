// What only an object store's photo bytes must keep (SPEC §14), on s3rver, azurite and a folder,
// over SQLite (and PostgreSQL with PORTRAIT_TEST_DATABASE=postgres): an upload never has its
// object deleted under it by a collector, a dead collector's work is finished, objects nothing
// names go and nothing else does, `verify` finds what is missing, and a store refuses a blob store
// other than the one holding its bytes. The store contract (store.test.ts) runs on each of them too.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NewVariant } from '../../src/domain/photo-set.js';
import { MARK_LEASE_MS } from '../../src/store/objects/object-photo-bytes.js';
import { BlobStoreMismatchError } from '../../src/store/objects/remembered-blob-store.js';
import { COLLECT_LOCK_KEY, openBackend, openStore } from '../../src/store/open-store.js';
import pg from 'pg';
import { blobKey } from '../../src/store/photo-sets.js';
import type { SqlBackend } from '../../src/store/sql/schema.js';
import type { Store } from '../../src/store/store.js';
import { type BlobKind, type ObjectService, startObjectService } from '../support/object-stores.js';
import { createTestDatabase, onPostgres } from '../support/postgres.js';

const variant = (side: number, fill: number): NewVariant => ({
  width: side,
  height: side,
  contentType: 'image/jpeg',
  bytes: Buffer.alloc(side * 10, fill),
});

/** A fresh SQL store location (SQLite file, or a PostgreSQL database in the PostgreSQL run). */
async function sqlLocation(): Promise<{ url: string; remove(): Promise<void> }> {
  if (onPostgres) {
    const database = await createTestDatabase({ migrate: true });
    return { url: database.url, remove: database.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'portrait-blobs-contract-'));
  return {
    url: `sqlite:${join(dir, 'portrait.db')}`,
    remove: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The same place with another prefix: s3://b/portrait → s3://b/other; a folder beside it. */
const otherPrefix = (url: string) => url.replace('/portrait', '/other');

const HOUR = 60 * 60 * 1000;

for (const kind of ['s3', 'azure', 'file'] as BlobKind[]) {
  describe(`photo bytes in ${kind}`, () => {
    let service: ObjectService;
    const cleanups: (() => Promise<void>)[] = [];

    before(async () => {
      service = await startObjectService(kind);
    });
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
      await service.stop();
    });

    /** A store on a fresh SQL location and blob store, and a second connection to its SQL. */
    async function freshStore(
      blobStore?: string,
    ): Promise<{ store: Store; sql: SqlBackend; blobs: string; url: string }> {
      const location = await sqlLocation();
      const blobs = blobStore ?? (await service.newBlobStore());
      const store = await openStore(location.url, { blobStore: blobs });
      const sql = await openBackend(location.url);
      cleanups.push(async () => {
        await store.close();
        await sql.close();
        await location.remove();
      });
      return { store, sql, blobs, url: location.url };
    }

    it('keeps equal bytes once and reads them back; unknown keys read as missing', async () => {
      const { store } = await freshStore();
      const t = await store.directory.createTenant({ name: 'once' });
      await store.photos.replacePhotoSet(t.id, 'a', [variant(48, 1)]);
      await store.photos.replacePhotoSet(t.id, 'b', [variant(48, 1)]);
      const listed = [];
      for await (const page of store.photoBytes.list()) listed.push(...page.map((k) => k.key));
      assert.deepEqual(listed, [blobKey(variant(48, 1).bytes)]);
      assert.deepEqual((await store.photos.readVariant(t.id, 'b'))?.bytes, variant(48, 1).bytes);
      assert.equal(await store.photoBytes.get('0'.repeat(64)), undefined);
    });

    it('holds an upload of bytes a collector is deleting until it is done, then stores them', async () => {
      const { store, sql } = await freshStore();
      const bytes = variant(48, 2).bytes;
      const key = blobKey(bytes);
      await store.photoBytes.put([{ key, bytes }]);
      // A collector has marked the key and is deleting its object.
      await sql.db.updateTable('blob_objects').set({ deleting: Date.now() }).where('key', '=', key).execute();
      let done = false;
      const upload = store.photoBytes.put([{ key, bytes }]).then(() => {
        done = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(done, false, 'the upload waits while the collector works');
      // The collector deletes the object, then its marked row.
      const marked = await sql.db
        .selectFrom('blob_objects')
        .select('deleting')
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      await sql.db
        .deleteFrom('blob_objects')
        .where('key', '=', key)
        .where('deleting', '=', marked.deleting)
        .execute();
      await upload;
      assert.deepEqual(
        await store.photoBytes.get(key),
        bytes,
        'the upload wrote its object after the delete',
      );
      const row = await sql.db
        .selectFrom('blob_objects')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      assert.equal(row.deleting, null);
    });

    it("takes over a dead collector's mark: an upload goes ahead, and the next collection finishes the rest", async () => {
      const { store, sql } = await freshStore();
      const [kept, gone] = [variant(48, 3).bytes, variant(48, 4).bytes];
      await store.photoBytes.put([
        { key: blobKey(kept), bytes: kept },
        { key: blobKey(gone), bytes: gone },
      ]);
      const dead = Date.now() - MARK_LEASE_MS - 1000;
      await sql.db
        .updateTable('blob_objects')
        .set({ deleting: dead, stored_at: dead })
        .where('key', 'in', [blobKey(kept), blobKey(gone)])
        .execute();
      await store.photoBytes.put([{ key: blobKey(kept), bytes: kept }]);
      assert.deepEqual(await store.photoBytes.get(blobKey(kept)), kept);
      await store.collectPhotoBytes();
      assert.equal(
        await store.photoBytes.get(blobKey(gone)),
        undefined,
        "the dead collector's delete was finished",
      );
      assert.deepEqual(await store.photoBytes.get(blobKey(kept)), kept, 'the upload kept its bytes');
      const rows = await sql.db.selectFrom('blob_objects').select(['key', 'deleting']).execute();
      assert.deepEqual(rows, [{ key: blobKey(kept), deleting: null }]);
    });

    it('collects objects no row names and no photo names, past the grace time, and nothing outside its keys', async () => {
      const { store, blobs } = await freshStore();
      // The same bytes put by a store on another SQL location: objects this store has no row for.
      const { store: stranger } = await freshStore(blobs);
      const orphan = variant(48, 5).bytes;
      await stranger.photoBytes.put([{ key: blobKey(orphan), bytes: orphan }]);
      // And objects under another prefix of the same bucket, container or folder parent.
      const { store: neighbour } = await freshStore(kind === 'file' ? undefined : otherPrefix(blobs));
      const theirs = variant(48, 6).bytes;
      await neighbour.photoBytes.put([{ key: blobKey(theirs), bytes: theirs }]);

      assert.deepEqual(await store.collectPhotoBytes(), { deleted: 0, kept: 0 }, 'within the grace time');
      const later = Date.now() + 2 * HOUR;
      const report = await store.verifyPhotoBytes({ now: later });
      assert.deepEqual(report, { checked: 0, missing: [], orphaned: 1 });
      assert.deepEqual(await store.collectPhotoBytes({ now: later }), { deleted: 1, kept: 0 });
      assert.equal(await store.photoBytes.get(blobKey(orphan)), undefined);
      assert.deepEqual(
        await neighbour.photoBytes.get(blobKey(theirs)),
        theirs,
        'outside the prefix: untouched',
      );
    });

    it('verifies that every named key has its object', async () => {
      const { store, sql } = await freshStore();
      const t = await store.directory.createTenant({ name: 'verify' });
      await store.photos.replacePhotoSet(t.id, 'a', [variant(48, 7), variant(64, 7)]);
      assert.deepEqual(await store.verifyPhotoBytes(), { checked: 2, missing: [], orphaned: 0 });
      // Lost behind the store's back: the port's delete does not ask whether a photo names the key.
      const lost = blobKey(variant(64, 7).bytes);
      await sql.db.updateTable('blob_objects').set({ stored_at: 0 }).where('key', '=', lost).execute();
      assert.equal(await store.photoBytes.delete([lost], 1), 1);
      assert.deepEqual(await store.verifyPhotoBytes(), { checked: 2, missing: [lost], orphaned: 0 });
    });

    it('refuses another blob store than the one it was first used with, naming both', async () => {
      const { store, blobs, url } = await freshStore();
      const t = await store.directory.createTenant({ name: 'remembered' });
      await store.photos.replacePhotoSet(t.id, 'a', [variant(48, 8)]);
      await assert.rejects(openStore(url), (error: Error) => {
        assert.ok(error instanceof BlobStoreMismatchError);
        assert.match(
          error.message,
          new RegExp(`in the blob store ${blobs.replace(/[?.*+]/g, '\\$&')}, not database`),
        );
        return true;
      });
      // Even without photos: a node may be running on it with the first one.
      const empty = await sqlLocation();
      cleanups.push(empty.remove);
      const first = await openStore(empty.url);
      await first.close();
      await assert.rejects(openStore(empty.url, { blobStore: blobs }), BlobStoreMismatchError);
    });
  });
}

describe('the server collects photo bytes one node at a time (PostgreSQL)', { skip: !onPostgres }, () => {
  it('leaves a round to the node holding the lock, and collects once it is free', async () => {
    const database = await createTestDatabase({ migrate: true });
    const store = await openStore(database.url);
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      const t = await store.directory.createTenant({ name: 'alone' });
      await store.photos.replacePhotoSet(t.id, 'a', [variant(48, 9)]);
      await store.photos.deletePhotoSet(t.id, 'a');
      // Another node is collecting: it holds the advisory lock.
      await other.query('select pg_advisory_lock($1, hashtext($2))', [COLLECT_LOCK_KEY, 'photo bytes']);
      assert.deepEqual(await store.collectPhotoBytes({ alone: true, graceMs: 0 }), { deleted: 0, kept: 0 });
      assert.ok(await store.photoBytes.get(blobKey(variant(48, 9).bytes)), 'this node left the round alone');
      await other.query('select pg_advisory_unlock($1, hashtext($2))', [COLLECT_LOCK_KEY, 'photo bytes']);
      assert.deepEqual(await store.collectPhotoBytes({ alone: true, graceMs: 0 }), { deleted: 1, kept: 0 });
    } finally {
      await other.end();
      await store.close();
      await database.drop();
    }
  });
});
