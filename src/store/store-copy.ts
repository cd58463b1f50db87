// `portrait store copy`: a whole store from one backend to another (SQLite → PostgreSQL and back),
// and its photo bytes from one blob store to another (database, S3, Azure Blob, a folder), so ids,
// photo bytes and ETags, signing keys, app registrations, usage counters and the avatar hash index
// all arrive unchanged. The target must be empty. The photos' bytes are put first, as an upload
// puts them; then every row is written in one write transaction, so a copy that fails leaves the
// target empty (bytes nothing names are collected later) and nodes on it never see half a store.
import { sql } from 'kysely';
import pLimit from 'p-limit';
import { DATABASE_BLOBS } from './objects/blob-store-url.js';
import { setBlobStore } from './objects/remembered-blob-store.js';
import type { PhotoBytes } from './photo-bytes.js';
import type { Database, Db, SqlBackend } from './sql/schema.js';
import { SqlPhotoMetadata } from './sql/sql-photo-store.js';

/** Every table, parents before children (foreign keys), with the key that orders its rows. */
export const TABLES: [keyof Database, string[]][] = [
  ['installation', ['name']],
  ['signing_keys', ['kid']],
  ['tenants', ['id']],
  ['users', ['id']],
  ['groups', ['id']],
  ['group_members', ['group_id', 'user_id', 'relation']],
  ['contact_folders', ['id']],
  ['contacts', ['id']],
  ['photo_sets', ['tenant_id', 'owner_id']],
  ['photo_variants', ['tenant_id', 'owner_id', 'size_id']],
  ['photo_blobs', ['key']],
  ['email_hashes', ['hash', 'user_id', 'property']],
  ['applications', ['id']],
  ['client_secrets', ['id']],
  ['user_consents', ['tenant_id', 'app_id', 'user_id']],
  ['authorization_codes', ['code_hash']],
  ['permission_usage', ['tenant_id', 'app_id', 'day', 'permission_column', 'action', 'permission']],
  ['throttle_counters', ['key', 'window_start']],
  ['directory_links', ['tenant_id', 'anchor']],
  ['directory_syncs', ['tenant_id']],
];

/** Rows per batch; photo bytes are up to a few hundred KiB each, so fewer of them. */
const batchSize = (table: string) => (table === 'photo_blobs' ? 50 : 500);

/** Photo bytes copied at once. */
const BYTES_AT_ONCE = 8;

/** Keys read at once from the source's metadata. */
const KEYS_PAGE = 1000;

/** Every table but the bytes, which go from blob store to blob store (unless both are the database). */
const ROWS = TABLES.filter(([table]) => table !== 'photo_blobs');

/** A store as a copy sees it: its SQL backend and where its photo bytes are. */
export interface CopyEnd {
  backend: SqlBackend;
  bytes: PhotoBytes;
}

/** The bytes a stored photo size names are not in the source's blob store. */
export class MissingSourceBytesError extends Error {
  readonly code = 'MissingSourceBytes';
}

export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

export class TargetNotEmptyError extends Error {
  readonly code = 'TargetNotEmpty';
}

async function countRows(db: Db, table: keyof Database): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function refuseNotEmpty(db: Db, tables: typeof TABLES): Promise<void> {
  for (const [table] of tables) {
    if ((await countRows(db, table)) > 0)
      throw new TargetNotEmptyError(
        `the target store is not empty (table ${table} has rows); copy into an empty one`,
      );
  }
}

/** Every key the source's photo sizes name, in order (the metadata port's own paging). */
async function namedKeys(backend: SqlBackend): Promise<string[]> {
  const metadata = new SqlPhotoMetadata(backend);
  const keys: string[] = [];
  for (;;) {
    const page = await metadata.namedKeys(KEYS_PAGE, keys.at(-1));
    if (page.length === 0) return keys;
    keys.push(...page);
  }
}

/** Puts the bytes of every named key into the target's blob store, a few at a time. */
async function copyBytes(
  from: PhotoBytes,
  to: PhotoBytes,
  keys: readonly string[],
  onCopied: (copied: number) => void,
): Promise<void> {
  const limit = pLimit(BYTES_AT_ONCE);
  let copied = 0;
  const copy = async (key: string) => {
    const bytes = await from.get(key);
    if (!bytes)
      throw new MissingSourceBytesError(
        `the bytes ${key} of a stored photo are not in ${from.name}; run portrait blobs verify on the source`,
      );
    await to.put([{ key, bytes }]);
    onCopied(++copied);
  };
  try {
    await Promise.all(keys.map((key) => limit(() => copy(key))));
  } finally {
    // A copy that failed does not go on putting the rest.
    limit.clearQueue();
  }
}

export async function copyStore(
  from: CopyEnd,
  to: CopyEnd,
  onProgress: (progress: CopyProgress) => void = () => {},
): Promise<Record<string, number>> {
  // Database to database: the bytes are rows like the others, copied row for row (when each was
  // last put included). Otherwise the bytes every stored size names are put into the target's
  // blob store first, as an upload puts them.
  const rowForRow = from.bytes.name === DATABASE_BLOBS && to.bytes.name === DATABASE_BLOBS;
  const tables = rowForRow ? TABLES : ROWS;
  await refuseNotEmpty(to.backend.db, tables);
  const keys = rowForRow ? [] : await namedKeys(from.backend);
  const counts: Record<string, number> = rowForRow ? {} : { 'photo bytes': keys.length };
  for (const [table] of tables) counts[table] = await countRows(from.backend.db, table);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  await copyBytes(from.bytes, to.bytes, keys, (n) => onProgress({ table: 'photo bytes', copied: n, total }));
  let copied = keys.length;
  await to.backend.writeTransaction(async (trx) => {
    await refuseNotEmpty(trx, tables);
    for (const [table, key] of tables) {
      const size = batchSize(table);
      for (let offset = 0; offset < counts[table]!; offset += size) {
        let query = from.backend.db.selectFrom(table).selectAll();
        for (const column of key) query = query.orderBy(sql.ref(column));
        const rows = await query.limit(size).offset(offset).execute();
        if (rows.length === 0) break;
        await trx
          .insertInto(table)
          // biome-ignore lint/suspicious/noExplicitAny: rows of the same table, the same columns on both sides.
          .values(rows as any)
          .execute();
        copied += rows.length;
        onProgress({ table, copied, total });
      }
    }
    // The installation's settings came with the rows; the photo bytes are where they were put.
    await setBlobStore(trx, to.bytes.name);
  });
  return counts;
}
