// The storage ports. Each speaks intent (replacePhotoSet, readVariant, …) and keeps its own
// transactions; backends (SQLite now, PostgreSQL later) plug in behind them via openStore().

export interface TenantSettings {
  /** An Azure AD B2C tenant: Graph does not serve user photos there, and neither does Portrait. */
  b2c: boolean;
  /**
   * What metadata GETs of a missing photo answer: `notFound` (404 ImageNotFound, what the live
   * service does) or `placeholder` (the 1X1 image/gif with an empty mediaEtag the docs show).
   */
  missingPhotoMetadata: 'notFound' | 'placeholder';
  /**
   * Browser origins allowed to call the API with this tenant's tokens (CORS): `*` for any, as
   * Graph answers, or a list of origins such as `https://app.contoso.com`.
   */
  corsOrigins: '*' | string[];
  /**
   * Whether `/avatar/{hash}` serves this tenant's users' photos to anyone (`public`), or acts as
   * if they had none (`off`, the default).
   */
  avatars: 'off' | 'public';
  /**
   * Graph beta's photoUpdateSettings: where photos are managed (`cloud`) and, when not empty, the
   * directory roles (template ids) a delegated caller needs to change a user photo.
   */
  photoUpdateSettings: { source: 'cloud'; allowedRoles: string[] };
  /** Simulated failures for client resilience tests (`--faults`); null when off. */
  faults: FaultSettings | null;
}

/** Shares (0..1) of a tenant's API requests answered with each error, and a delay for the rest. */
export interface FaultSettings {
  tooManyRequests: number;
  serviceUnavailable: number;
  gatewayTimeout: number;
  delayMs: number;
  /** What 429 and 503 tell clients to wait. */
  retryAfterSeconds: number;
  /** Makes the sequence of faults repeatable; random when null. */
  seed: number | null;
  /** When these faults were set: a seeded sequence starts again from then. */
  setAt: string;
}

export const DEFAULT_TENANT_SETTINGS: TenantSettings = {
  b2c: false,
  missingPhotoMetadata: 'notFound',
  corsOrigins: '*',
  photoUpdateSettings: { source: 'cloud', allowedRoles: [] },
  faults: null,
  avatars: 'off',
};

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
  settings: TenantSettings;
}

export interface User extends UserFields {
  id: string;
  tenantId: string;
  createdAt: string;
}

export interface Group extends GroupFields {
  id: string;
  tenantId: string;
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
  givenName: string | null;
  surname: string | null;
  emailAddress: string | null;
  createdAt: string;
}

export interface NewTenant {
  name: string;
  id?: string;
}

/** The properties of a user a caller may set (create and update). */
export interface UserFields {
  userPrincipalName: string;
  displayName: string;
  mail: string | null;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  accountEnabled: boolean;
  /** Directory role template ids; tokens minted for the user carry them as `wids`. */
  directoryRoles: string[];
}

export type NewUser = {
  tenantId: string;
  id?: string;
  userPrincipalName: string;
  displayName: string;
} & Partial<UserFields>;

export interface GroupFields {
  displayName: string;
  description: string | null;
  mail: string | null;
  mailNickname: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  /** `Unified` for Microsoft 365 groups. */
  groupTypes: string[];
  visibility: string | null;
  /** The group has a team: `/teams/{id}` reaches it, and its photo is the team's photo. */
  isTeam: boolean;
}

export type NewGroup = {
  tenantId: string;
  displayName: string;
  ownerIds?: string[];
  memberIds?: string[];
} & Partial<GroupFields>;

export interface ContactFields {
  displayName: string;
  givenName: string | null;
  surname: string | null;
  emailAddress: string | null;
}

export type NewContact = {
  tenantId: string;
  userId: string;
  folderId?: string | null;
  displayName: string;
} & Partial<ContactFields>;

export interface GroupRelation {
  owner: boolean;
  member: boolean;
}

/** The properties listings can filter and search on. */
export type ListProperty = 'displayName' | 'userPrincipalName' | 'mail';

/** `prop eq 'v'` and `startswith(prop, 'v')`, joined by one `and` or `or` ($filter, SPEC §6). */
export interface FilterClause {
  property: ListProperty;
  fn: 'eq' | 'startswith';
  value: string;
}

export interface DirectoryFilter {
  join: 'and' | 'or';
  clauses: FilterClause[];
}

/**
 * `$search="displayName:al" OR "mail:al"` (SPEC §7): a clause matches when every word of its value
 * begins a word of the property, words being split at spaces and `.`, `@`, `_`, `-`, as Graph
 * tokenizes names and addresses. Words are lower-case.
 */
export interface SearchClause {
  property: ListProperty;
  words: string[];
}

export interface DirectorySearch {
  join: 'and' | 'or';
  clauses: SearchClause[];
}

/** One page of a listing, in id order: `after` is the last id of the previous page. */
export interface ListQuery {
  filter?: DirectoryFilter;
  search?: DirectorySearch;
  top: number;
  after?: string;
  /** Also count every match, across pages (`$count=true`). */
  count?: boolean;
}

export interface Page<T> {
  items: T[];
  /** The id to continue after, when there is more. */
  next?: string;
  /** Every match, when the query asked for a count. */
  count?: number;
}

export interface DirectoryStore {
  createTenant(input: NewTenant): Promise<Tenant>;
  /** By id, or by name (any case). */
  findTenant(idOrName: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;
  updateTenantSettings(tenantId: string, settings: Partial<TenantSettings>): Promise<Tenant>;
  /** True when no tenant exists yet (a fresh store). */
  isEmpty(): Promise<boolean>;
  /** Throws DuplicateError when the userPrincipalName is taken in the tenant. */
  createUser(input: NewUser): Promise<User>;
  /** By object id, or by userPrincipalName (any case), within the tenant only. */
  findUser(tenantId: string, idOrUpn: string): Promise<User | undefined>;
  /** By mail address (any case), within the tenant only. */
  findUserByMail(tenantId: string, mail: string): Promise<User | undefined>;
  listUsers(tenantId: string, query: ListQuery): Promise<Page<User>>;
  /** Throws DuplicateError when a new userPrincipalName is taken. */
  updateUser(tenantId: string, userId: string, change: Partial<UserFields>): Promise<User>;
  /** Sets (or with null, removes) the user's sign-in password hash. */
  setPasswordHash(tenantId: string, userId: string, hash: string | null): Promise<void>;
  passwordHash(tenantId: string, userId: string): Promise<string | null>;
  /** Deletes the user with their photo, contacts (and their photos) and memberships. */
  deleteUser(tenantId: string, userId: string): Promise<boolean>;
}

export interface GroupStore {
  createGroup(input: NewGroup): Promise<Group>;
  findGroup(tenantId: string, groupId: string): Promise<Group | undefined>;
  listGroups(tenantId: string, query: ListQuery): Promise<Page<Group>>;
  updateGroup(tenantId: string, groupId: string, change: Partial<GroupFields>): Promise<Group>;
  /** Deletes the group with its photo and memberships. */
  deleteGroup(tenantId: string, groupId: string): Promise<boolean>;
  groupRelation(groupId: string, userId: string): Promise<GroupRelation>;
  /** The group's owners or members, in id order. */
  groupMembers(groupId: string, relation: 'owner' | 'member', query: ListQuery): Promise<Page<User>>;
  /** False when the user already had that relation. */
  addGroupMember(groupId: string, userId: string, relation: 'owner' | 'member'): Promise<boolean>;
  /** False when the user did not have that relation. */
  removeGroupMember(groupId: string, userId: string, relation: 'owner' | 'member'): Promise<boolean>;
  /** Groups the user is a member of. */
  joinedGroups(tenantId: string, userId: string, query: ListQuery): Promise<Page<Group>>;
}

export interface MailboxStore {
  /** The user's contact folder of that name (any case), created when missing. */
  ensureContactFolder(tenantId: string, userId: string, displayName: string): Promise<ContactFolder>;
  /** Throws DuplicateError when the user has a folder of that name. */
  createContactFolder(tenantId: string, userId: string, displayName: string): Promise<ContactFolder>;
  findContactFolder(tenantId: string, userId: string, folderId: string): Promise<ContactFolder | undefined>;
  listContactFolders(tenantId: string, userId: string): Promise<ContactFolder[]>;
  /** Deletes the folder with its contacts and their photos. */
  deleteContactFolder(tenantId: string, userId: string, folderId: string): Promise<boolean>;
  createContact(input: NewContact): Promise<Contact>;
  /** A contact of that user's mailbox, in any folder. */
  findContact(tenantId: string, userId: string, contactId: string): Promise<Contact | undefined>;
  /** Contacts of one folder; `null` is the default Contacts folder. */
  listContacts(
    tenantId: string,
    userId: string,
    folderId: string | null,
    query: ListQuery,
  ): Promise<Page<Contact>>;
  updateContact(
    tenantId: string,
    userId: string,
    contactId: string,
    change: Partial<ContactFields>,
  ): Promise<Contact>;
  /** Deletes the contact with its photo. */
  deleteContact(tenantId: string, userId: string, contactId: string): Promise<boolean>;
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
  /** SHA-256 (hex) of the upload the set was made from, when known: a re-run import skips it. */
  sourceSha256: string | null;
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

export interface ReplaceOptions extends WriteCondition {
  /** SHA-256 (hex) of the upload the variants were made from. */
  sourceSha256?: string;
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
    options?: ReplaceOptions,
  ): Promise<PhotoSetInfo>;
  /** False when there was no photo; throws PreconditionError when `ifMatch` no longer holds. */
  deletePhotoSet(tenantId: string, ownerId: string, condition?: WriteCondition): Promise<boolean>;
}

/** A user whose mail or userPrincipalName hashes to an avatar URL's hash. */
export interface AvatarCandidate {
  tenantId: string;
  userId: string;
  displayName: string;
  matchedOn: 'mail' | 'userPrincipalName';
}

export interface AvatarStore {
  /**
   * Users of every tenant whose trimmed, lower-cased mail or userPrincipalName has this MD5 or
   * SHA-256 digest (lower-case hex). The index follows every create, update and delete of a user.
   */
  findByEmailHash(hash: string): Promise<AvatarCandidate[]>;
}

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: string;
  /** Set when rotated out: still verifies tokens until they expire, never signs again. */
  retiredAt: string | null;
  /** The latest `exp` (epoch seconds) of any token signed with this key. */
  maxExpiry: number;
}

export interface KeyStore {
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  addSigningKey(record: SigningKeyRecord): Promise<void>;
  /** Makes `kid` the only active key: every other active key is retired now. */
  activateSigningKey(kid: string, retiredAt: string): Promise<void>;
  /** Raises the key's maxExpiry to `exp` when it is later. */
  noteTokenExpiry(kid: string, exp: number): Promise<void>;
  /** Deletes retired keys whose every token has expired by `now` (epoch seconds). */
  pruneSigningKeys(now: number): Promise<string[]>;
  /** An installation setting; `ifAbsent` is stored and returned when none exists (first writer wins). */
  installationSetting(name: string, ifAbsent: () => string): Promise<string>;
}

/** An app registration (SPEC §5, seed 000's "App Registration" steps). */
export interface AppRegistration {
  /** The object id of the registration. */
  id: string;
  tenantId: string;
  /** The client id (`appId` in Graph, `azp`/`appid` in tokens). */
  appId: string;
  displayName: string;
  /** Application permissions the app asks for (API permissions). */
  requestedRoles: string[];
  /** Application permissions an admin consented to: what client-credentials tokens carry. */
  grantedRoles: string[];
  /** Delegated scopes an admin consented to for every user of the tenant. */
  grantedScopes: string[];
  redirectUris: string[];
  /** A public client (SPA, native, the console) signs users in with PKCE and has no secret. */
  publicClient: boolean;
  createdAt: string;
}

export interface ClientSecretRecord {
  id: string;
  appObjectId: string;
  /** SHA-256 of the secret; the secret itself is shown once and never stored. */
  hash: string;
  /** The first characters, so an admin can tell secrets apart. */
  hint: string;
  createdAt: string;
  expiresAt: string;
}

export interface NewApp {
  tenantId: string;
  displayName: string;
  requestedRoles?: string[];
  redirectUris?: string[];
  publicClient?: boolean;
}

export interface AuthorizationCode {
  /** SHA-256 of the code handed to the client. */
  codeHash: string;
  tenantId: string;
  appId: string;
  userId: string;
  scopes: string[];
  redirectUri: string;
  codeChallenge: string | null;
  nonce: string | null;
  expiresAt: number;
}

export interface AppStore {
  createApp(input: NewApp): Promise<AppRegistration>;
  /** By client id, object id or display name (any case), within the tenant. */
  findApp(tenantId: string, key: string): Promise<AppRegistration | undefined>;
  listApps(tenantId: string): Promise<AppRegistration[]>;
  updateApp(
    tenantId: string,
    appId: string,
    change: Partial<
      Pick<AppRegistration, 'requestedRoles' | 'grantedRoles' | 'grantedScopes' | 'redirectUris'>
    >,
  ): Promise<AppRegistration>;
  deleteApp(tenantId: string, appId: string): Promise<boolean>;
  addClientSecret(record: ClientSecretRecord): Promise<void>;
  clientSecrets(appObjectId: string): Promise<ClientSecretRecord[]>;
  /** Scopes the user has consented to for the app. */
  userConsent(tenantId: string, appId: string, userId: string): Promise<string[]>;
  /** Every scope any user of the tenant has consented to for the app. */
  consentedScopes(tenantId: string, appId: string): Promise<string[]>;
  recordUserConsent(tenantId: string, appId: string, userId: string, scopes: string[]): Promise<void>;
  saveAuthorizationCode(code: AuthorizationCode): Promise<void>;
  /** Returns the code and deletes it in one step: a code is good once. */
  redeemAuthorizationCode(codeHash: string): Promise<AuthorizationCode | undefined>;
}

/** Calls of one app on one day that one permission allowed, for one action of the matrix. */
export interface PermissionUse {
  tenantId: string;
  appId: string;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  column: 'delegated' | 'personal' | 'application';
  action: string;
  permission: string;
  calls: number;
}

/** Counters of allowed calls per app, permission and day: the least-privilege report's input. */
export interface UsageStore {
  /** Adds each use's calls to its day's counter. */
  addUsage(uses: readonly PermissionUse[]): Promise<void>;
  /** Every counter of the app from `day` on (inclusive). */
  usageSince(tenantId: string, appId: string, day: string): Promise<PermissionUse[]>;
  /** Drops counters older than `day`: the store keeps a bounded history. */
  forgetUsageBefore(day: string): Promise<void>;
}

/** Requests counted in one throttling window, by one node since its last report. */
export interface CounterDelta {
  key: string;
  /** Window start, ms since the epoch. */
  windowStart: number;
  windowMs: number;
  delta: number;
}

/** A node asking for up to `want` admissions of a window whose limit is `limit`. */
export interface CounterReservation {
  key: string;
  /** Window start, ms since the epoch. */
  windowStart: number;
  windowMs: number;
  want: number;
  limit: number;
}

/**
 * Throttling counters shared by every node on one store (SPEC §8, §10): nodes reserve admissions
 * of a window, never more in all than its limit, and add or give back counts.
 */
export interface CounterStore {
  /**
   * Adds to the window's counter as many as fit under the limit, up to `want`, in one atomic step:
   * how many were granted (0 when the window is full) and the counter after.
   */
  reserve(reservation: CounterReservation): Promise<{ granted: number; total: number }>;
  /** Adds each delta (negative: given back) to its window's counter; the totals after, in order. */
  addCounts(deltas: readonly CounterDelta[]): Promise<number[]>;
  /** Drops counters of windows that ended before `now` (ms). */
  forgetCountsBefore(now: number): Promise<void>;
}

export interface Store {
  directory: DirectoryStore;
  groups: GroupStore;
  mailbox: MailboxStore;
  photos: PhotoStore;
  avatars: AvatarStore;
  keys: KeyStore;
  apps: AppStore;
  usage: UsageStore;
  /** Throttling counters every node shares; absent where one node owns the store (SQLite). */
  sharedCounters?: CounterStore;
  /** `sqlite` or `postgres`, for /readyz and logs. */
  kind: string;
  /**
   * Changes whenever a cached look-up's answer may have changed (read-cache.ts): a write here or
   * by another process. Absent on a store without the read cache.
   */
  readGeneration?(): number;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DuplicateError extends Error {
  override readonly name = 'DuplicateError';
}

export class PreconditionError extends Error {
  override readonly name = 'PreconditionError';
}
