// `portrait directory sync` and the server's periodic sync (SPEC §13): people and photos from an
// LDAP directory or Active Directory into a tenant, and photos changed in Portrait back.
//
// It reads first, then writes. Reading: every entry the filter matches, a page at a time, each
// reduced to its anchor (entryUUID or objectGUID), its mapped properties and its photo's SHA-256;
// a photo's bytes are kept only when they differ from what the last sync saw, within a memory
// budget (beyond it they are read again by DN when needed). A failure while reading — a refused
// bind, a wrong base DN or filter, a search the server cut short — changes nothing. Writing goes
// through the directory and photo services, one entry at a time, photos a few at once; each step
// leaves the store consistent, so a failure in the middle is finished by the next run.
//
// The links (store/directory-link-store.ts) remember, per anchor, the user it became, whether the
// sync made that user, the SHA-256 of the directory's photo and the ETag of Portrait's at the last
// sync. The directory's photo is imported only when its bytes changed; a photo uploaded in Portrait
// since stays until then, and with --write-photos goes back to the entry, whose bytes are then
// remembered so they are not imported again.
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { nameBasedGuid } from '../auth/token-issuer.js';
import type { User, UserFields } from '../domain/directory.js';
import {
  type LdapSource,
  SYNCED_USER_PROPERTIES,
  type SyncedUserProperty,
  type Tenant,
} from '../domain/tenant.js';
import { jpegWithin } from '../image/directory-photo.js';
import { checkLdapFilter, DEFAULT_ATTRIBUTES, DEFAULT_LDAP_FILTER } from '../services/ldap-settings.js';
import {
  MAX_PHOTO_BYTES,
  type PhotoServiceDeps,
  replacePhoto,
  sourceHash,
} from '../services/photo-service.js';
import {
  changedFields,
  checkUserInput,
  createUser,
  createUsers,
  deleteUser,
  updateUser,
} from '../services/users.js';
import type { DirectoryLink, LinkedUser } from '../store/directory-link-store.js';
import type { Store } from '../store/store.js';
import { DirectorySyncError, LdapDirectory, type RawEntry } from './ldap-directory.js';
import { messageOf } from '../errors.js';

/** SPEC §13's `--json`. */
export interface SyncReport {
  users: { created: number; updated: number; unchanged: number; deleted: number };
  photos: { imported: number; unchanged: number; removed: number; written: number; failed: number };
  failures: { dn: string; error: string }[];
}

export interface SyncOptions {
  dryRun?: boolean;
  /** Photos processed at once (the pipeline's work); the machine's cores by default. */
  concurrency?: number;
  /** Where the bind password's variable is read. */
  env?: NodeJS.ProcessEnv;
  /** Photo bytes kept from the search, at most; more are read again by DN when needed. */
  photoMemoryBytes?: number;
  /** After each entry written: entries done, entries in all. */
  onProgress?: (done: number, total: number) => void;
  /** Stops the sync after the entry it is at (the server closing); what was done stays. */
  signal?: AbortSignal;
}

const DEFAULT_PHOTO_MEMORY = 256 * 1024 * 1024;

/** Links saved per transaction. */
const LINK_BATCH = 500;

/** The side of the photo written back, to any attribute: Active Directory's thumbnail size. */
const WRITE_BACK_SIDE = 96;

/** The directory an entry is in, as links remember it: the base DN, spaces and case aside. */
export const sourceName = (source: LdapSource) => source.baseDn.replace(/\s*([,=+])\s*/g, '$1').toLowerCase();

/** Active Directory's objectGUID is a little-endian GUID: its first three groups are byte-reversed. */
function guidOf(bytes: Buffer): string {
  const hex = (from: number, to: number, reverse = false) => {
    const part = [...bytes.subarray(from, to)];
    return (reverse ? part.reverse() : part).map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10)}-${hex(10, 16)}`;
}

/** One entry, read: its anchor, the properties it gives, its photo's hash (and bytes when needed). */
interface ReadEntry {
  dn: string;
  anchor: string;
  fields: Partial<Record<SyncedUserProperty, string | null>>;
  /** Active Directory's userAccountControl without ACCOUNTDISABLE; undefined where there is none. */
  accountEnabled?: boolean;
  photoSha256: string | null;
  /** The bytes, when they may be imported and fitted in the budget; otherwise read again. */
  photo?: Buffer;
}

/** The attributes read, and which properties come from which (the first one present). */
interface Reading {
  attributes: string[];
  binary: string[];
  sources: [SyncedUserProperty, string[]][];
  anchors: string[];
  photoAttribute: string;
}

function readingOf(source: LdapSource, photoAttribute: string): Reading {
  const sources = SYNCED_USER_PROPERTIES.flatMap((property): [SyncedUserProperty, string[]][] => {
    const mapped = source.map[property];
    if (mapped === '') return [];
    return [[property, mapped ? [mapped] : [...DEFAULT_ATTRIBUTES[property]]]];
  });
  const anchors = source.anchor ? [source.anchor] : ['objectGUID', 'entryUUID'];
  const binary = [...anchors, photoAttribute];
  return {
    attributes: [...new Set([...sources.flatMap(([, names]) => names), USER_ACCOUNT_CONTROL, ...binary])],
    binary,
    sources,
    anchors,
    photoAttribute,
  };
}

const first = (entry: RawEntry, name: string) => entry.attributes.get(name.toLowerCase())?.[0];

/** Active Directory's account flags; ACCOUNTDISABLE (2) is a disabled account. */
const USER_ACCOUNT_CONTROL = 'userAccountControl';
const ACCOUNTDISABLE = 2;

function accountEnabledOf(entry: RawEntry): boolean | undefined {
  const flags = Number(first(entry, USER_ACCOUNT_CONTROL));
  return Number.isInteger(flags) ? (flags & ACCOUNTDISABLE) === 0 : undefined;
}

function anchorOf(entry: RawEntry, names: string[]): string | undefined {
  for (const name of names) {
    const value = first(entry, name);
    if (value === undefined) continue;
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value);
    if (name.toLowerCase() === 'objectguid' && bytes.length === 16) return guidOf(bytes);
    const text = bytes.toString('utf8');
    // entryUUID and other text anchors as text (GUIDs in lower case); other bytes in hex.
    if (Buffer.from(text, 'utf8').equals(bytes) && /^[\x20-\x7e]+$/.test(text)) {
      return /^[0-9a-f-]{36}$/i.test(text) ? text.toLowerCase() : text;
    }
    return bytes.toString('hex');
  }
  return undefined;
}

function fieldsOf(entry: RawEntry, reading: Reading): ReadEntry['fields'] {
  const fields: ReadEntry['fields'] = {};
  for (const [property, names] of reading.sources) {
    const value = names
      .map((name) => first(entry, name))
      .find((v) => v !== undefined && String(v).trim() !== '');
    fields[property] = value === undefined ? null : String(value).trim();
  }
  return fields;
}

/** The user's properties an entry gives, checked as any create or update is; or why not. */
function userFieldsOf(
  entry: ReadEntry,
): Partial<UserFields> & { userPrincipalName: string; displayName: string } {
  const { userPrincipalName, displayName, ...rest } = entry.fields;
  if (!userPrincipalName) throw new Error('it has no userPrincipalName or mail to name the user by');
  if (!displayName) throw new Error('it has no displayName or cn');
  const fields = {
    userPrincipalName,
    displayName,
    ...rest,
    ...(entry.accountEnabled === undefined ? {} : { accountEnabled: entry.accountEnabled }),
  };
  checkUserInput(fields);
  return fields;
}

const emptyReport = (): SyncReport => ({
  users: { created: 0, updated: 0, unchanged: 0, deleted: 0 },
  photos: { imported: 0, unchanged: 0, removed: 0, written: 0, failed: 0 },
  failures: [],
});

/**
 * Reads every entry, keeping photo bytes only where they may be imported. Throws
 * DirectorySyncError (nothing changed) when the search fails.
 */
async function readEntries(
  ldap: LdapDirectory,
  source: LdapSource,
  reading: Reading,
  links: Map<string, LinkedUser>,
  budget: number,
  failures: SyncReport['failures'],
): Promise<ReadEntry[]> {
  const entries: ReadEntry[] = [];
  const seen = new Map<string, string>();
  let kept = 0;
  for await (const page of ldap.entries(
    source.filter ?? DEFAULT_LDAP_FILTER,
    reading.attributes,
    reading.binary,
  )) {
    for (const raw of page) {
      const anchor = anchorOf(raw, reading.anchors);
      if (!anchor) {
        failures.push({ dn: raw.dn, error: `it has no ${reading.anchors.join(' or ')} to anchor it` });
        continue;
      }
      const twin = seen.get(anchor);
      if (twin) {
        failures.push({ dn: raw.dn, error: `its ${reading.anchors.join('/')} is also ${twin}'s` });
        continue;
      }
      seen.set(anchor, raw.dn);
      const photoValue = first(raw, reading.photoAttribute);
      const photo =
        photoValue === undefined
          ? undefined
          : Buffer.isBuffer(photoValue)
            ? photoValue
            : Buffer.from(photoValue);
      const photoSha256 = photo && photo.length > 0 ? sourceHash(photo) : null;
      const accountEnabled = accountEnabledOf(raw);
      const entry: ReadEntry = {
        dn: raw.dn,
        anchor,
        fields: fieldsOf(raw, reading),
        ...(accountEnabled === undefined ? {} : { accountEnabled }),
        photoSha256,
      };
      const link = links.get(anchor);
      const known = photoSha256 === link?.directoryPhotoSha256 || photoSha256 === link?.writtenPhotoSha256;
      if (photo && photoSha256 && !known && kept + photo.length <= budget) {
        entry.photo = photo;
        kept += photo.length;
      }
      entries.push(entry);
    }
  }
  return entries;
}

/** An entry and its user as the sync left it (null in a dry run, for a user not made). */
interface Synced {
  entry: ReadEntry;
  user: User | null;
  link: DirectoryLink;
  currentPhotoEtag: string | null;
}

/** A user to be made for an entry, with the link that will name it. */
interface NewUserOf {
  entry: ReadEntry;
  fields: ReturnType<typeof userFieldsOf>;
  link: DirectoryLink;
}

/** New users made per transaction. */
const USER_BATCH = 200;

/** What one sync does, with everything it needs at hand. */
class Sync {
  readonly report = emptyReport();
  private readonly byUser = new Map<string, LinkedUser>();
  private readonly photoJobs: Promise<void>[] = [];
  private readonly limit;

  constructor(
    private readonly store: Store,
    private readonly photos: PhotoServiceDeps,
    private readonly tenant: Tenant,
    private readonly source: LdapSource,
    private readonly ldap: LdapDirectory,
    private readonly reading: Reading,
    private readonly links: Map<string, LinkedUser>,
    private readonly options: SyncOptions,
  ) {
    for (const link of links.values()) this.byUser.set(link.userId, link);
    this.limit = pLimit(options.concurrency ?? availableParallelism());
  }

  private get dryRun() {
    return this.options.dryRun === true;
  }

  private fail(dn: string, error: unknown) {
    this.report.failures.push({ dn, error: messageOf(error) });
  }

  /**
   * Links are saved a batch at a time (one transaction for many, not one each). Losing a batch to
   * a crash loses nothing the next run cannot rebuild: a user is found again by the id made from
   * its anchor, and an imported photo by the SHA-256 it was made from.
   */
  private readonly pending = new Map<string, DirectoryLink>();

  private async saveLink(link: DirectoryLink) {
    if (this.dryRun) return;
    this.pending.set(link.anchor, link);
    if (this.pending.size >= LINK_BATCH) await this.flushLinks();
  }

  async flushLinks(): Promise<void> {
    const links = [...this.pending.values()];
    this.pending.clear();
    await this.store.directoryLinks.saveLinks(this.tenant.id, links);
  }

  /** The user with the entry's properties (changed only where they differ), counted. */
  private async upToDate(user: User, fields: Partial<UserFields>): Promise<User> {
    const changed = changedFields(user, fields);
    const touched = Object.keys(changed).length > 0;
    this.report.users[touched ? 'updated' : 'unchanged']++;
    return touched && !this.dryRun ? updateUser(this.store.directory, user, changed) : user;
  }

  /**
   * The entry's user, brought up to date; or, for a user to be made, what `create` needs; or
   * undefined when it cannot be (a failure, reported).
   */
  async user(entry: ReadEntry): Promise<Synced | { create: NewUserOf } | undefined> {
    const { report, store, tenant } = this;
    let fields: ReturnType<typeof userFieldsOf>;
    try {
      fields = userFieldsOf(entry);
    } catch (error) {
      this.fail(entry.dn, error);
      return undefined;
    }
    const source = sourceName(this.source);
    const linked = this.links.get(entry.anchor);
    try {
      if (linked?.user) {
        const user = await this.upToDate(linked.user, fields);
        const link = { ...linked, dn: entry.dn, source };
        if (linked.dn !== entry.dn || linked.source !== source) await this.saveLink(link);
        return { entry, user, link, currentPhotoEtag: linked.currentPhotoEtag };
      }
      const madeId = nameBasedGuid('directory sync', tenant.id, entry.anchor);
      if (!linked) {
        const existing =
          (await store.directory.findUser(tenant.id, fields.userPrincipalName)) ??
          (await store.directory.findUser(tenant.id, madeId));
        if (existing) {
          const other = this.byUser.get(existing.id);
          if (other) throw new Error(`${fields.userPrincipalName} is already the user of ${other.dn}`);
          const user = await this.upToDate(existing, fields);
          const link: DirectoryLink = {
            anchor: entry.anchor,
            userId: existing.id,
            source,
            // The id made from the anchor: this sync made the user, and its link was lost.
            createdBySync: existing.id === madeId,
            dn: entry.dn,
            directoryPhotoSha256: null,
            writtenPhotoSha256: null,
            photoEtag: null,
          };
          await this.saveLink(link);
          this.byUser.set(existing.id, { ...link, user, currentPhotoEtag: null });
          const set = await store.photos.readPhotoSet(tenant.id, existing.id);
          return { entry, user, link, currentPhotoEtag: set?.etag ?? null };
        }
      }
      // A new user, with an id made from the anchor; or one deleted in Portrait whose entry is
      // still there, made again with the id it had.
      const link: DirectoryLink = {
        anchor: entry.anchor,
        userId: linked?.userId ?? madeId,
        source,
        createdBySync: true,
        dn: entry.dn,
        directoryPhotoSha256: null,
        writtenPhotoSha256: null,
        photoEtag: null,
      };
      report.users.created++;
      return { create: { entry, fields, link } };
    } catch (error) {
      this.fail(entry.dn, error);
      return undefined;
    }
  }

  /**
   * Makes the users `user` left to be made, in one transaction (on PostgreSQL each is otherwise a
   * transaction of ~5 ms); when one of them cannot be made, each on its own, to say which.
   */
  async create(batch: readonly NewUserOf[]): Promise<Synced[]> {
    if (batch.length === 0) return [];
    if (this.dryRun)
      return batch.map(({ entry, link }) => ({ entry, user: null, link, currentPhotoEtag: null }));
    const { directory } = this.store;
    const inputs = batch.map(({ fields, link }) => ({ ...fields, id: link.userId }));
    let users: (User | undefined)[];
    try {
      users = await createUsers(directory, this.tenant.id, inputs);
    } catch {
      users = [];
      for (const [i, { entry, fields }] of batch.entries()) {
        users.push(
          await createUser(directory, this.tenant.id, inputs[i]!).catch((error: unknown) => {
            this.report.users.created--;
            // The id is the sync's own (made from the anchor): the name is what is taken.
            const taken = /already exists/.test(messageOf(error));
            this.fail(
              entry.dn,
              taken ? `its userPrincipalName ${fields.userPrincipalName} is another user's` : error,
            );
            return undefined;
          }),
        );
      }
    }
    const made: Synced[] = [];
    for (const [i, { entry, link }] of batch.entries()) {
      const user = users[i];
      if (!user) continue;
      await this.saveLink(link);
      this.byUser.set(user.id, { ...link, user, currentPhotoEtag: null });
      made.push({ entry, user, link, currentPhotoEtag: null });
    }
    return made;
  }

  /** Queues the entry's photo step: import, removal, write-back, or nothing. */
  photo({ entry, user, link, currentPhotoEtag }: Synced): void {
    const directoryHas = entry.photoSha256;
    const ours = directoryHas !== null && directoryHas === link.writtenPhotoSha256;
    const directoryChanged = directoryHas !== link.directoryPhotoSha256 && !ours;
    // A link made now has no Portrait photo of the last sync: what the user has counts as new.
    const portraitChanged = currentPhotoEtag !== link.photoEtag;
    const writeBack = this.source.writePhotos;
    const step = async (): Promise<void> => {
      if (directoryChanged && directoryHas) return this.importPhoto(entry, user, link);
      if (directoryChanged && !portraitChanged && currentPhotoEtag)
        return this.removePhoto(user, link, currentPhotoEtag);
      if (portraitChanged && writeBack && user)
        return this.writePhoto(entry, user, link, currentPhotoEtag, writeBack);
      if (directoryHas) this.report.photos.unchanged++;
      // Remember what the directory holds now (its photo removed, or what was written confirmed).
      if (directoryChanged || ours) {
        await this.saveLink({ ...link, directoryPhotoSha256: directoryHas, writtenPhotoSha256: null });
      }
    };
    this.photoJobs.push(
      this.limit(() =>
        step().catch((error: unknown) => {
          this.report.photos.failed++;
          this.fail(entry.dn, `photo: ${messageOf(error)}`);
        }),
      ),
    );
  }

  private async importPhoto(entry: ReadEntry, user: User | null, link: DirectoryLink) {
    if (this.dryRun || !user) {
      this.report.photos.imported++;
      return;
    }
    let bytes = entry.photo;
    if (!bytes) {
      const again = await this.ldap.entry(
        entry.dn,
        [this.reading.photoAttribute],
        [this.reading.photoAttribute],
      );
      const value = again && first(again, this.reading.photoAttribute);
      bytes = Buffer.isBuffer(value) ? value : undefined;
      if (!bytes || sourceHash(bytes) !== entry.photoSha256)
        throw new Error('the photo changed while the sync ran; the next run imports it');
    }
    if (bytes.length > MAX_PHOTO_BYTES) {
      throw new Error(`it is ${bytes.length} bytes; a photo is at most ${MAX_PHOTO_BYTES} (4 MiB)`);
    }
    const owner = { tenantId: this.tenant.id, photoOwnerId: user.id };
    // The same bytes already made the user's photo (a run stopped before it saved the link).
    const current = await this.store.photos.readPhotoSet(owner.tenantId, owner.photoOwnerId);
    const set =
      current?.sourceSha256 === entry.photoSha256
        ? current
        : await replacePhoto(this.photos, owner, bytes, { sourceSha256: entry.photoSha256! });
    entry.photo = undefined;
    await this.saveLink({
      ...link,
      directoryPhotoSha256: entry.photoSha256,
      writtenPhotoSha256: null,
      photoEtag: set.etag,
    });
    this.report.photos.imported++;
  }

  private async removePhoto(user: User | null, link: DirectoryLink, etag: string) {
    if (this.dryRun || !user) {
      this.report.photos.removed++;
      return;
    }
    // Only the synced photo: one the person uploads meanwhile stays (PreconditionError: a failure
    // of this entry now, and the next run sees the upload).
    await this.store.photos.deletePhotoSet(this.tenant.id, user.id, { ifMatch: [etag] });
    await this.saveLink({ ...link, directoryPhotoSha256: null, writtenPhotoSha256: null, photoEtag: null });
    this.report.photos.removed++;
  }

  private async writePhoto(
    entry: ReadEntry,
    user: User,
    link: DirectoryLink,
    etag: string | null,
    attribute: string,
  ) {
    if (this.dryRun) {
      this.report.photos.written++;
      return;
    }
    let bytes: Buffer | null = null;
    if (etag) {
      const set = await this.store.photos.readPhotoSet(this.tenant.id, user.id);
      if (!set || set.etag !== etag)
        throw new Error('the photo changed while the sync ran; the next run writes it');
      const fitting = set.variants.filter((v) => v.width <= WRITE_BACK_SIDE);
      const variant = fitting.at(-1) ?? set.variants[0]!;
      const stored = await this.store.photos.readVariant(this.tenant.id, user.id, variant.sizeId);
      if (!stored) throw new Error('the photo changed while the sync ran; the next run writes it');
      bytes = await jpegWithin(stored.bytes);
    }
    const written = bytes && sourceHash(bytes);
    // Said before it is written: if the write is cut off, the next run still knows these bytes.
    await this.saveLink({ ...link, writtenPhotoSha256: written });
    await this.flushLinks();
    await this.ldap.writePhoto(entry.dn, attribute, bytes);
    await this.saveLink({
      ...link,
      directoryPhotoSha256: written,
      writtenPhotoSha256: null,
      photoEtag: etag,
    });
    this.report.photos.written++;
  }

  /** Waits for the queued photo steps. */
  async photosDone(): Promise<void> {
    await Promise.all(this.photoJobs);
  }

  /** Users this source made whose entries are gone, with their photos; never anyone else. */
  async deleteMissing(seen: Set<string>, anyFound: boolean): Promise<void> {
    const source = sourceName(this.source);
    const gone = [...this.links.values()].filter(
      (link) => link.source === source && link.createdBySync && !seen.has(link.anchor),
    );
    if (gone.length === 0) return;
    if (!anyFound) {
      this.fail(
        this.source.baseDn,
        `the search found no entries at all, so --delete-missing deleted none of the ${gone.length} users it would have; check --base-dn and --filter`,
      );
      return;
    }
    for (const link of gone) {
      try {
        if (!this.dryRun) {
          if (link.user) await deleteUser(this.store.directory, link.user);
          await this.store.directoryLinks.deleteLink(this.tenant.id, link.anchor);
        }
        if (link.user) this.report.users.deleted++;
      } catch (error) {
        this.fail(link.dn, error);
      }
    }
  }
}

/**
 * Syncs the tenant with the directory once. Throws DirectorySyncError, having changed nothing, when
 * the directory cannot be read; anything else that fails is in the report's failures.
 */
export async function syncDirectory(
  store: Store,
  photos: PhotoServiceDeps,
  tenant: Tenant,
  source: LdapSource,
  options: SyncOptions = {},
): Promise<SyncReport> {
  const filter = source.filter ?? DEFAULT_LDAP_FILTER;
  try {
    checkLdapFilter(filter);
  } catch (error) {
    throw new DirectorySyncError((error as Error).message);
  }
  const ldap = await LdapDirectory.connect(source, options.env);
  try {
    const photoAttribute = source.photoAttribute ?? (await ldap.detectPhotoAttribute());
    const reading = readingOf(source, photoAttribute);
    const links = new Map(
      (await store.directoryLinks.listLinks(tenant.id)).map((link) => [link.anchor, link]),
    );
    const sync = new Sync(store, photos, tenant, source, ldap, reading, links, options);
    const entries = await readEntries(
      ldap,
      source,
      reading,
      links,
      options.photoMemoryBytes ?? DEFAULT_PHOTO_MEMORY,
      sync.report.failures,
    );
    let done = 0;
    options.onProgress?.(0, entries.length);
    let creating: NewUserOf[] = [];
    const makeUsers = async () => {
      for (const made of await sync.create(creating)) sync.photo(made);
      creating = [];
    };
    try {
      for (const entry of entries) {
        if (options.signal?.aborted) {
          await makeUsers();
          throw new DirectorySyncError(
            `stopped after ${done} of ${entries.length} entries; the next run finishes the rest`,
          );
        }
        const result = await sync.user(entry);
        if (result && 'create' in result) creating.push(result.create);
        else if (result) sync.photo(result);
        if (creating.length >= USER_BATCH) await makeUsers();
        options.onProgress?.(++done, entries.length);
      }
      await makeUsers();
    } finally {
      // What was done is remembered, however the loop ended.
      await sync.photosDone();
      await sync.flushLinks();
    }
    if (source.deleteMissing)
      await sync.deleteMissing(new Set(entries.map((e) => e.anchor)), entries.length > 0);
    sync.report.failures.sort((a, b) => a.dn.localeCompare(b.dn));
    return sync.report;
  } finally {
    await ldap.close();
  }
}

/** Why a sync did not run: another one of the tenant runs now (this process or another). */
export class SyncRunningError extends DirectorySyncError {}

/**
 * One sync of the tenant, alone (no other sync of it runs meanwhile on this store, in any process),
 * remembered with its report or error for `every` and for `portrait directory status`. With
 * `onlyIfDueSeconds`, it runs only when the last one started at least that long ago (checked
 * under the lock, so of several nodes one runs it) and answers undefined otherwise.
 */
export async function runDirectorySync(
  store: Store,
  photos: PhotoServiceDeps,
  tenant: Tenant,
  source: LdapSource,
  options: SyncOptions & { onlyIfDueSeconds?: number } = {},
): Promise<SyncReport | undefined> {
  const links = store.directoryLinks;
  const due = async () => {
    if (options.onlyIfDueSeconds === undefined) return true;
    const last = await links.lastSync(tenant.id);
    return !last || Date.parse(last.startedAt) + options.onlyIfDueSeconds * 1000 <= Date.now();
  };
  // Asked before the lock too: serve asks every few seconds, and taking the lock costs a
  // PostgreSQL connection or a SQLite write. Asked again under it, where another node may just
  // have run the sync.
  if (!(await due())) return undefined;
  const outcome = await links.exclusively(tenant.id, async () => {
    if (!(await due())) return undefined;
    const startedAt = new Date().toISOString();
    const record = (result: unknown) =>
      options.dryRun
        ? undefined
        : links.recordSync(tenant.id, { startedAt, finishedAt: new Date().toISOString(), result });
    try {
      const report = await syncDirectory(store, photos, tenant, source, options);
      await record(report);
      return report;
    } catch (error) {
      await record({ error: messageOf(error) });
      throw error;
    }
  });
  if (!outcome.ran) {
    if (options.onlyIfDueSeconds !== undefined) return undefined;
    throw new SyncRunningError(
      `another sync of tenant ${tenant.name} is running now; try again when it has finished`,
    );
  }
  return outcome.value;
}

export { DirectorySyncError };
