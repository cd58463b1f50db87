// `--sign-in-provider "ISSUER client-id=… client-secret-env=VAR [name='Acme SSO'] …"` (SPEC §12):
// parsed and checked here, for the CLI and anything else that sets it.
import { findDirectoryRole, knownRoleNames } from '../auth/directory-roles.js';
import type { SignInProvider } from '../domain/tenant.js';
import { envName, keyedWords, settingWords } from './setting-words.js';

const KEYS = [
  'client-id',
  'client-secret-env',
  'name',
  'scopes',
  'user-claim',
  'provision',
  'roles-claim',
  'role-map',
  'passwords',
] as const;

/** `group=Role Name;other=Role, Role` → claim value → role template ids. */
function parseRoleMap(text: string): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const entry of text
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new TypeError(`role-map: '${entry}' is not value=Role`);
    const value = entry.slice(0, at).trim();
    map[value] = entry
      .slice(at + 1)
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean)
      .map((name) => {
        const role = findDirectoryRole(name);
        if (!role)
          throw new TypeError(
            `role-map: unknown directory role '${name}'; known roles: ${knownRoleNames().join(', ')}`,
          );
        return role.templateId;
      });
  }
  return map;
}

/** The setting, or null for `off`; a TypeError saying what is wrong otherwise. */
export function parseSignInProvider(text: string): SignInProvider | null {
  if (text.trim().toLowerCase() === 'off') return null;
  const [issuerText, ...rest] = settingWords(text.trim());
  let issuer: URL;
  try {
    issuer = new URL(issuerText ?? '');
  } catch {
    throw new TypeError(
      `the first word must be the provider's issuer URL, such as https://login.acme.example/realms/acme, not '${issuerText ?? ''}'`,
    );
  }
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopback(issuer.hostname))) {
    throw new TypeError(
      `the issuer must be https:// (http:// only on this machine's loopback), not '${issuerText}'`,
    );
  }
  const given = keyedWords(rest, KEYS);
  for (const key of ['client-id', 'client-secret-env']) {
    if (!given.get(key)) throw new TypeError(`${key}=… is required`);
  }
  const env = envName('client-secret-env', given.get('client-secret-env')!);
  const choice = <T extends string>(key: string, values: readonly T[], fallback: T): T => {
    const value = given.get(key) ?? fallback;
    if (!(values as readonly string[]).includes(value))
      throw new TypeError(`${key} is ${values.join(' or ')}, not '${value}'`);
    return value as T;
  };
  const scopes = (given.get('scopes') ?? 'openid profile email').split(/[\s,]+/).filter(Boolean);
  if (!scopes.includes('openid')) scopes.unshift('openid');
  const rolesClaim = given.get('roles-claim') || null;
  const roleMap = given.has('role-map') ? parseRoleMap(given.get('role-map')!) : {};
  if (Object.keys(roleMap).length > 0 && !rolesClaim)
    throw new TypeError('role-map needs roles-claim=… (the claim it reads)');
  return {
    issuer: issuer.href.replace(/\/$/, ''),
    clientId: given.get('client-id')!,
    clientSecretEnv: env,
    name: given.get('name') || issuer.host,
    scopes,
    userClaim: given.get('user-claim') || 'email',
    provision: choice('provision', ['jit', 'existing'] as const, 'existing'),
    rolesClaim,
    roleMap,
    passwords: choice('passwords', ['on', 'off'] as const, 'on') === 'on',
  };
}

/** 127.0.0.0/8, ::1 and localhost: where a test's provider may speak plain HTTP. */
export const isLoopback = (host: string) =>
  host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
