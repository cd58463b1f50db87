// Table shapes as Kysely sees them: one definition for every SQL backend.
import type { Kysely } from 'kysely';

export interface TenantsTable {
  id: string;
  name: string;
  name_lower: string;
  settings: string;
  created_at: string;
}

export interface UsersTable {
  id: string;
  tenant_id: string;
  user_principal_name: string;
  upn_lower: string;
  display_name: string;
  mail: string | null;
  directory_roles: string;
  password_hash: string | null;
  created_at: string;
  /** JSON of the Graph properties that are not columns. */
  properties: string;
}

export interface GroupsTable {
  id: string;
  tenant_id: string;
  display_name: string;
  mail: string | null;
  is_team: number;
  created_at: string;
  /** JSON of the Graph properties that are not columns. */
  properties: string;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
  relation: 'owner' | 'member';
}

export interface ContactFoldersTable {
  id: string;
  tenant_id: string;
  user_id: string;
  display_name: string;
  name_lower: string;
  created_at: string;
}

export interface ContactsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  folder_id: string | null;
  display_name: string;
  email: string | null;
  created_at: string;
  /** JSON of the Graph properties that are not columns. */
  properties: string;
}

export interface PhotoSetsTable {
  tenant_id: string;
  owner_id: string;
  etag: string;
  updated_at: string;
  /** SHA-256 (hex) of the upload the set was made from; null for sets stored before it was kept. */
  source_sha256: string | null;
}

/** The avatar endpoint's index: MD5 and SHA-256 of each user's trimmed, lower-cased emails. */
export interface EmailHashesTable {
  hash: string;
  tenant_id: string;
  user_id: string;
  property: 'mail' | 'userPrincipalName';
}

export interface PhotoVariantsTable {
  tenant_id: string;
  owner_id: string;
  size_id: string;
  width: number;
  height: number;
  content_type: string;
  /** The key of the size's bytes (photo_blobs, or another PhotoBytes store): their SHA-256. */
  blob_key: string;
  byte_length: number;
}

/** Photo bytes kept in the database (`--blob-store database`): one row per distinct stored size. */
export interface PhotoBlobsTable {
  key: string;
  bytes: Buffer;
  /** When the bytes were last put (ms): bytes nothing names are collected after a grace time. */
  stored_at: number;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  created_at: string;
  retired_at: string | null;
  max_expiry: number;
}

export interface ApplicationsTable {
  id: string;
  tenant_id: string;
  app_id: string;
  display_name: string;
  name_lower: string;
  requested_roles: string;
  granted_roles: string;
  granted_scopes: string;
  redirect_uris: string;
  public_client: number;
  created_at: string;
}

export interface ClientSecretsTable {
  id: string;
  app_object_id: string;
  hash: string;
  hint: string;
  created_at: string;
  expires_at: string;
}

export interface UserConsentsTable {
  tenant_id: string;
  app_id: string;
  user_id: string;
  scopes: string;
}

export interface AuthorizationCodesTable {
  code_hash: string;
  tenant_id: string;
  app_id: string;
  user_id: string;
  scopes: string;
  redirect_uri: string;
  code_challenge: string | null;
  nonce: string | null;
  expires_at: number;
}

export interface PermissionUsageTable {
  tenant_id: string;
  app_id: string;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  permission_column: string;
  action: string;
  permission: string;
  /** bigint: PostgreSQL returns it as a string. */
  calls: number | string;
}

/** Objects put in the blob store (`--blob-store s3://…|azure://…|file:…`), one per distinct size. */
export interface BlobObjectsTable {
  key: string;
  byte_length: number;
  /** When an upload last claimed the key (ms). */
  stored_at: number;
  /** When a collector began deleting the object (ms); null while nobody is. */
  deleting: number | null;
}

export interface ThrottleCountersTable {
  key: string;
  window_start: number;
  window_end: number;
  count: number;
}

export interface DirectoryLinksTable {
  tenant_id: string;
  anchor: string;
  user_id: string;
  source: string;
  created_by_sync: number;
  dn: string;
  directory_photo_sha256: string | null;
  written_photo_sha256: string | null;
  photo_etag: string | null;
}

export interface DirectorySyncsTable {
  tenant_id: string;
  started_at: string;
  finished_at: string | null;
  result: string;
  running_until: number;
  running_holder: string | null;
}

export interface InstallationTable {
  name: string;
  value: string;
}

export interface Database {
  tenants: TenantsTable;
  users: UsersTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  contact_folders: ContactFoldersTable;
  contacts: ContactsTable;
  photo_sets: PhotoSetsTable;
  photo_variants: PhotoVariantsTable;
  photo_blobs: PhotoBlobsTable;
  blob_objects: BlobObjectsTable;
  email_hashes: EmailHashesTable;
  signing_keys: SigningKeysTable;
  installation: InstallationTable;
  applications: ApplicationsTable;
  client_secrets: ClientSecretsTable;
  user_consents: UserConsentsTable;
  authorization_codes: AuthorizationCodesTable;
  permission_usage: PermissionUsageTable;
  throttle_counters: ThrottleCountersTable;
  directory_links: DirectoryLinksTable;
  directory_syncs: DirectorySyncsTable;
}

export type Db = Kysely<Database>;

/** What differs between SQL backends, kept to the few places it must. */
export interface SqlBackend {
  kind: 'sqlite' | 'postgres';
  db: Db;
  /** Column type for image bytes. */
  blobType: 'blob' | 'bytea';
  /**
   * Runs `work` in a transaction that takes the write lock up front, so concurrent writers (other
   * requests, other processes on the same store) queue instead of failing on a stale snapshot.
   */
  writeTransaction<T>(work: (trx: Db) => Promise<T>): Promise<T>;
  /** Whether another connection has committed since the last call (for the read cache). */
  changedElsewhere(): boolean;
  /**
   * PostgreSQL: runs `work` holding the session advisory lock (`key`, hash of `name`) when no other
   * session holds it; undefined (work not run) when one does. Absent on SQLite.
   */
  withTryLock?<T>(key: number, name: string, work: () => Promise<T>): Promise<{ value: T } | undefined>;
  /**
   * Runs a read-only statement now and returns its rows, when the backend can without waiting
   * (SQLite, with no transaction open on its one connection); otherwise undefined, and the read
   * goes through `db`, queued behind the transaction as Kysely queues every query.
   */
  readAtOnce?<R>(sqlText: string, parameters: readonly unknown[]): R[] | undefined;
  close(): Promise<void>;
}
