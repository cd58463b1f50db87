// A store's rows held in memory and put back: what `startPortrait().reset()` restores between
// tests (SPEC §11). Everything a test can change is restored row for row — tenants, the
// directory, photos and their ETags, apps, consents, usage, throttling counts — in one write
// transaction; the installation's settings and signing keys stay, so tokens minted before a
// reset are still good after it.
import { sql } from 'kysely';
import type { Database, Db, SqlBackend } from './sql/schema.js';
import { TABLES } from './store-copy.js';

const KEPT: readonly (keyof Database)[] = ['installation', 'signing_keys'];
const RESTORED = TABLES.filter(([table]) => !KEPT.includes(table));

/** The rows of each restored table, in key order. */
export type StoreSnapshot = ReadonlyMap<keyof Database, readonly Record<string, unknown>[]>;

/** Rows per insert: SQLite allows 32,766 parameters in a statement, and tables have up to 12 columns. */
const INSERT_ROWS = 1000;

export async function snapshotStore(backend: SqlBackend): Promise<StoreSnapshot> {
  const snapshot = new Map<keyof Database, Record<string, unknown>[]>();
  for (const [table, key] of RESTORED) {
    let query = backend.db.selectFrom(table).selectAll();
    for (const column of key) query = query.orderBy(sql.ref(column));
    snapshot.set(table, (await query.execute()) as Record<string, unknown>[]);
  }
  return snapshot;
}

/** Photo bytes per insert: each row is up to a few hundred KiB. */
const INSERT_BLOBS = 50;

async function insertRows(
  trx: Db,
  table: keyof Database,
  rows: readonly Record<string, unknown>[],
  batch: number,
) {
  for (let at = 0; at < rows.length; at += batch) {
    await trx
      .insertInto(table)
      // biome-ignore lint/suspicious/noExplicitAny: rows read from this same table.
      .values(rows.slice(at, at + batch) as any)
      .execute();
  }
}

/**
 * Photo bytes are named by their SHA-256 and never change under a name, so only the difference is
 * written: the snapshot's bytes that are gone are put back, bytes it did not have are deleted. A
 * reset after a test that changed a photo or two writes a few rows, not every photo again.
 */
async function restorePhotoBytes(trx: Db, rows: readonly Record<string, unknown>[]): Promise<void> {
  const present = new Set(
    (await trx.selectFrom('photo_blobs').select('key').execute()).map((row) => row.key),
  );
  const wanted = new Set(rows.map((row) => row['key'] as string));
  const extra = [...present].filter((key) => !wanted.has(key));
  for (let at = 0; at < extra.length; at += INSERT_ROWS) {
    await trx
      .deleteFrom('photo_blobs')
      .where('key', 'in', extra.slice(at, at + INSERT_ROWS))
      .execute();
  }
  await insertRows(
    trx,
    'photo_blobs',
    rows.filter((row) => !present.has(row['key'] as string)),
    INSERT_BLOBS,
  );
}

/** Makes the store's restored tables hold exactly the snapshot's rows. */
export async function restoreStore(backend: SqlBackend, snapshot: StoreSnapshot): Promise<void> {
  await backend.writeTransaction(async (trx) => {
    // Children before parents, so no foreign key is left pointing at a deleted row.
    for (const [table] of [...RESTORED].reverse()) {
      if (table !== 'photo_blobs') await trx.deleteFrom(table).execute();
    }
    for (const [table] of RESTORED) {
      const rows = snapshot.get(table) ?? [];
      if (table === 'photo_blobs') await restorePhotoBytes(trx, rows);
      else await insertRows(trx, table, rows, INSERT_ROWS);
    }
  });
}
