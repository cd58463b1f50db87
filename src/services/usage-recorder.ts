// Counts what allowed each call, for the least-privilege report (SPEC §8): in memory per app,
// day, column, action and permission, added to the store every few seconds — one upsert per
// counter, never a write per request, and no log of requests.
import type { Logger } from 'pino';
import type { Grant } from '../auth/authorize.js';
import type { Caller } from '../auth/caller.js';
import type { PermissionUse } from '../domain/permission-use.js';
import type { UsageStore } from '../store/usage-store.js';

/** How long counters are kept; `portrait permissions report --since` reaches this far back. */
export const USAGE_RETENTION_DAYS = 400;
const DAY_MS = 86_400_000;

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const keyOf = (use: PermissionUse) =>
  `${use.tenantId}|${use.appId}|${use.day}|${use.column}|${use.action}|${use.permission}`;

export class UsageRecorder {
  private counts = new Map<string, PermissionUse>();
  private readonly timer: NodeJS.Timeout;
  private day = '';
  private dayEnds = 0;
  private sweptOn = '';

  constructor(
    private readonly usage: UsageStore,
    private readonly logger: Pick<Logger, 'warn'>,
    flushEveryMs = 5_000,
    private readonly clock: () => number = Date.now,
  ) {
    this.timer = setInterval(() => void this.flush(), flushEveryMs);
    this.timer.unref();
  }

  private today(): string {
    const now = this.clock();
    if (now >= this.dayEnds) {
      this.day = utcDay(now);
      this.dayEnds = now - (now % DAY_MS) + DAY_MS;
    }
    return this.day;
  }

  record(caller: Caller, grants: readonly Grant[]): void {
    const day = this.today();
    const appId = caller.appId.toLowerCase();
    for (const { action, column, permission } of grants) {
      this.add({ tenantId: caller.tenantId, appId, day, column, action, permission, calls: 1 });
    }
  }

  /**
   * `record(caller, grants)` made ready for a call that repeats (http/fast-photo-read.ts): the
   * counters' keys are built once a day, not on every call.
   */
  prepare(caller: Caller, grants: readonly Grant[]): () => void {
    let day = '';
    let counters: { key: string; use: PermissionUse }[] = [];
    return () => {
      const today = this.today();
      if (today !== day) {
        day = today;
        const appId = caller.appId.toLowerCase();
        counters = grants.map(({ action, column, permission }) => {
          const use = { tenantId: caller.tenantId, appId, day, column, action, permission, calls: 1 };
          return { key: keyOf(use), use };
        });
      }
      for (const { key, use } of counters) this.addAt(key, use);
    };
  }

  private add(use: PermissionUse): void {
    this.addAt(keyOf(use), use);
  }

  private addAt(key: string, use: PermissionUse): void {
    const counted = this.counts.get(key);
    if (counted) counted.calls += use.calls;
    // A copy: the counted entry is added to, and a prepared `use` is reused.
    else this.counts.set(key, { ...use });
  }

  /** Adds what was counted to the store; on failure keeps it for the next try. */
  async flush(): Promise<void> {
    if (this.counts.size > 0) {
      const uses = [...this.counts.values()];
      this.counts = new Map();
      try {
        await this.usage.addUsage(uses);
      } catch (error) {
        this.logger.warn({ err: error }, 'permission usage not saved; will try again');
        for (const use of uses) this.add(use);
        return;
      }
    }
    const today = this.today();
    if (this.sweptOn !== today) {
      this.sweptOn = today;
      await this.usage
        .forgetUsageBefore(utcDay(this.clock() - USAGE_RETENTION_DAYS * DAY_MS))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'old permission usage not swept'));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
