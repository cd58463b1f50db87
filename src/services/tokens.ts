// Tokens from the built-in issuer for scripts and tests (SPEC §1 `portrait token`, SPEC §11
// `portrait.token()`): delegated, for a user with scopes, or app-only, for an app with roles. Both
// callers name things their own way and resolve them first; the signing is here.
import { decodeJwt } from 'jose';
import { SigningKeys } from '../auth/signing-keys.js';
import { mintAppToken, mintDelegatedToken, nameBasedGuid } from '../auth/token-issuer.js';
import type { User } from '../domain/directory.js';
import type { Tenant } from '../domain/tenant.js';
import type { KeyStore } from '../store/key-store.js';
import type { Store } from '../store/store.js';
import { durationSeconds } from './setting-words.js';

/** Tokens minted before any base URL was configured name this issuer base. */
export const DEFAULT_ISSUER_BASE = 'https://localhost:8443';

/** The installation's issuer base: set once, by the first process to open the store. */
export const issuerBaseOf = (keys: KeyStore, configured?: string) =>
  keys.installationSetting('issuerBase', () => configured ?? DEFAULT_ISSUER_BASE);

/** `90`, `90s`, `15m`, `1h`, `7d` → seconds; a RangeError for anything else or over a year. */
export function parseDuration(value: string): number {
  const seconds = durationSeconds(value);
  if (!(seconds > 0) || seconds > 365 * 86_400) {
    throw new RangeError(
      `a token's lifetime is a duration like 90s, 15m, 1h or 7d (at most a year), not '${value}'`,
    );
  }
  return seconds;
}

export type TokenSubject =
  | { tenant: Tenant; user: User; scopes: string[] }
  | { tenant: Tenant; app: string; roles: string[] };

export interface MintedToken {
  accessToken: string;
  expiresOn: string;
}

/** Signs a token for the subject with the installation's current key. */
export async function mintToken(
  store: Pick<Store, 'keys' | 'apps'>,
  subject: TokenSubject,
  options: { audience: string; lifetimeSeconds: number },
): Promise<MintedToken> {
  const keys = await SigningKeys.open(store.keys);
  const tokenOptions = { issuerBase: await issuerBaseOf(store.keys), ...options };
  const { tenant } = subject;
  const accessToken =
    'user' in subject
      ? await mintDelegatedToken(keys, { tenant, user: subject.user, scopes: subject.scopes }, tokenOptions)
      : await mintAppToken(
          keys,
          {
            tenant,
            // A registered app's own client id; otherwise a stable one made from the name.
            appId:
              (await store.apps.findApp(tenant.id, subject.app))?.appId ??
              nameBasedGuid('app', tenant.id, subject.app.toLowerCase()),
            appName: subject.app,
            roles: subject.roles,
          },
          tokenOptions,
        );
  return { accessToken, expiresOn: new Date(decodeJwt(accessToken).exp! * 1000).toISOString() };
}
