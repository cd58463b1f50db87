// Throttling (SPEC §7): request rates per tenant, per app, and per app and mailbox, and
// concurrent requests per app and mailbox, answered with Graph's 429 TooManyRequests and a
// Retry-After that clients such as the Graph SDK's retry handler honour. Counted per node; on a
// shared store (PostgreSQL, SPEC §8) each node also reports its counts every SYNC_MS and learns
// every node's total, so the rates hold across nodes while admitting a request stays a lookup in
// memory (no database round trip on the request path). Concurrency stays per node.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { GraphError } from '../errors.js';
import type { CounterDelta, CounterStore } from '../store/store.js';
import { whenReplyDone } from './reply-done.js';

export interface Rate {
  limit: number;
  windowSeconds: number;
}

export interface ThrottleRules {
  tenant?: Rate;
  app?: Rate;
  /** Per app and mailbox: the user (or group) a request is about. */
  mailbox?: Rate;
  /** Concurrent requests per app and mailbox. */
  concurrency?: number;
}

/** The Outlook tier profile photos live in: 10,000 requests per 10 minutes, 4 at a time, per app and mailbox. */
export const GRAPH_LIKE: ThrottleRules = { mailbox: { limit: 10_000, windowSeconds: 600 }, concurrency: 4 };

/** `off`, `graph-like`, or rules such as `tenant=2000/60s,app=500/10s,mailbox=100/10s,concurrency=4`. */
export function parseThrottle(text: string): ThrottleRules {
  const spec = text.trim().toLowerCase();
  if (spec === '' || spec === 'off') return {};
  if (spec === 'graph-like') return GRAPH_LIKE;
  const rules: ThrottleRules = {};
  for (const part of spec.split(',')) {
    const [key, value = ''] = part.split('=', 2).map((s) => s.trim()) as [string, string?];
    if (key === 'concurrency') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1)
        throw new TypeError(`concurrency takes a whole number of requests, e.g. concurrency=4`);
      rules.concurrency = n;
      continue;
    }
    if (!['tenant', 'app', 'mailbox'].includes(key)) {
      throw new TypeError(
        "Use off, graph-like, or rules like 'tenant=2000/60s,app=500/10s,mailbox=100/10s,concurrency=4'.",
      );
    }
    const match = /^(\d+)\/(\d+)(s|m)?$/.exec(value);
    if (!match)
      throw new TypeError(`'${part}' needs requests per window, like ${key}=500/10s or ${key}=2000/1m.`);
    const seconds = Number(match[2]) * (match[3] === 'm' ? 60 : 1);
    if (Number(match[1]) < 1 || seconds < 1)
      throw new TypeError(`'${part}' needs a limit and a window of at least 1, like ${key}=500/10s.`);
    rules[key as 'tenant' | 'app' | 'mailbox'] = { limit: Number(match[1]), windowSeconds: seconds };
  }
  return rules;
}

export const tooManyRequests = (retryAfterSeconds: number) =>
  new GraphError(
    429,
    'TooManyRequests',
    'Too many requests: the application or mailbox is over its limit. Retry after the number of seconds in Retry-After.',
    {},
    { 'retry-after': String(retryAfterSeconds) },
  );

interface Window {
  start: number;
  windowMs: number;
  /** Requests counted in the window: every node's at the last sync, plus this node's since. */
  count: number;
  /** This node's requests not yet reported to the shared counters. */
  pending: number;
  /** When this node last looked the window up (ms). */
  seenAt: number;
}

/**
 * How often a node reports to and learns from the shared counters. Across N nodes a rate may
 * overshoot by what the other nodes admit in one interval before they hear of each other.
 */
export const SYNC_MS = 100;

/**
 * A window this node has not looked up for this long is not synced: its key is idle here, and
 * its total is learnt again at the first sync after its next request.
 */
const ACTIVE_MS = 1000;

/** Counters of windows that ended are dropped this often. */
const FORGET_EVERY_MS = 60_000;

/** Bounded: at most this many keys are tracked; the least recently used is forgotten first. */
const MAX_KEYS = 100_000;

export class Throttle {
  private readonly windows = new LRUCache<string, Window>({ max: MAX_KEYS });
  private readonly running = new Map<string, number>();

  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private forgotAt = 0;

  constructor(
    readonly rules: ThrottleRules,
    private readonly clock: () => number = Date.now,
    private readonly shared?: CounterStore,
  ) {
    if (shared && (rules.tenant || rules.app || rules.mailbox)) {
      this.timer = setInterval(() => void this.sync(), SYNC_MS);
      this.timer.unref();
    }
  }

  /**
   * Reports this node's counts of the current windows and takes every node's totals. A failed
   * report is kept for the next one; meanwhile the node goes on counting on its own.
   */
  async sync(): Promise<void> {
    if (!this.shared || this.syncing) return this.syncing;
    const now = this.clock();
    const current: [string, Window][] = [];
    for (const [key, window] of this.windows.entries()) {
      const active = window.pending > 0 || now - window.seenAt < ACTIVE_MS;
      if (active && window.start + window.windowMs > now) current.push([key, window]);
    }
    if (current.length === 0) return;
    const deltas: CounterDelta[] = current.map(([key, w]) => ({
      key,
      windowStart: w.start,
      windowMs: w.windowMs,
      delta: w.pending,
    }));
    for (const [, window] of current) window.pending = 0;
    const shared = this.shared;
    this.syncing = (async () => {
      try {
        const totals = await shared.addCounts(deltas);
        current.forEach(([, window], i) => {
          window.count = Math.max(window.count, totals[i]! + window.pending);
        });
        if (now - this.forgotAt > FORGET_EVERY_MS) {
          this.forgotAt = now;
          await shared.forgetCountsBefore(now);
        }
      } catch {
        current.forEach(([, window], i) => {
          window.pending += deltas[i]!.delta;
        });
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /** Stops syncing, after one last report. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sync();
  }

  get enabled(): boolean {
    return Boolean(this.rules.tenant || this.rules.app || this.rules.mailbox || this.rules.concurrency);
  }

  /** The current window of a rate's key; the seconds left in it when its limit is reached. */
  private window(key: string, rate: Rate): { window: Window; wait?: number } {
    const now = this.clock();
    const windowMs = rate.windowSeconds * 1000;
    const start = now - (now % windowMs);
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      window = { start, windowMs, count: 0, pending: 0, seenAt: now };
      this.windows.set(key, window);
    }
    window.seenAt = now;
    return window.count >= rate.limit
      ? { window, wait: Math.max(1, Math.ceil((start + windowMs - now) / 1000)) }
      : { window };
  }

  /** Admits a request or throws 429; the returned function releases its concurrency slot. */
  admit(tenantId: string, appId: string, mailbox: string | undefined): () => void {
    const { tenant, app, mailbox: perMailbox, concurrency } = this.rules;
    const appKey = `${tenantId}|${appId}`;
    const mailboxKey = mailbox ? `${appKey}|${mailbox}` : undefined;
    const checks: [string, Rate | undefined][] = [
      [`t|${tenantId}`, tenant],
      [`a|${appKey}`, app],
      [`m|${mailboxKey}`, mailboxKey ? perMailbox : undefined],
    ];
    // A refused request counts against nothing: check every rate, then count against all.
    const windows = checks.flatMap(([key, rate]) => (rate ? [this.window(key, rate)] : []));
    const waits = windows.flatMap((w) => (w.wait === undefined ? [] : [w.wait]));
    if (waits.length > 0) throw tooManyRequests(Math.max(...waits));
    const running = mailboxKey ? (this.running.get(mailboxKey) ?? 0) : 0;
    if (concurrency && mailboxKey && running >= concurrency) throw tooManyRequests(1);
    for (const { window } of windows) {
      window.count++;
      window.pending++;
    }
    if (!concurrency || !mailboxKey) return () => {};
    this.running.set(mailboxKey, running + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(mailboxKey) ?? 1) - 1;
      if (left > 0) this.running.set(mailboxKey, left);
      else this.running.delete(mailboxKey);
    };
  }

  /** Adds the hook to an API scope: after authentication, before the route. */
  register(app: FastifyInstance): void {
    if (!this.enabled) return;
    app.addHook('onClose', () => this.close());
    app.addHook('onRequest', async (request, reply) => {
      // A $batch is not counted itself: each of its requests is, on its own.
      if (/\/\$batch$/i.test(request.url.split('?')[0]!)) return;
      const { caller } = request.auth!;
      whenReplyDone(reply, this.admit(caller.tenantId, caller.appId, mailboxOf(request)));
    });
  }
}

/** The mailbox a request is about: `/me` is the caller; `/users/{x}`, `/groups/{x}`, `/teams/{x}` name it. */
function mailboxOf(request: FastifyRequest): string | undefined {
  const segments = request.url.split('?')[0]!.split('/').filter(Boolean);
  const [first, second] = [segments[1]?.toLowerCase(), segments[2]];
  if (first === 'me') return request.auth!.caller.objectId;
  if ((first === 'users' || first === 'groups' || first === 'teams' || first === 'team') && second) {
    return decodeURIComponent(second).toLowerCase();
  }
  return undefined;
}
