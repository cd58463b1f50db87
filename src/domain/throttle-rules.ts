// Throttling rules (SPEC §7) as a value: request rates per tenant, per app and per app and
// mailbox, and concurrent requests per app and mailbox. Parsed from `--throttle` by the
// configuration and applied by the HTTP layer (http/throttle.ts).

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
