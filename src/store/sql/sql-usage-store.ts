// Permission usage counters on any SQL backend: one upsert per counter, added to in place.
import { sql } from 'kysely';
import type { PermissionUse } from '../../domain/permission-use.js';
import type { UsageStore } from '../usage-store.js';
import type { SqlBackend } from './schema.js';

export class SqlUsageStore implements UsageStore {
  constructor(private readonly backend: SqlBackend) {}

  async addUsage(uses: readonly PermissionUse[]): Promise<void> {
    if (uses.length === 0) return;
    await this.backend.writeTransaction(async (trx) => {
      for (const use of uses) {
        await trx
          .insertInto('permission_usage')
          .values({
            tenant_id: use.tenantId,
            app_id: use.appId,
            day: use.day,
            permission_column: use.column,
            action: use.action,
            permission: use.permission,
            calls: use.calls,
          })
          .onConflict((oc) =>
            oc
              .columns(['tenant_id', 'app_id', 'day', 'permission_column', 'action', 'permission'])
              .doUpdateSet({ calls: sql`permission_usage.calls + ${use.calls}` }),
          )
          .execute();
      }
    });
  }

  async usageSince(tenantId: string, appId: string, day: string): Promise<PermissionUse[]> {
    const rows = await this.backend.db
      .selectFrom('permission_usage')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('app_id', '=', appId.toLowerCase())
      .where('day', '>=', day)
      .orderBy('day')
      .execute();
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      appId: row.app_id,
      day: row.day,
      column: row.permission_column as PermissionUse['column'],
      action: row.action,
      permission: row.permission,
      calls: Number(row.calls),
    }));
  }

  async forgetUsageBefore(day: string): Promise<void> {
    await this.backend.writeTransaction((trx) =>
      trx.deleteFrom('permission_usage').where('day', '<', day).execute(),
    );
  }
}
