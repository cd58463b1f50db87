// What a tenant's settings accept, checked once for every writer (the CLI today), and what they
// mean where they are read.
import type { FaultSettings, TenantSettings } from '../domain/tenant.js';

/**
 * `*`, or origins separated by spaces or commas: `https://app.contoso.com http://localhost:3000`.
 * An origin is what a browser sends in `Origin`: scheme, host and a port only when it is not the
 * scheme's default — no path, no trailing slash. Anything else is refused with the reason.
 */
export function parseCorsOrigins(text: string): TenantSettings['corsOrigins'] {
  const items = text.split(/[\s,]+/).filter(Boolean);
  if (items.length === 1 && items[0] === '*') return '*';
  if (items.length === 0) throw new TypeError("--cors-origins needs '*' or at least one origin");
  return [
    ...new Set(
      items.map((item) => {
        let url: URL;
        try {
          url = new URL(item);
        } catch {
          throw new TypeError(`--cors-origins: '${item}' is not an origin such as https://app.example.com`);
        }
        const origin = url.origin;
        if (!/^https?:$/.test(url.protocol) || item.toLowerCase() !== origin.toLowerCase()) {
          throw new TypeError(
            `--cors-origins: '${item}' is not an origin; write it as the browser sends it, e.g. '${origin === 'null' ? 'https://app.example.com' : origin}' (http or https, no path)`,
          );
        }
        return origin;
      }),
    ),
  ];
}

/** Whether a browser page at `origin` may call the API with this tenant's tokens. */
export const corsAllows = (settings: TenantSettings, origin: string): boolean =>
  settings.corsOrigins === '*' || settings.corsOrigins.includes(origin.toLowerCase());

/**
 * `429=0.1 503=0.05 504=0.02 delay=200ms retry-after=1s seed=42`, or `off`: the share of API
 * requests answered with each error (together at most 1), a delay for the others, what 429 and
 * 503 ask clients to wait, and a seed that makes the sequence repeatable.
 */
export function parseFaults(text: string, now = new Date()): FaultSettings | null {
  const spec = text.trim().toLowerCase();
  if (spec === 'off' || spec === 'none') return null;
  const faults: FaultSettings = {
    tooManyRequests: 0,
    serviceUnavailable: 0,
    gatewayTimeout: 0,
    delayMs: 0,
    retryAfterSeconds: 1,
    seed: null,
    setAt: now.toISOString(),
  };
  const shares = { '429': 'tooManyRequests', '503': 'serviceUnavailable', '504': 'gatewayTimeout' } as const;
  for (const part of spec.split(/[\s,]+/).filter(Boolean)) {
    const [key = '', value = ''] = part.split('=', 2);
    if (key in shares) {
      const share = Number(value);
      if (value === '' || !(share >= 0 && share <= 1)) {
        throw new TypeError(`--faults: the share in '${part}' must be a number from 0 to 1`);
      }
      faults[shares[key as keyof typeof shares]] = share;
    } else if (key === 'delay' || key === 'retry-after') {
      const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(value);
      if (!match)
        throw new TypeError(`--faults: '${part}' needs a duration such as ${key}=200ms or ${key}=1s`);
      const ms = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
      if (key === 'delay') faults.delayMs = Math.round(ms);
      else faults.retryAfterSeconds = Math.round(ms / 1000);
    } else if (key === 'seed' && /^\d+$/.test(value)) {
      faults.seed = Number(value);
    } else {
      throw new TypeError(
        `--faults: '${part}' is not a fault; use 429=SHARE 503=SHARE 504=SHARE delay=200ms retry-after=1s seed=N, or off`,
      );
    }
  }
  if (faults.tooManyRequests + faults.serviceUnavailable + faults.gatewayTimeout > 1) {
    throw new TypeError('--faults: the shares of 429, 503 and 504 add up to more than 1');
  }
  return faults;
}

/** `portrait tenant update T --avatars …`: who may read the tenant's photos through /avatar. */
export const AVATAR_MODES = ['off', 'public'] as const satisfies readonly TenantSettings['avatars'][];

/** Whether /avatar answers with this tenant's users (their photos, or their initials). */
export const avatarsArePublic = (settings: TenantSettings): boolean => settings.avatars === 'public';
