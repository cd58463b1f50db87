// The directory sync's memory (SPEC §13): which Portrait user each directory entry became (by its
// anchor, entryUUID or objectGUID, so a renamed entry stays the same user), what photo the
// directory had and what Portrait had at the last sync, and when each tenant last synced.
import type { User } from '../domain/directory.js';

export interface DirectoryLink {
  /** The entry's anchor value (a GUID for entryUUID and objectGUID). */
  anchor: string;
  userId: string;
  /** The directory the entry is in (its server and base DN, as the sync names them). */
  source: string;
  /** The sync made this user (only such users are deleted by `--delete-missing`). */
  createdBySync: boolean;
  /** The entry's DN at the last sync, for messages and write-back. */
  dn: string;
  /** SHA-256 of the directory's photo at the last sync; null when it had none. */
  directoryPhotoSha256: string | null;
  /** SHA-256 of the photo being written back: the directory holding it is no change of its own. */
  writtenPhotoSha256: string | null;
  /** The ETag of the user's Portrait photo at the last sync; null when there was none. */
  photoEtag: string | null;
}

/** A link with the user it names now (null when that user was deleted) and their photo's ETag. */
export interface LinkedUser extends DirectoryLink {
  user: User | null;
  currentPhotoEtag: string | null;
}

/** What the last sync of a tenant did: when, and its report or its error. */
export interface DirectorySyncRecord {
  startedAt: string;
  finishedAt: string | null;
  /** The report (SPEC §13's JSON) or `{ "error": "…" }`. */
  result: unknown;
}

export type Exclusive<T> = { ran: true; value: T } | { ran: false };

export interface DirectoryLinkStore {
  /** Every link of the tenant with its user, in one read. */
  listLinks(tenantId: string): Promise<LinkedUser[]>;
  /** Creates or replaces the links of their anchors, in one transaction. */
  saveLinks(tenantId: string, links: readonly DirectoryLink[]): Promise<void>;
  deleteLink(tenantId: string, anchor: string): Promise<void>;
  lastSync(tenantId: string): Promise<DirectorySyncRecord | undefined>;
  recordSync(tenantId: string, record: DirectorySyncRecord): Promise<void>;
  /**
   * Runs `work` unless a sync of the tenant runs now in any process on this store (PostgreSQL: a
   * session advisory lock, released if the node dies; SQLite: a lease row, renewed while it runs).
   */
  exclusively<T>(tenantId: string, work: () => Promise<T>): Promise<Exclusive<T>>;
}
