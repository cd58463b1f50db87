// A real OpenLDAP server (Debian's /usr/sbin/slapd) for the directory-sync tests: each
// startSlapd() gets a temp dir, a slapd.conf of its own, a free loopback port and an empty
// dc=example,dc=org tree. stop() removes it all. A small schema stands in for Active Directory's
// objectGUID, thumbnailPhoto, userPrincipalName and userAccountControl.
//
//   test('sync reads photos', { skip: slapdAvailable() ? false : SLAPD_MISSING }, async (t) => {
//     const ldap = await startSlapd();
//     t.after(() => ldap.stop());
//     await ldap.addPeople(100, (i) => adPerson(`u${i}`, { cn: `User ${i}`, sn: 'User' }));
//   });
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Client, type Entry } from 'ldapts';
import { ephemeralDevCertificate } from '../../src/tls/dev-certificate.js';

const SLAPD = '/usr/sbin/slapd';
const SCHEMA_DIR = '/etc/ldap/schema';
const BASE_DN = 'dc=example,dc=org';
const PEOPLE_DN = `ou=people,${BASE_DN}`;
const ADMIN_DN = `cn=admin,${BASE_DN}`;
const SYNC_DN = `cn=sync,${BASE_DN}`;
const START_TIMEOUT_MS = 10_000;
/** slapd finishes in-flight operations on SIGTERM before it exits (idle: ~30 ms). */
const STOP_TIMEOUT_MS = 5_000;
/**
 * Adds in flight on the admin connection (slapd allows 1000 per bound connection). Measured for
 * 10,000 people: 3.2 s one at a time, 1.6–1.9 s with 8 to 256 in flight; more connections barely
 * help, as ldapts's encoding in node is then the bottleneck.
 */
const ADD_WINDOW = 64;

export const SLAPD_MISSING =
  '!!! slapd (OpenLDAP) is not installed at /usr/sbin/slapd: the LDAP directory tests are SKIPPED. ' +
  'Install it with `apt-get install slapd ldap-utils` to run them.';

/** Octet-string attributes: ldapts would turn values that happen to be valid UTF-8 into text. */
export const BINARY_ATTRIBUTES = ['objectGUID', 'thumbnailPhoto', 'jpegPhoto'];

export type LdapValue = string | string[] | Buffer | Buffer[];
export type LdapAttributes = Record<string, LdapValue>;
export interface LdapEntry {
  dn: string;
  attributes: LdapAttributes;
}

export interface LdapChanges {
  replace?: LdapAttributes;
  add?: LdapAttributes;
  /** Attribute names to remove entirely. */
  delete?: string[];
}

export interface Slapd {
  /** ldap://127.0.0.1:PORT; StartTLS works there when started with `tls`. */
  url: string;
  ldapsUrl?: string;
  /** The private CA that signed the server certificate (for 127.0.0.1 and localhost). */
  caPem?: string;
  caFile?: string;
  baseDn: string;
  peopleDn: string;
  /** The rootdn: no ACLs and no size limits apply to it. */
  adminDn: string;
  adminPassword: string;
  /** Reads everything, writes jpegPhoto and thumbnailPhoto only; `sizeLimit` applies to it. */
  syncDn: string;
  syncPassword: string;
  pid: number;
  running(): boolean;
  /** A new ldapts client on `url`, bound as the admin or the sync user (or anonymous); stop() unbinds it. */
  client(as?: 'admin' | 'sync' | 'anonymous'): Promise<Client>;
  add(dn: string, attributes: LdapAttributes): Promise<void>;
  modify(dn: string, changes: LdapChanges): Promise<void>;
  remove(dn: string): Promise<void>;
  /** modifyDN within the same parent; returns the new DN. */
  rename(dn: string, newRdn: string): Promise<string>;
  /** Subtree search as admin; binary attributes come back as Buffers, absent ones as undefined. */
  search(base: string, filter?: string, attributes?: string[]): Promise<Entry[]>;
  /** Adds `count` entries made by `make(i)` (i from 0), many in flight at once. */
  addPeople(count: number, make: (i: number) => LdapEntry): Promise<LdapEntry[]>;
  /**
   * Unbinds the client() clients, SIGTERM (SIGKILL after 5 s), waits for exit, removes the temp
   * dir. t.after hooks run in the order registered: unbind a StartTLS client of your own before
   * stop(), or give it a `timeout`, or its unbind() never settles.
   */
  stop(): Promise<void>;
}

let noticePrinted = false;

/** Whether slapd is installed; when it is not, says so loudly on stderr (once). */
export function slapdAvailable(): boolean {
  const available = existsSync(SLAPD);
  if (!available && !noticePrinted) {
    noticePrinted = true;
    process.stderr.write(`\n${SLAPD_MISSING}\n\n`);
  }
  return available;
}

// A test that forgets stop() must not leave a slapd behind: kill what is left as node exits
// (synchronously, as 'exit' handlers must) and remove its directory.
const live = new Map<ChildProcess, string>();
process.on('exit', () => {
  for (const [child, dir] of live) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

const AD_SCHEMA = `# A stand-in for the Active Directory attributes Portrait reads (private OID arc).
attributetype ( 1.3.6.1.4.1.99999.1.1 NAME 'objectGUID'
  DESC 'AD: the immutable 16-byte object id'
  EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.1.2 NAME 'thumbnailPhoto'
  DESC 'AD: the user photo, JPEG bytes'
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.1.3 NAME 'userPrincipalName'
  DESC 'AD: user@domain sign-in name'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.1.4 NAME 'userAccountControl'
  DESC 'AD: account flags; 2 (ACCOUNTDISABLE) is a disabled account'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.99999.2.1 NAME 'adUser' AUXILIARY
  MAY ( objectGUID $ thumbnailPhoto $ userPrincipalName $ userAccountControl ) )
`;

interface ConfOptions {
  dir: string;
  adminPassword: string;
  sizeLimit: number | undefined;
  tls: boolean;
  adSchema: boolean;
}

function slapdConf({ dir, adminPassword, sizeLimit, tls, adSchema }: ConfOptions): string {
  const schemas = ['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `${SCHEMA_DIR}/${s}.schema`);
  // slapd's default limit is 500 entries, for paged searches too; prtotal bounds the whole paged
  // search (not one page), so a sync that pages through more fails with sizeLimitExceeded.
  const limit =
    sizeLimit === undefined
      ? 'unlimited'
      : `size.soft=${sizeLimit} size.hard=${sizeLimit} size.prtotal=${sizeLimit}`;
  return [
    ...[...schemas, ...(adSchema ? [join(dir, 'ad.schema')] : [])].map((s) => `include "${s}"`),
    `sizelimit ${limit}`,
    ...(tls
      ? [
          `TLSCACertificateFile "${join(dir, 'ca.pem')}"`,
          `TLSCertificateFile "${join(dir, 'server.pem')}"`,
          `TLSCertificateKeyFile "${join(dir, 'server-key.pem')}"`,
        ]
      : []),
    // Debian builds the backends as modules.
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'database mdb',
    `suffix "${BASE_DN}"`,
    `rootdn "${ADMIN_DN}"`,
    `rootpw ${adminPassword}`,
    `directory "${join(dir, 'db')}"`,
    'maxsize 1073741824',
    // Throwaway data: skipping fsync makes adds 3x faster (ldapadd of 10,000: 2.5 s, not 8 s).
    'dbnosync',
    `index objectClass,uid,mail${adSchema ? ',userPrincipalName,objectGUID' : ''} eq`,
    'access to attrs=userPassword by self write by anonymous auth by * none',
    `access to attrs=${adSchema ? 'jpegPhoto,thumbnailPhoto' : 'jpegPhoto'} by dn.exact="${SYNC_DN}" write by users read by * none`,
    'access to * by users read by * none',
    '',
  ].join('\n');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP port from listen(0)');
  return address.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Spawns slapd and waits until it accepts connections, or fails with what slapd said. */
async function spawnSlapd(dir: string, urls: string[], port: number): Promise<ChildProcess> {
  // `-d none` keeps slapd in the foreground and prints only what it always logs: errors and
  // "slapd starting". `-d 0` would hide even why it failed to start.
  const child = spawn(SLAPD, ['-d', 'none', '-h', urls.join(' '), '-f', join(dir, 'slapd.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.set(child, dir);
  child.once('exit', () => live.delete(child));
  let stderr = '';
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (spawnError) throw new Error(`could not run ${SLAPD}: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`slapd exited (${child.exitCode ?? child.signalCode}) while starting:\n${stderr}`);
    }
    if (await accepts(port)) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `slapd did not accept connections on ${urls[0]} within ${START_TIMEOUT_MS} ms:\n${stderr}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function values(value: LdapValue): string[] | Buffer[] {
  if (typeof value === 'string') return [value];
  if (Buffer.isBuffer(value)) return [value];
  return value;
}

const toAttributes = (attributes: LdapAttributes) =>
  Object.entries(attributes).map(([type, value]) => new Attribute({ type, values: values(value) }));

function toChanges(changes: LdapChanges): Change[] {
  const of = (operation: 'add' | 'replace', attributes: LdapAttributes = {}) =>
    toAttributes(attributes).map((modification) => new Change({ operation, modification }));
  return [
    ...of('replace', changes.replace),
    ...of('add', changes.add),
    ...(changes.delete ?? []).map(
      (type) => new Change({ operation: 'delete', modification: new Attribute({ type }) }),
    ),
  ];
}

/**
 * Starts a fresh slapd; `sizeLimit` caps every search (paged or not) by anyone but the admin;
 * `adSchema: false` leaves out the Active Directory stand-in (a plain OpenLDAP, jpegPhoto only).
 */
export async function startSlapd(
  options: { tls?: boolean; sizeLimit?: number; adSchema?: boolean } = {},
): Promise<Slapd> {
  const tls = options.tls ?? false;
  const dir = await mkdtemp(join(tmpdir(), 'portrait-slapd-'));
  const adminPassword = `admin-${randomBytes(6).toString('hex')}`;
  const syncPassword = `sync-${randomBytes(6).toString('hex')}`;
  let child: ChildProcess | undefined;
  let admin: Client | undefined;
  try {
    const conf = join(dir, 'slapd.conf');
    await writeFile(join(dir, 'ad.schema'), AD_SCHEMA);
    await writeFile(
      conf,
      slapdConf({
        dir,
        adminPassword,
        sizeLimit: options.sizeLimit,
        tls,
        adSchema: options.adSchema ?? true,
      }),
    );
    // An EC P-256 key is fine: Debian's slapd is built with GnuTLS.
    const material = tls ? await ephemeralDevCertificate(['localhost', '127.0.0.1']) : undefined;
    if (material) {
      await writeFile(join(dir, 'ca.pem'), material.ca);
      await writeFile(join(dir, 'server.pem'), material.cert);
      await writeFile(join(dir, 'server-key.pem'), material.key, { mode: 0o600 });
    }
    await mkdir(join(dir, 'db'));
    const port = await freePort();
    const tlsPort = tls ? await freePort() : undefined;
    const url = `ldap://127.0.0.1:${port}`;
    const ldapsUrl = tlsPort === undefined ? undefined : `ldaps://127.0.0.1:${tlsPort}`;
    child = await spawnSlapd(dir, ldapsUrl ? [`${url}/`, `${ldapsUrl}/`] : [`${url}/`], port);
    const slapd = child;

    const clients = new Set<Client>();
    const newClient = async (as: 'admin' | 'sync' | 'anonymous' = 'admin') => {
      const client = new Client({ url, timeout: 10_000, connectTimeout: 5_000 });
      clients.add(client);
      if (as === 'admin') await client.bind(ADMIN_DN, adminPassword);
      if (as === 'sync') await client.bind(SYNC_DN, syncPassword);
      return client;
    };
    const bound = await newClient('admin');
    admin = bound;
    const add = (dn: string, attributes: LdapAttributes) => bound.add(dn, toAttributes(attributes));

    await add(BASE_DN, { objectClass: ['dcObject', 'organization'], dc: 'example', o: 'Example' });
    await add(PEOPLE_DN, { objectClass: 'organizationalUnit', ou: 'people' });
    await add(SYNC_DN, {
      objectClass: ['organizationalRole', 'simpleSecurityObject'],
      cn: 'sync',
      userPassword: syncPassword,
    });

    let stopped: Promise<void> | undefined;
    const stop = async () => {
      // Unbind while slapd still answers: after the server has gone, ldapts's unbind() on a
      // StartTLS connection never settles unless the client was given a `timeout`.
      await Promise.all([...clients].map((client) => client.unbind().catch(() => undefined)));
      if (slapd.exitCode === null && slapd.signalCode === null) {
        slapd.kill('SIGTERM');
        const timer = setTimeout(() => slapd.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited(slapd);
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    };

    return {
      url,
      ...(ldapsUrl ? { ldapsUrl } : {}),
      ...(material ? { caPem: material.ca, caFile: join(dir, 'ca.pem') } : {}),
      baseDn: BASE_DN,
      peopleDn: PEOPLE_DN,
      adminDn: ADMIN_DN,
      adminPassword,
      syncDn: SYNC_DN,
      syncPassword,
      pid: slapd.pid ?? -1,
      running: () => slapd.exitCode === null && slapd.signalCode === null,
      client: newClient,
      add,
      modify: (dn, changes) => bound.modify(dn, toChanges(changes)),
      remove: (dn) => bound.del(dn),
      rename: async (dn, newRdn) => {
        // ldapts reads a comma in the new name as "move under"; an RDN alone keeps the parent.
        await bound.modifyDN(dn, newRdn);
        return `${newRdn},${dn.slice(dn.search(/[^\\],/) + 2)}`;
      },
      search: async (base, filter = '(objectClass=*)', attributes = ['*']) => {
        const { searchEntries } = await bound.search(base, {
          scope: 'sub',
          filter,
          attributes,
          explicitBufferAttributes: BINARY_ATTRIBUTES,
        });
        // ldapts fills every requested name that did not come back (the wildcards too) with [];
        // a search never returns an attribute without values, so drop them: absent is undefined.
        for (const entry of searchEntries) {
          for (const [name, value] of Object.entries(entry)) {
            if (Array.isArray(value) && value.length === 0) delete entry[name];
          }
        }
        return searchEntries;
      },
      addPeople: async (count, make) => {
        const entries = Array.from({ length: count }, (_, i) => make(i));
        let next = 0;
        const worker = async () => {
          while (next < entries.length) {
            const entry = entries[next++]!;
            await add(entry.dn, entry.attributes);
          }
        };
        await Promise.all(Array.from({ length: Math.min(ADD_WINDOW, count) }, worker));
        return entries;
      },
      stop: () => {
        stopped ??= stop();
        return stopped;
      },
    };
  } catch (error) {
    await admin?.unbind().catch(() => undefined);
    if (child) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** An inetOrgPerson under ou=people, named by uid; other fields become attributes as given. */
export function inetOrgPerson(
  uid: string,
  fields: {
    cn: string;
    sn: string;
    mail?: string;
    jpegPhoto?: Buffer;
    [attribute: string]: LdapValue | undefined;
  },
  parentDn = PEOPLE_DN,
): LdapEntry {
  const attributes: LdapAttributes = { objectClass: ['inetOrgPerson'], uid };
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) attributes[name] = value;
  return { dn: `uid=${uid},${parentDn}`, attributes };
}

/**
 * A person as Active Directory would show one: inetOrgPerson plus adUser, a random 16-byte
 * objectGUID and a userPrincipalName (default uid@example.org). Photos go in thumbnailPhoto.
 */
export function adPerson(
  uid: string,
  fields: {
    cn: string;
    sn: string;
    userPrincipalName?: string;
    objectGUID?: Buffer;
    thumbnailPhoto?: Buffer;
    [attribute: string]: LdapValue | undefined;
  },
  parentDn = PEOPLE_DN,
): LdapEntry {
  const entry = inetOrgPerson(
    uid,
    { userPrincipalName: `${uid}@example.org`, objectGUID: randomBytes(16), ...fields },
    parentDn,
  );
  entry.attributes['objectClass'] = ['inetOrgPerson', 'adUser'];
  return entry;
}
