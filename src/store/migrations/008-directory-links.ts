// The directory sync's memory (SPEC §13): one link per synced entry, one row per tenant's last sync.
import type { Kysely, Migration } from 'kysely';

export const directoryLinksSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('directory_links')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('anchor', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_by_sync', 'integer', (c) => c.notNull())
      .addColumn('dn', 'text', (c) => c.notNull())
      .addColumn('directory_photo_sha256', 'text')
      .addColumn('written_photo_sha256', 'text')
      .addColumn('photo_etag', 'text')
      .addPrimaryKeyConstraint('directory_links_pk', ['tenant_id', 'anchor'])
      .execute();
    await db.schema
      .createIndex('directory_links_user')
      .on('directory_links')
      .columns(['tenant_id', 'user_id'])
      .execute();
    await db.schema
      .createTable('directory_syncs')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('result', 'text', (c) => c.notNull())
      // SQLite's lease (ms since the epoch): a sync runs while it lies in the future.
      .addColumn('running_until', 'bigint', (c) => c.notNull().defaultTo(0))
      // Who holds the lease (host:pid), so a process killed while holding it does not block the next.
      .addColumn('running_holder', 'text')
      .execute();
  },
};
