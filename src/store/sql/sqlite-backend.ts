// The embedded SQLite backend (better-sqlite3): one file in the data dir, WAL so readers never
// wait for the writer, and BEGIN IMMEDIATE so CLI processes and the server can write side by side.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database, Db, SqlBackend } from './schema.js';

export function openSqliteBackend(path: string): SqlBackend {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // Waits up to 5 s for another process's write lock instead of failing with SQLITE_BUSY.
  const sqlite = new SQLite(path, { timeout: 5000 });
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode is durable against process crashes; only an OS crash may lose the last commit.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db: Db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });

  return {
    kind: 'sqlite',
    db,
    blobType: 'blob',
    writeTransaction: <T>(work: (trx: Db) => Promise<T>) =>
      db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        try {
          const result = await work(conn);
          await sql`commit`.execute(conn);
          return result;
        } catch (error) {
          await sql`rollback`.execute(conn);
          throw error;
        }
      }),
    close: () => db.destroy(),
  };
}
