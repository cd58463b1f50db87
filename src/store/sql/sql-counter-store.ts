// Shared throttling counters on any SQL backend, outside the write lock and without a change
// notification (counters are not cached data), so a node's request for a share of a window never
// waits for uploads and never drops other nodes' caches. A reservation grants what fits under the
// limit in one statement that holds the row, so nodes asking at once never together exceed it.
import { sql } from 'kysely';
import type { CounterDelta, CounterReservation, CounterStore } from '../counter-store.js';
import type { SqlBackend } from './schema.js';

const BATCH = 1000;

export class SqlCounterStore implements CounterStore {
  constructor(private readonly backend: SqlBackend) {}

  async reserve(r: CounterReservation): Promise<{ granted: number; total: number }> {
    // The window's row usually exists (the node's first ask creates it): try, create, try again.
    const first = await this.grant(r);
    if (first) return first;
    await this.backend.db
      .insertInto('throttle_counters')
      .values({ key: r.key, window_start: r.windowStart, window_end: r.windowStart + r.windowMs, count: 0 })
      .onConflict((oc) => oc.columns(['key', 'window_start']).doNothing())
      .execute();
    const second = await this.grant(r);
    if (!second) throw new Error(`the throttling counter ${r.key} vanished while it was reserved`);
    return second;
  }

  /** Grants what fits of `r` on the window's row, if it exists. */
  private async grant(r: CounterReservation): Promise<{ granted: number; total: number } | undefined> {
    const fits = (count: number) => Math.max(0, Math.min(r.want, r.limit - count));
    if (this.backend.kind === 'sqlite') {
      // One writer at a time: read and write in one transaction.
      return this.backend.db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('throttle_counters')
          .select('count')
          .where('key', '=', r.key)
          .where('window_start', '=', r.windowStart)
          .executeTakeFirst();
        if (!row) return undefined;
        const granted = fits(Number(row.count));
        const total = Number(row.count) + granted;
        if (granted > 0)
          await trx
            .updateTable('throttle_counters')
            .set({ count: total })
            .where('key', '=', r.key)
            .where('window_start', '=', r.windowStart)
            .execute();
        return { granted, total };
      });
    }
    // PostgreSQL: one statement; FOR UPDATE holds the row from reading the count to writing it, so
    // nodes asking at once are served one after the other, each from the count as it is.
    const { rows } = await sql<{ total: string; granted: string }>`
      UPDATE throttle_counters AS c SET count = c.count + g.granted
      FROM (
        SELECT key, window_start, GREATEST(0, LEAST(${r.want}::bigint, ${r.limit}::bigint - count)) AS granted
        FROM throttle_counters WHERE key = ${r.key} AND window_start = ${r.windowStart}
        FOR UPDATE
      ) AS g
      WHERE c.key = g.key AND c.window_start = g.window_start
      RETURNING c.count AS total, g.granted AS granted`.execute(this.backend.db);
    const row = rows[0];
    return row ? { granted: Number(row.granted), total: Number(row.total) } : undefined;
  }

  async addCounts(deltas: readonly CounterDelta[]): Promise<number[]> {
    const totals: number[] = [];
    // Bounded statements: PostgreSQL takes at most 65,535 parameters (four a row here).
    for (let i = 0; i < deltas.length; i += BATCH)
      totals.push(...(await this.addBatch(deltas.slice(i, i + BATCH))));
    return totals;
  }

  private async addBatch(deltas: readonly CounterDelta[]): Promise<number[]> {
    const rows = await this.backend.db
      .insertInto('throttle_counters')
      .values(
        deltas.map((d) => ({
          key: d.key,
          window_start: d.windowStart,
          window_end: d.windowStart + d.windowMs,
          count: d.delta,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['key', 'window_start'])
          .doUpdateSet({ count: sql`throttle_counters.count + excluded.count` }),
      )
      .returning(['key', 'window_start', 'count'])
      .execute();
    const totals = new Map(rows.map((r) => [`${r.key}\u0000${Number(r.window_start)}`, Number(r.count)]));
    return deltas.map((d) => totals.get(`${d.key}\u0000${d.windowStart}`) ?? d.delta);
  }

  async forgetCountsBefore(now: number): Promise<void> {
    await this.backend.db.deleteFrom('throttle_counters').where('window_end', '<', now).execute();
  }
}
