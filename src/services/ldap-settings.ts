// `--ldap "ldaps://dc1.corp.example base-dn=… bind-dn=… bind-password-env=VAR every=15m …"` on a
// tenant, and the options of `portrait directory sync` (SPEC §13): both become one LdapSource,
// checked here once for every writer. What is wrong is a TypeError naming it.
import { type LdapSource, SYNCED_USER_PROPERTIES, type SyncedUserProperty } from '../domain/tenant.js';
import { FilterParser } from 'ldapts';
import { durationSeconds, envName, keyedWords, settingWords } from './setting-words.js';

/** The keys of the tenant setting; the CLI's options carry the same names. */
export const LDAP_KEYS = [
  'base-dn',
  'bind-dn',
  'bind-password-env',
  'filter',
  'map',
  'anchor',
  'photo-attribute',
  'write-photos',
  'ca',
  'every',
] as const;
export const LDAP_FLAGS = ['starttls', 'delete-missing'] as const;

/** Entries of people in OpenLDAP (inetOrgPerson) and Active Directory (user). */
export const DEFAULT_LDAP_FILTER = '(|(objectClass=inetOrgPerson)(objectClass=user))';

/** The attributes each property is read from when `map` does not say: the first one present. */
export const DEFAULT_ATTRIBUTES: Record<SyncedUserProperty, readonly string[]> = {
  userPrincipalName: ['userPrincipalName', 'mail'],
  displayName: ['displayName', 'cn'],
  mail: ['mail'],
  givenName: ['givenName'],
  surname: ['sn'],
  jobTitle: ['title'],
};

/** The photo attributes a sync reads and writes: Active Directory's, and inetOrgPerson's. */
export const PHOTO_ATTRIBUTES = ['thumbnailPhoto', 'jpegPhoto'] as const;

/** An LDAP attribute description: a name (letters, digits, -) or an OID. */
const isAttributeName = (text: string) => /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/.test(text);

function attribute(key: string, value: string): string {
  if (!isAttributeName(value)) throw new TypeError(`${key} names an LDAP attribute, not '${value}'`);
  return value;
}

/** `userPrincipalName=mail displayName=cn jobTitle=` (nothing: the property is left alone). */
export function parseAttributeMap(text: string): LdapSource['map'] {
  const map: LdapSource['map'] = {};
  for (const pair of text.split(/[\s,;]+/).filter(Boolean)) {
    const at = pair.indexOf('=');
    const property = pair.slice(0, at) as SyncedUserProperty;
    if (at <= 0 || !SYNCED_USER_PROPERTIES.includes(property)) {
      throw new TypeError(
        `map: '${pair}' is not property=attribute, with a property among ${SYNCED_USER_PROPERTIES.join(', ')}`,
      );
    }
    const value = pair.slice(at + 1);
    if (value === '' && (property === 'userPrincipalName' || property === 'displayName')) {
      throw new TypeError(`map: every user needs a ${property}; map it to an attribute`);
    }
    map[property] = value === '' ? '' : attribute(`map: ${property}`, value);
  }
  return map;
}

/** `15m`, `1h`, `90s`, `1d`: at least 10 seconds, at most a week. */
export function parseEvery(value: string): number {
  const seconds = durationSeconds(value, { unitRequired: true });
  if (!(seconds >= 10 && seconds <= 7 * 86_400)) {
    throw new TypeError(`every is a duration from 10s to 7d, such as 15m or 1h, not '${value}'`);
  }
  return seconds;
}

/** `ldap://` or `ldaps://`, a host, no path. */
export function parseLdapUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`the LDAP server is a URL such as ldaps://dc1.corp.example, not '${text}'`);
  }
  if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') {
    throw new TypeError(`the LDAP server's URL starts with ldap:// or ldaps://, not '${text}'`);
  }
  if (!url.hostname || (url.pathname !== '' && url.pathname !== '/') || url.search || url.username) {
    throw new TypeError(
      `the LDAP server's URL is ldap[s]://host[:port], with nothing after it, not '${text}'`,
    );
  }
  return `${url.protocol}//${url.host}`;
}

const flag = (key: string, value: string | undefined): boolean | undefined => {
  if (value === undefined) return undefined;
  if (value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new TypeError(`${key} is on or off, not '${value}'`);
};

/**
 * The source named by `given` (setting keys → values, flags as `''`), over `base` where the tenant
 * already keeps one: each key given replaces that part only. A value `''` clears an optional part.
 */
export function ldapSourceFrom(
  url: string | undefined,
  given: Map<string, string>,
  base: LdapSource | null,
): LdapSource {
  const source: LdapSource = base
    ? { ...base, map: { ...base.map } }
    : {
        url: '',
        baseDn: '',
        bindDn: null,
        bindPasswordEnv: null,
        filter: null,
        map: {},
        anchor: null,
        photoAttribute: null,
        writePhotos: null,
        deleteMissing: false,
        startTls: false,
        caFile: null,
        everySeconds: null,
      };
  if (url !== undefined) source.url = parseLdapUrl(url);
  const optional = <T>(key: string, read: (value: string) => T): T | null | undefined => {
    const value = given.get(key);
    return value === undefined ? undefined : value === '' ? null : read(value);
  };
  const set = <K extends keyof LdapSource>(field: K, value: LdapSource[K] | undefined) => {
    if (value !== undefined) source[field] = value;
  };
  set('baseDn', given.get('base-dn'));
  set(
    'bindDn',
    optional('bind-dn', (v) => v),
  );
  set(
    'bindPasswordEnv',
    optional('bind-password-env', (v) => envName('bind-password-env', v)),
  );
  set(
    'filter',
    optional('filter', (v) => v),
  );
  if (given.has('map')) source.map = { ...source.map, ...parseAttributeMap(given.get('map')!) };
  set(
    'anchor',
    optional('anchor', (v) => attribute('anchor', v)),
  );
  set(
    'photoAttribute',
    optional('photo-attribute', (v) => attribute('photo-attribute', v)),
  );
  set(
    'writePhotos',
    optional('write-photos', (v) => attribute('write-photos', v)),
  );
  set(
    'caFile',
    optional('ca', (v) => v),
  );
  set('everySeconds', optional('every', parseEvery));
  set('deleteMissing', flag('delete-missing', given.get('delete-missing')));
  set('startTls', flag('starttls', given.get('starttls')));

  if (!source.url)
    throw new TypeError('the LDAP server is missing: give its URL, such as ldaps://dc1.corp.example');
  if (!source.baseDn.trim())
    throw new TypeError('base-dn is missing: where the people are, such as dc=corp,dc=example');
  if (source.bindDn && !source.bindPasswordEnv) {
    throw new TypeError('bind-dn needs bind-password-env: the environment variable holding its password');
  }
  if (source.startTls && source.url.startsWith('ldaps:')) {
    throw new TypeError('starttls is for ldap:// URLs; an ldaps:// connection is TLS from the start');
  }
  return source;
}

/**
 * Throws a TypeError saying what is wrong with an LDAP filter (RFC 4515). ldapts's parser closes
 * parentheses left open, which would search for something else than was written: counted here.
 */
export function checkLdapFilter(filter: string): void {
  let depth = 0;
  for (const c of filter) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0) break;
  }
  if (depth !== 0 || !filter.trim().startsWith('(')) {
    throw new TypeError(`the filter '${filter}' is not an LDAP filter: its parentheses do not match`);
  }
  try {
    FilterParser.parseString(filter.trim());
  } catch (error) {
    throw new TypeError(`the filter '${filter}' is not an LDAP filter: ${(error as Error).message}`);
  }
}

/** The tenant setting `--ldap "URL key=value … flag"`, or null for `off`. */
export function parseLdapSetting(text: string, base: LdapSource | null = null): LdapSource | null {
  if (text.trim().toLowerCase() === 'off') return null;
  const [url, ...rest] = settingWords(text.trim());
  const source = ldapSourceFrom(url, keyedWords(rest, LDAP_KEYS, LDAP_FLAGS), base);
  if (source.filter !== null) checkLdapFilter(source.filter);
  return source;
}

/** The setting as `--ldap` would give it: what `tenant show` prints, and a round trip. */
export function formatLdapSetting(source: LdapSource): string {
  const quoted = (value: string) => (/[\s'"]/.test(value) ? `'${value}'` : value);
  const map = Object.entries(source.map)
    .map(([property, attributeName]) => `${property}=${attributeName}`)
    .join(' ');
  const parts: [string, string | null][] = [
    ['base-dn', source.baseDn],
    ['bind-dn', source.bindDn],
    ['bind-password-env', source.bindPasswordEnv],
    ['filter', source.filter],
    ['map', map || null],
    ['anchor', source.anchor],
    ['photo-attribute', source.photoAttribute],
    ['write-photos', source.writePhotos],
    ['ca', source.caFile],
    ['every', source.everySeconds === null ? null : `${source.everySeconds}s`],
  ];
  return [
    source.url,
    ...parts.filter(([, value]) => value !== null).map(([key, value]) => `${key}=${quoted(value!)}`),
    ...(source.startTls ? ['starttls'] : []),
    ...(source.deleteMissing ? ['delete-missing'] : []),
  ].join(' ');
}
