// What a tenant's settings accept, checked once for every writer (the CLI today), and what they
// mean where they are read.
import type { TenantSettings } from '../store/store.js';

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

/** `portrait tenant update T --avatars …`: who may read the tenant's photos through /avatar. */
export const AVATAR_MODES = ['off', 'public'] as const satisfies readonly TenantSettings['avatars'][];

/** Whether /avatar answers with this tenant's users (their photos, or their initials). */
export const avatarsArePublic = (settings: TenantSettings): boolean => settings.avatars === 'public';
