// Which permission allowed which calls of each app, per day (SPEC §8's least-privilege report):
// counters, not a log — a row per app, day, column, action and permission.
import type { Kysely, Migration } from 'kysely';

export const permissionUsageSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('permission_usage')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('app_id', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('permission_column', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('permission', 'text', (c) => c.notNull())
      .addColumn('calls', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('permission_usage_key', [
        'tenant_id',
        'app_id',
        'day',
        'permission_column',
        'action',
        'permission',
      ])
      .execute();
    await db.schema.createIndex('permission_usage_day').on('permission_usage').column('day').execute();
  },
};
