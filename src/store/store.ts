// The storage ports. Each speaks intent (replacePhotoSet, readVariant, …) and keeps its own
// transactions; backends (SQLite now, PostgreSQL later) plug in behind them via openStore().

export interface TenantSettings {
  /**
   * What metadata GETs of a missing photo answer: `notFound` (404 ImageNotFound, what the live
   * service does) or `placeholder` (the 1X1 image/gif with an empty mediaEtag the docs show).
   */
  missingPhotoMetadata: 'notFound' | 'placeholder';
}

export const DEFAULT_TENANT_SETTINGS: TenantSettings = { missingPhotoMetadata: 'notFound' };

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
  settings: TenantSettings;
}

export interface User {
  id: string;
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
  mail: string | null;
  /** Directory role template ids; tokens minted for the user carry them as `wids`. */
  directoryRoles: string[];
  createdAt: string;
}

export interface Group {
  id: string;
  tenantId: string;
  displayName: string;
  mail: string | null;
  /** The group has a team: `/teams/{id}` reaches it, and its photo is the team's photo. */
  isTeam: boolean;
  createdAt: string;
}

export interface ContactFolder {
  id: string;
  tenantId: string;
  userId: string;
  displayName: string;
}

export interface Contact {
  id: string;
  tenantId: string;
  userId: string;
  parentFolderId: string | null;
  displayName: string;
  emailAddress: string | null;
  createdAt: string;
}

export interface NewTenant {
  name: string;
  id?: string;
}

export interface NewUser {
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
  mail?: string | null;
  directoryRoles?: string[];
  id?: string;
}

export interface NewGroup {
  tenantId: string;
  displayName: string;
  mail?: string | null;
  isTeam?: boolean;
  ownerIds?: string[];
  memberIds?: string[];
}

export interface NewContact {
  tenantId: string;
  userId: string;
  folderId?: string | null;
  displayName: string;
  emailAddress?: string | null;
}

export interface GroupRelation {
  owner: boolean;
  member: boolean;
}

export interface DirectoryStore {
  createTenant(input: NewTenant): Promise<Tenant>;
  /** By id, or by name (any case). */
  findTenant(idOrName: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;
  updateTenantSettings(tenantId: string, settings: Partial<TenantSettings>): Promise<Tenant>;
  /** Throws DuplicateError when the userPrincipalName is taken in the tenant. */
  createUser(input: NewUser): Promise<User>;
  /** By object id, or by userPrincipalName (any case), within the tenant only. */
  findUser(tenantId: string, idOrUpn: string): Promise<User | undefined>;
  /** Deletes the user with their photo, contacts (and their photos) and memberships. */
  deleteUser(tenantId: string, userId: string): Promise<boolean>;
  createGroup(input: NewGroup): Promise<Group>;
  findGroup(tenantId: string, groupId: string): Promise<Group | undefined>;
  groupRelation(groupId: string, userId: string): Promise<GroupRelation>;
  /** Deletes the group with its photo and memberships. */
  deleteGroup(tenantId: string, groupId: string): Promise<boolean>;
  /** The user's contact folder of that name (any case), created when missing. */
  ensureContactFolder(tenantId: string, userId: string, displayName: string): Promise<ContactFolder>;
  findContactFolder(tenantId: string, userId: string, folderId: string): Promise<ContactFolder | undefined>;
  createContact(input: NewContact): Promise<Contact>;
  /** A contact of that user's mailbox, in any folder. */
  findContact(tenantId: string, userId: string, contactId: string): Promise<Contact | undefined>;
  /** True when no tenant exists yet (a fresh store). */
  isEmpty(): Promise<boolean>;
}

export interface VariantInfo {
  /** `48X48` */
  sizeId: string;
  width: number;
  height: number;
  contentType: string;
  byteLength: number;
}

export interface PhotoSetInfo {
  /** 8 hex digits, new on every replace; shared by every size of the set. */
  etag: string;
  updatedAt: string;
  /** Smallest first. */
  variants: VariantInfo[];
}

export interface StoredVariant extends VariantInfo {
  etag: string;
  bytes: Buffer;
}

export interface NewVariant {
  width: number;
  height: number;
  contentType: string;
  bytes: Buffer;
}

export interface WriteCondition {
  /** The etags (unquoted) of an `If-Match` header, or `*`: the write happens only if one matches. */
  ifMatch?: readonly string[];
}

export interface PhotoStore {
  readPhotoSet(tenantId: string, ownerId: string): Promise<PhotoSetInfo | undefined>;
  /** One size with its bytes and the set's etag; the largest when `sizeId` is omitted. */
  readVariant(tenantId: string, ownerId: string, sizeId?: string): Promise<StoredVariant | undefined>;
  /**
   * Replaces the owner's whole set in one transaction: readers see the old set or the new one.
   * Throws PreconditionError when `ifMatch` no longer holds.
   */
  replacePhotoSet(
    tenantId: string,
    ownerId: string,
    variants: NewVariant[],
    condition?: WriteCondition,
  ): Promise<PhotoSetInfo>;
  /** False when there was no photo; throws PreconditionError when `ifMatch` no longer holds. */
  deletePhotoSet(tenantId: string, ownerId: string, condition?: WriteCondition): Promise<boolean>;
}

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: string;
  /** Set when rotated out: still verifies tokens until they expire, never signs again. */
  retiredAt: string | null;
}

export interface KeyStore {
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  addSigningKey(record: SigningKeyRecord): Promise<void>;
  /** An installation setting; `ifAbsent` is stored and returned when none exists (first writer wins). */
  installationSetting(name: string, ifAbsent: () => string): Promise<string>;
}

export interface Store {
  directory: DirectoryStore;
  photos: PhotoStore;
  keys: KeyStore;
  /** `sqlite` or `postgres`, for /readyz and logs. */
  kind: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DuplicateError extends Error {
  override readonly name = 'DuplicateError';
}

export class PreconditionError extends Error {
  override readonly name = 'PreconditionError';
}
