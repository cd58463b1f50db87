// Picks the storage backend from a database URL and brings its schema up to date.
import { resolve } from 'node:path';
import { Migrator } from 'kysely';
import { migrationProvider } from './migrations/index.js';
import type { SqlBackend } from './sql/schema.js';
import { SqlAppStore } from './sql/sql-app-store.js';
import { SqlAvatarStore } from './sql/sql-avatar-store.js';
import { SqlDirectoryStore } from './sql/sql-directory-store.js';
import { SqlGroupStore } from './sql/sql-group-store.js';
import { SqlKeyStore } from './sql/sql-key-store.js';
import { SqlMailboxStore } from './sql/sql-mailbox-store.js';
import { SqlPhotoStore } from './sql/sql-photo-store.js';
import { SqlUsageStore } from './sql/sql-usage-store.js';
import { openSqliteBackend } from './sql/sqlite-backend.js';
import { withReadCache } from './read-cache.js';
import type { Store } from './store.js';

/** `sqlite:PATH` (relative to the working directory) or `sqlite::memory:`. */
export function sqlitePath(url: string): string | undefined {
  if (!url.startsWith('sqlite:')) return undefined;
  const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  return path === ':memory:' ? path : resolve(path);
}

function openBackend(url: string): SqlBackend {
  const path = sqlitePath(url);
  if (path) return openSqliteBackend(path);
  if (/^postgres(ql)?:\/\//.test(url)) {
    throw new TypeError(
      'PostgreSQL storage (--database postgres://…) is not available in this version of Portrait.',
    );
  }
  throw new TypeError(`--database must be sqlite:PATH or postgres://…, not '${url}'`);
}

export async function openStore(url: string): Promise<Store> {
  const backend = openBackend(url);
  const { error } = await new Migrator({
    db: backend.db,
    provider: migrationProvider(backend.blobType),
  }).migrateToLatest();
  if (error) {
    await backend.close();
    throw error;
  }
  return withReadCache(
    {
      kind: backend.kind,
      directory: new SqlDirectoryStore(backend),
      groups: new SqlGroupStore(backend),
      mailbox: new SqlMailboxStore(backend),
      photos: new SqlPhotoStore(backend),
      avatars: new SqlAvatarStore(backend),
      keys: new SqlKeyStore(backend),
      apps: new SqlAppStore(backend),
      usage: new SqlUsageStore(backend),
      ping: async () => {
        await backend.db.selectFrom('installation').select('name').limit(1).execute();
      },
      close: () => backend.close(),
    },
    () => backend.changedElsewhere(),
  );
}
