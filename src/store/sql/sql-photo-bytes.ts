// Photo bytes in the SQL store itself (`--blob-store database`, the default): one row per distinct
// stored size in photo_blobs, outside every metadata transaction.
import type { PhotoBlob, PhotoBytes, StoredKey } from '../photo-bytes.js';
import { DATABASE_BLOBS } from '../objects/blob-store-url.js';
import type { SqlBackend } from './schema.js';
import { preparedQuery } from './sql-support.js';

const PAGE = 1000;

export class SqlPhotoBytes implements PhotoBytes {
  readonly name = DATABASE_BLOBS;

  constructor(private readonly backend: SqlBackend) {}

  async put(blobs: readonly PhotoBlob[]): Promise<void> {
    if (blobs.length === 0) return;
    const storedAt = Date.now();
    const unique = [...new Map(blobs.map((b) => [b.key, b])).values()];
    await this.backend.db
      .insertInto('photo_blobs')
      .values(unique.map((b) => ({ key: b.key, bytes: b.bytes, stored_at: storedAt })))
      .onConflict((oc) => oc.column('key').doUpdateSet({ stored_at: storedAt }))
      .execute();
  }

  private readonly blobQuery = preparedQuery((db, key: string) =>
    db.selectFrom('photo_blobs').select('bytes').where('key', '=', key),
  );

  async get(key: string): Promise<Buffer | undefined> {
    const [row] = await this.blobQuery(this.backend, key);
    return row?.bytes;
  }

  async putBefore(cutoff: number, limit: number, after?: string): Promise<string[]> {
    let query = this.backend.db
      .selectFrom('photo_blobs')
      .select('key')
      .where('stored_at', '<', cutoff)
      .orderBy('key')
      .limit(limit);
    if (after !== undefined) query = query.where('key', '>', after);
    return (await query.execute()).map((row) => row.key);
  }

  async delete(keys: readonly string[], cutoff: number): Promise<number> {
    if (keys.length === 0) return 0;
    const result = await this.backend.db
      .deleteFrom('photo_blobs')
      .where('key', 'in', keys)
      .where('stored_at', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async *list(): AsyncIterable<StoredKey[]> {
    let after: string | undefined;
    for (;;) {
      let query = this.backend.db
        .selectFrom('photo_blobs')
        .select(['key', 'stored_at'])
        .orderBy('key')
        .limit(PAGE);
      if (after !== undefined) query = query.where('key', '>', after);
      const rows = await query.execute();
      if (rows.length === 0) return;
      after = rows.at(-1)!.key;
      yield rows.map((row) => ({ key: row.key, storedAt: Number(row.stored_at) }));
    }
  }
}
