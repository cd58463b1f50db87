// Photo bytes in object storage (SPEC §14): the SQL store keeps a row per object it put, so the
// collector knows what it wrote and when, and so a delete in progress is visible to an upload of the
// same bytes (object-photo-bytes.ts explains the protocol).
import type { Kysely, Migration } from 'kysely';

export const blobObjectsSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('blob_objects')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('byte_length', 'integer', (c) => c.notNull())
      // When an upload last claimed the key (ms): nothing names it yet, or it was named since.
      .addColumn('stored_at', 'bigint', (c) => c.notNull())
      // When a collector began deleting the object (ms); null while nobody is.
      .addColumn('deleting', 'bigint')
      .execute();
    await db.schema.createIndex('blob_objects_stored_at').on('blob_objects').column('stored_at').execute();
  },
};
