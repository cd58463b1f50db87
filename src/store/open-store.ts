// Picks the storage backend from a database URL and checks its schema. The embedded SQLite store
// migrates itself on open (one process owns the file's lifecycle, and `npm start` must just work);
// a PostgreSQL store is shared by many nodes, so only `portrait migrate` changes its schema and a
// node on an older schema refuses to start, saying so (SPEC §1, §8).
import { resolve } from 'node:path';
import { Migrator } from 'kysely';
import { migrationProvider } from './migrations/index.js';
import type { SqlBackend } from './sql/schema.js';
import { SqlAppStore } from './sql/sql-app-store.js';
import { SqlAvatarStore } from './sql/sql-avatar-store.js';
import { SqlCounterStore } from './sql/sql-counter-store.js';
import { SqlDirectoryLinkStore } from './sql/sql-directory-link-store.js';
import { SqlDirectoryStore } from './sql/sql-directory-store.js';
import { SqlGroupStore } from './sql/sql-group-store.js';
import { SqlKeyStore } from './sql/sql-key-store.js';
import { SqlMailboxStore } from './sql/sql-mailbox-store.js';
import { collectPhotoBytes, PhotoSets, verifyPhotoBytes } from './photo-sets.js';
import type { PhotoBytes } from './photo-bytes.js';
import { openPhotoBytes, probeBlobStore } from './objects/open-blob-store.js';
import { rememberBlobStore } from './objects/remembered-blob-store.js';
import { SqlPhotoMetadata } from './sql/sql-photo-store.js';
import { SqlUsageStore } from './sql/sql-usage-store.js';
import { isPostgresUrl, openPostgresBackend, redacted } from './sql/postgres-backend.js';
import { openSqliteBackend } from './sql/sqlite-backend.js';
import { withReadCache } from './read-cache.js';
import { restoreStore, snapshotStore } from './store-snapshot.js';
import type { Store } from './store.js';

/** `--database memory`: a store in this process's memory, gone when it ends (SPEC §11). */
export const MEMORY_DATABASE = 'memory';

/** `sqlite:PATH` (relative to the working directory), `sqlite::memory:` or `memory`. */
export function sqlitePath(url: string): string | undefined {
  if (url === MEMORY_DATABASE) return ':memory:';
  if (!url.startsWith('sqlite:')) return undefined;
  const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  return path === ':memory:' ? path : resolve(path);
}

/** Opens the backend a `--database` URL names, without touching its schema. */
export async function openBackend(url: string): Promise<SqlBackend> {
  const path = sqlitePath(url);
  if (path) return openSqliteBackend(path);
  if (isPostgresUrl(url)) return openPostgresBackend(url);
  throw new TypeError(
    `--database must be memory, sqlite:PATH or postgres://user@host:5432/database, not '${url}'`,
  );
}

const migratorOf = (backend: SqlBackend) =>
  new Migrator({ db: backend.db, provider: migrationProvider(backend.blobType) });

/** Applies every migration not yet applied; returns the names applied now (none when up to date). */
export async function migrateBackend(backend: SqlBackend): Promise<string[]> {
  const { error, results = [] } = await migratorOf(backend).migrateToLatest();
  if (error) throw error;
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** `portrait migrate`: brings the schema at `url` up to date (idempotent). */
export async function migrateStore(url: string): Promise<string[]> {
  const backend = await openBackend(url);
  try {
    return await migrateBackend(backend);
  } finally {
    await backend.close();
  }
}

/** Thrown when a shared store's schema is older than this version of Portrait. */
export class SchemaOutOfDateError extends Error {
  readonly code = 'SchemaOutOfDate';
}

export async function checkSchema(backend: SqlBackend, url: string): Promise<void> {
  const pending = (await migratorOf(backend).getMigrations()).filter((m) => m.executedAt === undefined);
  if (pending.length === 0) return;
  throw new SchemaOutOfDateError(
    `the database ${redacted(url)} has an older schema than this version of Portrait ` +
      `(${pending.length} migration${pending.length === 1 ? '' : 's'} not applied: ${pending.map((m) => m.name).join(', ')}); ` +
      `run: npx portrait migrate --database ${redacted(url)}`,
  );
}

/** Where photo bytes go (SPEC §14): `--blob-store` and `--blob-timeout`. */
export interface BlobOptions {
  /** `database` (the default), `s3://…`, `azure://…` or `file:DIR`. */
  blobStore?: string;
  /** Each call to an object store fails after this long (5 s by default). */
  timeoutMs?: number;
  /**
   * Prove the blob store usable (write, read, delete) on every open: serve's start-up check (SPEC
   * §14). Every command proves it on the first open anyway, before the store takes it as its own.
   */
  probe?: boolean;
}

export const DEFAULT_BLOB_TIMEOUT_MS = 5000;

/** The PostgreSQL advisory lock the server's collection of unused photo bytes takes. */
export const COLLECT_LOCK_KEY = 0x42594753; // 'BYGS'

/** The blob options of a command's or server's configuration. */
export const blobOptions = (config: { blobStore?: string; blobTimeoutMs?: number }): BlobOptions => ({
  ...(config.blobStore ? { blobStore: config.blobStore } : {}),
  ...(config.blobTimeoutMs ? { timeoutMs: config.blobTimeoutMs } : {}),
});

export async function openStore(url: string, blobs: BlobOptions = {}): Promise<Store> {
  const backend = await openBackend(url);
  let photoBytes: PhotoBytes | undefined;
  try {
    if (backend.kind === 'sqlite') await migrateBackend(backend);
    else await checkSchema(backend, url);
    photoBytes = openPhotoBytes(backend, blobs.blobStore, blobs.timeoutMs ?? DEFAULT_BLOB_TIMEOUT_MS);
    let probed = false;
    const opened = photoBytes;
    const probe = async () => {
      if (probed) return;
      await probeBlobStore(opened, blobs.blobStore);
      probed = true;
    };
    await rememberBlobStore(backend, photoBytes.name, probe);
    if (blobs.probe) await probe();
  } catch (error) {
    await photoBytes?.close?.();
    await backend.close();
    throw error;
  }
  const bytes = photoBytes;
  const photoMetadata = new SqlPhotoMetadata(backend);
  return withReadCache(
    {
      kind: backend.kind,
      directory: new SqlDirectoryStore(backend),
      groups: new SqlGroupStore(backend),
      directoryLinks: new SqlDirectoryLinkStore(backend),
      mailbox: new SqlMailboxStore(backend),
      photos: new PhotoSets(photoMetadata, bytes),
      photoBytes: bytes,
      collectPhotoBytes: async ({ alone = false, ...options } = {}) => {
        const collect = () => collectPhotoBytes(photoMetadata, bytes, options);
        if (!alone || !backend.withTryLock) return collect();
        // One node at a time: the others find the lock taken and leave this round to it.
        const held = await backend.withTryLock(COLLECT_LOCK_KEY, 'photo bytes', collect);
        return held?.value ?? { deleted: 0, kept: 0 };
      },
      verifyPhotoBytes: (options) => verifyPhotoBytes(photoMetadata, bytes, options),
      avatars: new SqlAvatarStore(backend),
      keys: new SqlKeyStore(backend),
      apps: new SqlAppStore(backend),
      usage: new SqlUsageStore(backend),
      ...(backend.kind === 'postgres' ? { sharedCounters: new SqlCounterStore(backend) } : {}),
      snapshot: () => snapshotStore(backend),
      restore: (snapshot) => restoreStore(backend, snapshot),
      ping: async () => {
        await backend.db.selectFrom('installation').select('name').limit(1).execute();
      },
      close: async () => {
        await bytes.close?.();
        await backend.close();
      },
    },
    () => backend.changedElsewhere(),
  );
}
