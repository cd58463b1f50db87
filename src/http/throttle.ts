// Throttling (SPEC §7): request rates per tenant, per app, and per app and mailbox, and
// concurrent requests per app and mailbox, answered with Graph's 429 TooManyRequests and a
// Retry-After that clients such as the Graph SDK's retry handler honour. Counted per node.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { GraphError } from '../errors.js';
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
  count: number;
}

/** Bounded: at most this many keys are tracked; the least recently used is forgotten first. */
const MAX_KEYS = 100_000;

export class Throttle {
  private readonly windows = new LRUCache<string, Window>({ max: MAX_KEYS });
  private readonly running = new Map<string, number>();

  constructor(
    readonly rules: ThrottleRules,
    private readonly clock: () => number = Date.now,
  ) {}

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
      window = { start, count: 0 };
      this.windows.set(key, window);
    }
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
    for (const { window } of windows) window.count++;
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
