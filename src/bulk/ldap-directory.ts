// One connection to an LDAP server or Active Directory for a sync (SPEC §13), with ldapts: TLS
// (ldaps://, or StartTLS on ldap://, against a private CA when given), a simple bind, the photo
// attribute the server's schema offers, entries read in pages (RFC 2696) and photos written back.
// Every way it can fail before the sync changes anything is one DirectorySyncError line that says
// which: the server cannot be reached, TLS failed, the bind was refused, the base DN or the filter
// is wrong, or the server cut the search short.
import { readFileSync } from 'node:fs';
import {
  AdminLimitExceededError,
  Attribute,
  Change,
  Client,
  type Entry,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchAttributeError,
  NoSuchObjectError,
  SizeLimitExceededError,
  TimeLimitExceededError,
} from 'ldapts';
import type { LdapSource } from '../domain/tenant.js';
import { messageOf } from '../errors.js';

/** The sync cannot go on: one line for the person who runs it (exit 1), nothing was changed. */
export class DirectorySyncError extends Error {}

/** Entries per page of a search. Active Directory answers at most 1,000 (its MaxPageSize). */
const PAGE_SIZE = 500;
const CONNECT_TIMEOUT_MS = 10_000;
/** Each request (a page, a bind, a write) must be answered within this. */
const REQUEST_TIMEOUT_MS = 60_000;

/** An entry as LDAP gave it: its DN and the attributes asked for, by lower-cased name. */
export interface RawEntry {
  dn: string;
  attributes: Map<string, (string | Buffer)[]>;
}

/** A failure of the network (ECONNREFUSED, ETIMEDOUT, …): LDAP's own results have number codes. */
const isNetworkError = (error: unknown) =>
  typeof (error as { code?: unknown }).code === 'string' || /timeout|closed|ECONN/i.test(messageOf(error));

/** A certificate that was not trusted, or a TLS handshake that failed. */
const isTlsError = (error: unknown) =>
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|altnames/i.test(
    `${String((error as { code?: unknown }).code ?? '')} ${messageOf(error)}`,
  );

/** What a failure of the connection means, in one line. */
function connectionFailure(source: LdapSource, error: unknown): DirectorySyncError {
  const text = messageOf(error) || String((error as { code?: unknown }).code ?? '');
  if (isTlsError(error)) {
    return new DirectorySyncError(
      `TLS with ${source.url} failed: ${text}${source.caFile ? '' : '; give the CA that signed its certificate with --ca FILE'}`,
    );
  }
  return new DirectorySyncError(`cannot reach the LDAP server at ${source.url}: ${text}`);
}

/** Why a search failed, in one line; a search cut short is a failure, so nothing is deleted on a partial result. */
function searchFailure(source: LdapSource, filter: string, error: unknown): Error {
  if (error instanceof NoSuchObjectError) {
    return new DirectorySyncError(`the base DN '${source.baseDn}' does not exist on ${source.url}`);
  }
  if (
    error instanceof SizeLimitExceededError ||
    error instanceof TimeLimitExceededError ||
    error instanceof AdminLimitExceededError
  ) {
    return new DirectorySyncError(
      `${source.url} cut the search short (${messageOf(error)}); nothing was changed — raise the server's limit for the bind DN, or narrow --filter`,
    );
  }
  if (error instanceof InsufficientAccessError) {
    return new DirectorySyncError(
      `${source.bindDn ?? 'an anonymous bind'} may not search '${source.baseDn}'`,
    );
  }
  if (/filter/i.test(messageOf(error)) || error instanceof TypeError) {
    return new DirectorySyncError(`the filter '${filter}' is not an LDAP filter: ${messageOf(error)}`);
  }
  if (isNetworkError(error)) {
    return connectionFailure(source, error);
  }
  return new DirectorySyncError(
    `the search of '${source.baseDn}' on ${source.url} failed: ${messageOf(error)}`,
  );
}

export class LdapDirectory {
  private constructor(
    private readonly client: Client,
    readonly source: LdapSource,
  ) {}

  /** Connects, upgrades with StartTLS when asked, and binds (anonymously without a bind DN). */
  static async connect(source: LdapSource, env: NodeJS.ProcessEnv = process.env): Promise<LdapDirectory> {
    let password = '';
    if (source.bindDn) {
      const value = env[source.bindPasswordEnv!];
      if (value === undefined || value === '') {
        throw new DirectorySyncError(
          `the environment variable ${source.bindPasswordEnv} holding the password of ${source.bindDn} is not set`,
        );
      }
      password = value;
    }
    let ca: string | undefined;
    if (source.caFile) {
      try {
        ca = readFileSync(source.caFile, 'utf8');
      } catch (error) {
        throw new DirectorySyncError(`cannot read the CA file ${source.caFile}: ${messageOf(error)}`);
      }
    }
    const tlsOptions = { ...(ca ? { ca: [ca] } : {}), minVersion: 'TLSv1.2' as const };
    const client = new Client({
      url: source.url,
      connectTimeout: CONNECT_TIMEOUT_MS,
      timeout: REQUEST_TIMEOUT_MS,
      // ldapts speaks TLS from the start whenever it is given TLS options: only for ldaps://.
      ...(source.url.startsWith('ldaps:') ? { tlsOptions } : {}),
      strictDN: false,
      // A server may close a connection left idle while photos are imported (Active Directory's
      // MaxConnIdleTime); a later write-back then connects and binds again. ldapts replays no
      // bind over StartTLS, which would have to be set up again first.
      autoRebind: !source.startTls,
    });
    try {
      if (source.startTls) {
        try {
          await client.startTLS(tlsOptions);
        } catch (error) {
          if (isTlsError(error) || isNetworkError(error)) throw connectionFailure(source, error);
          // A server that is there but will not speak TLS says so; that is not unreachable.
          throw new DirectorySyncError(`StartTLS with ${source.url} failed: ${messageOf(error)}`);
        }
      }
      try {
        await client.bind(source.bindDn ?? '', password);
      } catch (error) {
        if (error instanceof InvalidCredentialsError) {
          throw new DirectorySyncError(
            `${source.url} refused the bind of ${source.bindDn ?? 'an anonymous client'}: wrong bind DN or password`,
          );
        }
        if (isNetworkError(error) || /connect/i.test(messageOf(error)))
          throw connectionFailure(source, error);
        throw new DirectorySyncError(
          `${source.url} refused the bind of ${source.bindDn ?? 'an anonymous client'}: ${messageOf(error)}`,
        );
      }
    } catch (error) {
      await client.unbind().catch(() => {});
      throw error;
    }
    return new LdapDirectory(client, source);
  }

  /** `thumbnailPhoto` when the server's schema has it (Active Directory), else `jpegPhoto`. */
  async detectPhotoAttribute(): Promise<string> {
    try {
      const root = await this.client.search('', { scope: 'base', attributes: ['subschemaSubentry'] });
      const schemaDn = root.searchEntries[0]?.['subschemaSubentry'];
      if (typeof schemaDn === 'string' && schemaDn) {
        const schema = await this.client.search(schemaDn, {
          scope: 'base',
          filter: '(objectClass=subschema)',
          attributes: ['attributeTypes'],
        });
        const types = [schema.searchEntries[0]?.['attributeTypes'] ?? []].flat().map(String);
        if (types.some((type) => /NAME\s+(?:\(\s*)?(?:'[^']*'\s+)*'thumbnailPhoto'/i.test(type))) {
          return 'thumbnailPhoto';
        }
      }
    } catch {
      // A server that hides its schema gets the attribute every inetOrgPerson has.
    }
    return 'jpegPhoto';
  }

  /**
   * The entries under the base DN that match `filter`, a page at a time, with the attributes asked
   * for (`binary` ones as bytes). Throws DirectorySyncError if the search fails at any page.
   */
  async *entries(filter: string, attributes: string[], binary: string[]): AsyncGenerator<RawEntry[]> {
    const pages = this.client.searchPaginated(this.source.baseDn, {
      scope: 'sub',
      filter,
      attributes,
      explicitBufferAttributes: binary,
      paged: { pageSize: PAGE_SIZE },
    });
    for (;;) {
      let page: IteratorResult<{ searchEntries: Entry[] }>;
      try {
        page = await pages.next();
      } catch (error) {
        throw searchFailure(this.source, filter, error);
      }
      if (page.done) return;
      yield page.value.searchEntries.map(rawEntry);
    }
  }

  /** One entry's attributes by its DN (a photo read again when it was not kept from the search). */
  async entry(dn: string, attributes: string[], binary: string[]): Promise<RawEntry | undefined> {
    const { searchEntries } = await this.client.search(dn, {
      scope: 'base',
      attributes,
      explicitBufferAttributes: binary,
    });
    return searchEntries[0] && rawEntry(searchEntries[0]);
  }

  /** Replaces the entry's `attribute` with `bytes`, or removes it (null). */
  async writePhoto(dn: string, attribute: string, bytes: Buffer | null): Promise<void> {
    const change = new Change({
      operation: bytes ? 'replace' : 'delete',
      modification: new Attribute({ type: attribute, values: bytes ? [bytes] : [] }),
    });
    try {
      await this.client.modify(dn, change);
    } catch (error) {
      // Removing what is not there leaves the entry as asked.
      if (!bytes && error instanceof NoSuchAttributeError) return;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.client.unbind().catch(() => {});
  }
}

function rawEntry(entry: Entry): RawEntry {
  const attributes = new Map<string, (string | Buffer)[]>();
  for (const [name, value] of Object.entries(entry)) {
    if (name === 'dn') continue;
    attributes.set(name.toLowerCase(), (Array.isArray(value) ? value : [value]) as (string | Buffer)[]);
  }
  return { dn: entry.dn, attributes };
}
