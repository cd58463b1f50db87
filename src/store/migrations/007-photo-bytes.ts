// Photo bytes apart from photo metadata (issue 24, SPEC §14): each stored size's bytes become a
// row of photo_blobs named by their SHA-256, so equal bytes are kept once and the bytes can live
// elsewhere later (S3, Azure Blob, a folder) behind the same port; photo_variants keeps the key
// and the length. Existing bytes are moved over in batches, then the old column is dropped.
import { createHash } from 'node:crypto';
import { type Kysely, type Migration, sql } from 'kysely';

const BATCH = 200;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export const photoBytesSchema = (blobType: 'blob' | 'bytea'): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('photo_blobs')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('bytes', sql.raw(blobType), (c) => c.notNull())
      // When the bytes were last put (ms): unreferenced bytes are collected only after a grace time.
      .addColumn('stored_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('photo_blobs_stored_at').on('photo_blobs').column('stored_at').execute();
    await db.schema.alterTable('photo_variants').addColumn('blob_key', 'text').execute();
    await db.schema.alterTable('photo_variants').addColumn('byte_length', 'integer').execute();

    const now = Date.now();
    for (;;) {
      const { rows } = await sql<{ tenant_id: string; owner_id: string; size_id: string; bytes: Buffer }>`
        select tenant_id, owner_id, size_id, bytes from photo_variants
        where blob_key is null order by tenant_id, owner_id, size_id limit ${sql.lit(BATCH)}`.execute(db);
      if (rows.length === 0) break;
      for (const row of rows) {
        const key = sha256(row.bytes);
        await sql`insert into photo_blobs (key, bytes, stored_at) values (${key}, ${row.bytes}, ${now})
          on conflict (key) do nothing`.execute(db);
        await sql`update photo_variants set blob_key = ${key}, byte_length = ${row.bytes.length}
          where tenant_id = ${row.tenant_id} and owner_id = ${row.owner_id} and size_id = ${row.size_id}`.execute(
          db,
        );
      }
    }
    await db.schema.alterTable('photo_variants').dropColumn('bytes').execute();
    await db.schema.createIndex('photo_variants_blob_key').on('photo_variants').column('blob_key').execute();
  },
});
