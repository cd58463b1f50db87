// Throttling counters shared by the nodes on one PostgreSQL (SPEC §8): a row per rate key and
// window, added to by every node. Created on every backend so the schema stays one.
import type { Kysely, Migration } from 'kysely';

export const throttleCountersSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('throttle_counters')
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('window_start', 'bigint', (c) => c.notNull())
      .addColumn('window_end', 'bigint', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('throttle_counters_pk', ['key', 'window_start'])
      .execute();
    await db.schema
      .createIndex('throttle_counters_end')
      .on('throttle_counters')
      .column('window_end')
      .execute();
  },
};
