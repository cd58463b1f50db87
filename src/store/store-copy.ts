// `portrait store copy`: a whole store from one backend to another (SQLite → PostgreSQL and back),
// row for row, so ids, photo bytes and ETags, signing keys, app registrations, usage counters and
// the avatar hash index all arrive unchanged. The target must be empty; it is written in one
// write transaction, so a copy that fails leaves it empty and nodes on it never see half a store.
import { sql } from 'kysely';
import type { Database, Db, SqlBackend } from './sql/schema.js';

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

export async function copyStore(
  from: SqlBackend,
  to: SqlBackend,
  onProgress: (progress: CopyProgress) => void = () => {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [table] of TABLES) counts[table] = await countRows(from.db, table);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  let copied = 0;
  await to.writeTransaction(async (trx) => {
    for (const [table] of TABLES) {
      if ((await countRows(trx, table)) > 0)
        throw new TargetNotEmptyError(
          `the target store is not empty (table ${table} has rows); copy into an empty one`,
        );
    }
    for (const [table, key] of TABLES) {
      const size = batchSize(table);
      for (let offset = 0; offset < counts[table]!; offset += size) {
        let query = from.db.selectFrom(table).selectAll();
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
  });
  return counts;
}
