// The directory sync's links and runs on any SQL backend.
import { hostname } from 'node:os';
import type { Selectable } from 'kysely';
import type {
  DirectoryLink,
  DirectoryLinkStore,
  DirectorySyncRecord,
  Exclusive,
  LinkedUser,
} from '../directory-link-store.js';
import type { DirectoryLinksTable, SqlBackend } from './schema.js';
import { toUser } from './sql-directory-store.js';
import { parseJson } from './sql-support.js';

/** Key of the advisory locks of directory syncs (the second key is a hash of the tenant id). */
const SYNC_LOCK_KEY = 0x4c444150; // 'LDAP'

/** SQLite's lease: taken for this long, renewed at a third of it while the sync runs. */
const LEASE_MS = 60_000;

const THIS_HOLDER = `${hostname()}:${process.pid}`;

/** The result of a tenant's row made by the lease before any sync was recorded. */
const NO_SYNC_YET = 'null';

/** A holder on this host whose process has ended. */
function holderIsGone(holder: string): boolean {
  const at = holder.lastIndexOf(':');
  if (holder.slice(0, at) !== hostname()) return false;
  try {
    process.kill(Number(holder.slice(at + 1)), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const toLink = (row: Selectable<DirectoryLinksTable>): DirectoryLink => ({
  anchor: row.anchor,
  userId: row.user_id,
  source: row.source,
  createdBySync: Boolean(row.created_by_sync),
  dn: row.dn,
  directoryPhotoSha256: row.directory_photo_sha256,
  writtenPhotoSha256: row.written_photo_sha256,
  photoEtag: row.photo_etag,
});

export class SqlDirectoryLinkStore implements DirectoryLinkStore {
  constructor(private readonly backend: SqlBackend) {}

  async listLinks(tenantId: string): Promise<LinkedUser[]> {
    const { db } = this.backend;
    // Two reads, not one join: the users come back as the users table's own rows, for toUser.
    const links = await db
      .selectFrom('directory_links as l')
      .leftJoin('photo_sets as p', (join) =>
        join.onRef('p.owner_id', '=', 'l.user_id').onRef('p.tenant_id', '=', 'l.tenant_id'),
      )
      .selectAll('l')
      .select('p.etag as current_photo_etag')
      .where('l.tenant_id', '=', tenantId)
      .execute();
    const users = await db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', db.selectFrom('directory_links').select('user_id').where('tenant_id', '=', tenantId))
      .execute();
    const byId = new Map(users.map((row) => [row.id, toUser(row)]));
    return links.map((row) => ({
      ...toLink(row),
      user: byId.get(row.user_id) ?? null,
      currentPhotoEtag: row.current_photo_etag ?? null,
    }));
  }

  async saveLinks(tenantId: string, links: readonly DirectoryLink[]): Promise<void> {
    if (links.length === 0) return;
    await this.backend.writeTransaction(async (trx) => {
      for (const link of links) {
        const columns = {
          user_id: link.userId,
          source: link.source,
          created_by_sync: link.createdBySync ? 1 : 0,
          dn: link.dn,
          directory_photo_sha256: link.directoryPhotoSha256,
          written_photo_sha256: link.writtenPhotoSha256,
          photo_etag: link.photoEtag,
        };
        await trx
          .insertInto('directory_links')
          .values({ tenant_id: tenantId, anchor: link.anchor, ...columns })
          .onConflict((oc) => oc.columns(['tenant_id', 'anchor']).doUpdateSet(columns))
          .execute();
      }
    });
  }

  async deleteLink(tenantId: string, anchor: string): Promise<void> {
    await this.backend.writeTransaction((trx) =>
      trx
        .deleteFrom('directory_links')
        .where('tenant_id', '=', tenantId)
        .where('anchor', '=', anchor)
        .execute(),
    );
  }

  async lastSync(tenantId: string): Promise<DirectorySyncRecord | undefined> {
    const row = await this.backend.db
      .selectFrom('directory_syncs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    // A row SQLite's lease made before any sync was recorded: no sync yet.
    if (!row || row.result === NO_SYNC_YET) return undefined;
    return { startedAt: row.started_at, finishedAt: row.finished_at, result: parseJson(row.result, null) };
  }

  async recordSync(tenantId: string, record: DirectorySyncRecord): Promise<void> {
    const columns = {
      started_at: record.startedAt,
      finished_at: record.finishedAt,
      result: JSON.stringify(record.result),
    };
    await this.backend.writeTransaction((trx) =>
      trx
        .insertInto('directory_syncs')
        .values({ tenant_id: tenantId, ...columns, running_until: 0, running_holder: null })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet(columns))
        .execute(),
    );
  }

  async exclusively<T>(tenantId: string, work: () => Promise<T>): Promise<Exclusive<T>> {
    if (this.backend.withTryLock) {
      const held = await this.backend.withTryLock(SYNC_LOCK_KEY, tenantId, work);
      return held ? { ran: true, value: held.value } : { ran: false };
    }
    let until = await this.takeLease(tenantId, 0);
    if (until === 0) return { ran: false };
    const renewing = setInterval(() => {
      this.takeLease(tenantId, until)
        .then((renewed) => {
          if (renewed !== 0) until = renewed;
        })
        .catch(() => {});
    }, LEASE_MS / 3);
    try {
      return { ran: true, value: await work() };
    } finally {
      clearInterval(renewing);
      await this.backend.writeTransaction((trx) =>
        trx
          .updateTable('directory_syncs')
          .set({ running_until: 0, running_holder: null })
          .where('tenant_id', '=', tenantId)
          .execute(),
      );
    }
  }

  /**
   * Takes (or, with `held` = the lease's current end, renews) the tenant's lease and returns its new
   * end; 0 when another process holds one that has not run out. A lease of a process on this host
   * that no longer runs (killed while syncing) is taken over at once.
   */
  private takeLease(tenantId: string, held: number): Promise<number> {
    return this.backend.writeTransaction(async (trx) => {
      const now = Date.now();
      const row = await trx
        .selectFrom('directory_syncs')
        .select(['running_until', 'running_holder'])
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      const until = Number(row?.running_until ?? 0);
      const holder = row?.running_holder ?? null;
      if (until > now && until !== held && !(holder && holderIsGone(holder))) return 0;
      const lease = { running_until: now + LEASE_MS, running_holder: THIS_HOLDER };
      if (row) {
        await trx.updateTable('directory_syncs').set(lease).where('tenant_id', '=', tenantId).execute();
      } else {
        await trx
          .insertInto('directory_syncs')
          .values({
            tenant_id: tenantId,
            started_at: new Date(now).toISOString(),
            finished_at: null,
            result: NO_SYNC_YET,
            ...lease,
          })
          .execute();
      }
      return lease.running_until;
    });
  }
}
