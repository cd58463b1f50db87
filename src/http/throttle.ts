// Throttling (SPEC §7, §10): request rates per tenant, per app, and per app and mailbox, and
// concurrent requests per app and mailbox, answered with Graph's 429 TooManyRequests and a
// Retry-After that clients such as the Graph SDK's retry handler honour. Alone, a node counts in
// memory. On a shared store (PostgreSQL, SPEC §8) each node holds a share of every window's limit,
// reserved at the shared counter, and admits from it in memory; it asks again when its share is
// used up, so near the limit every request asks and the nodes together never admit more than
// the limit, while far from it a request costs no database round trip. Concurrency stays per node.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { GraphError } from '../errors.js';
import type { Rate, ThrottleRules } from '../domain/throttle-rules.js';
import type { CounterStore } from '../store/counter-store.js';
import { whenReplyDone } from './reply-done.js';

export const tooManyRequests = (retryAfterSeconds: number) =>
  new GraphError(
    429,
    'TooManyRequests',
    'Too many requests: the application or mailbox is over its limit. Retry after the number of seconds in Retry-After.',
    {},
    { 'retry-after': String(retryAfterSeconds) },
  );

interface Window {
  /** The rate's key: `t|tenant`, `a|tenant|app` or `m|tenant|app|mailbox`. */
  key: string;
  start: number;
  windowMs: number;
  limit: number;
  /**
   * Requests admitted in the window as far as this node knows: alone, its own; on a shared store,
   * every node's admissions and holdings at the shared counter's last answer, plus its own since.
   */
  count: number;
  /** On a shared store: admissions this node holds at the shared counter and has not used yet. */
  held: number;
  /** Admitted on this node's own count while the shared counter did not answer; reported later. */
  unreported: number;
  /** The shared counter's answer being waited for; every request waiting shares it. */
  asking?: Promise<void>;
  /** When the shared counter last said the window is full (ms): it is asked again SYNC_MS later. */
  fullAt?: number;
  /** Requests of this node waiting for a share of the window. */
  waiting: number;
  /** When this node last looked the window up (ms). */
  seenAt: number;
}

/**
 * On a shared store a node holds a share of each window's limit (SPEC §10): it asks the shared
 * counter for a tenth of what is left (at least one), admits requests from that share in memory,
 * and asks again when it is used up. Far from the limit a request is a look-up in memory; near it
 * every request asks, so the nodes together never admit more than the limit.
 */
const SHARE = 0.1;

/**
 * How often a node gives back what it holds of windows it no longer uses (so that other nodes can
 * have it), reports what it admitted while the shared counter did not answer, and how long a full
 * window is believed full before the shared counter is asked again.
 */
export const SYNC_MS = 100;

/** A window this node has not looked up for this long gives back what it holds. */
const ACTIVE_MS = 1000;

/** Counters of windows that ended are dropped this often. */
const FORGET_EVERY_MS = 60_000;

/** Bounded: at most this many keys are tracked; the least recently used is forgotten first. */
const MAX_KEYS = 100_000;

/** Gives back a concurrency slot; called once the reply is done. */
export type Release = () => void;

export class Throttle {
  private readonly windows = new LRUCache<string, Window>({ max: MAX_KEYS });
  /** Windows holding a share or unreported admissions: what a sync looks at, even once evicted. */
  private readonly holding = new Set<Window>();
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

  /** Forgets every count (a test's `reset()`); requests running keep their concurrency slots. */
  forgetCounts(): void {
    this.windows.clear();
    this.holding.clear();
  }

  /**
   * Gives back what this node holds of windows it has stopped using, and reports what it admitted
   * on its own count while the shared counter did not answer. A failed report is kept for the next.
   */
  async sync(): Promise<void> {
    if (!this.shared || this.syncing) return this.syncing;
    const now = this.clock();
    const changes: { w: Window; admitted: number; givenBack: number }[] = [];
    for (const w of this.holding) {
      if (w.start + w.windowMs <= now || (w.held === 0 && w.unreported === 0)) {
        this.holding.delete(w);
        continue;
      }
      if (w.asking) continue;
      const givenBack = now - w.seenAt >= ACTIVE_MS ? w.held : 0;
      if (w.unreported === 0 && givenBack === 0) continue;
      changes.push({ w, admitted: w.unreported, givenBack });
      w.unreported = 0;
      w.held -= givenBack;
    }
    const forget = now - this.forgotAt > FORGET_EVERY_MS;
    if (changes.length === 0 && !forget) return;
    const shared = this.shared;
    this.syncing = (async () => {
      try {
        if (changes.length > 0) {
          const deltas = changes.map(({ w, admitted, givenBack }) => ({
            key: w.key,
            windowStart: w.start,
            windowMs: w.windowMs,
            delta: admitted - givenBack,
          }));
          const totals = await shared.addCounts(deltas);
          changes.forEach(({ w }, i) => {
            w.count = totals[i]! + w.unreported;
          });
        }
        if (forget) {
          this.forgotAt = now;
          await shared.forgetCountsBefore(now);
        }
      } catch {
        // Kept for the next report: what was admitted here, and what is still held.
        for (const { w, admitted, givenBack } of changes) {
          w.unreported += admitted;
          w.held += givenBack;
        }
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /** Stops syncing, after giving back everything held. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.syncing;
    for (const w of this.holding) w.seenAt = -Infinity;
    await this.sync();
  }

  get enabled(): boolean {
    return Boolean(this.rules.tenant || this.rules.app || this.rules.mailbox || this.rules.concurrency);
  }

  /** The current window of a rate's key. */
  private window(key: string, rate: Rate, now: number): Window {
    const windowMs = rate.windowSeconds * 1000;
    const start = now - (now % windowMs);
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      window = {
        key,
        start,
        windowMs,
        limit: rate.limit,
        count: 0,
        held: 0,
        unreported: 0,
        waiting: 0,
        seenAt: now,
      };
      this.windows.set(key, window);
    }
    window.seenAt = now;
    return window;
  }

  /** Seconds until the window ends, for Retry-After. */
  private wait(w: Window, now: number): number {
    return Math.max(1, Math.ceil((w.start + w.windowMs - now) / 1000));
  }

  /** Whether a request can be admitted from what is in memory. */
  private hasRoom(w: Window): boolean {
    return this.shared ? w.held > 0 : w.count < w.limit;
  }

  /**
   * Admits a request or throws 429; what it returns (at once from memory, or once the shared
   * counter has answered) releases the request's concurrency slot.
   */
  admit(tenantId: string, appId: string, mailbox: string | undefined): Release | Promise<Release> {
    const { tenant, app, mailbox: perMailbox } = this.rules;
    const appKey = `${tenantId}|${appId}`;
    const mailboxKey = mailbox ? `${appKey}|${mailbox}` : undefined;
    const checks: [string, Rate | undefined][] = [
      [`t|${tenantId}`, tenant],
      [`a|${appKey}`, app],
      [`m|${mailboxKey}`, mailboxKey ? perMailbox : undefined],
    ];
    const now = this.clock();
    const windows = checks.flatMap(([key, rate]) => (rate ? [this.window(key, rate, now)] : []));
    const short = windows.filter((w) => !this.hasRoom(w));
    if (short.length === 0) return this.take(windows, mailboxKey);
    this.refuseIfFull(short, now);
    return this.admitAsking(windows, mailboxKey);
  }

  /** Throws 429 when one of the windows is full: alone, or as the shared counter said a moment ago. */
  private refuseIfFull(short: Window[], now: number): void {
    const full = short.filter((w) => !this.shared || (w.fullAt !== undefined && now - w.fullAt < SYNC_MS));
    if (full.length > 0) throw tooManyRequests(Math.max(...full.map((w) => this.wait(w, now))));
  }

  /**
   * Asks the shared counter for a share of each window without room, until every one has room
   * (admitted) or one is full (429). Requests waiting at once share one ask, sized for them all.
   */
  private async admitAsking(windows: Window[], mailboxKey: string | undefined): Promise<Release> {
    for (;;) {
      const short = windows.filter((w) => !this.hasRoom(w));
      if (short.length === 0) return this.take(windows, mailboxKey);
      this.refuseIfFull(short, this.clock());
      for (const w of short) w.waiting++;
      try {
        await Promise.all(short.map((w) => this.share(w)));
      } finally {
        for (const w of short) w.waiting--;
      }
    }
  }

  /** One request of the shared counter for a share of the window; shared by every waiting request. */
  private share(w: Window): Promise<void> {
    w.asking ??= (async () => {
      const want = Math.max(1, w.waiting, Math.floor((w.limit - w.count) * SHARE));
      try {
        const { granted, total } = await this.shared!.reserve({
          key: w.key,
          windowStart: w.start,
          windowMs: w.windowMs,
          want,
          limit: w.limit,
        });
        w.held += granted;
        w.count = total + w.unreported;
        if (granted > 0) this.holding.add(w);
        w.fullAt = granted === 0 ? this.clock() : undefined;
      } catch {
        // The shared counter does not answer: this node goes on counting on its own meanwhile.
        const fits = Math.max(0, Math.min(want, w.limit - w.count));
        w.held += fits;
        w.count += fits;
        w.unreported += fits;
        w.fullAt = fits === 0 ? this.clock() : undefined;
        if (fits > 0) this.holding.add(w);
      } finally {
        w.asking = undefined;
      }
    })();
    return w.asking;
  }

  /** Counts the request against every window and takes its concurrency slot. */
  private take(windows: Window[], mailboxKey: string | undefined): Release {
    const { concurrency } = this.rules;
    const running = mailboxKey ? (this.running.get(mailboxKey) ?? 0) : 0;
    if (concurrency && mailboxKey && running >= concurrency) throw tooManyRequests(1);
    for (const w of windows) {
      if (this.shared) w.held--;
      else w.count++;
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
      whenReplyDone(reply, await this.admit(caller.tenantId, caller.appId, mailboxOf(request)));
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
