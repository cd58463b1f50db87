// Shared throttling counters on any SQL backend: one multi-row upsert per report, outside the
// write lock and without a change notification (counters are not cached data), so a node's
// report never waits for uploads and never drops other nodes' caches.
import { sql } from 'kysely';
import type { CounterDelta, CounterStore } from '../store.js';
import type { SqlBackend } from './schema.js';

const BATCH = 1000;

export class SqlCounterStore implements CounterStore {
  constructor(private readonly backend: SqlBackend) {}

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
