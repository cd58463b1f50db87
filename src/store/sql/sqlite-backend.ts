// The embedded SQLite backend (better-sqlite3): one file in the data dir, WAL so readers never
// wait for the writer, and BEGIN IMMEDIATE so CLI processes and the server can write side by side.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase, sql } from 'kysely';
import type { Database, Db, SqlBackend } from './schema.js';

/** Statements kept prepared; the store runs a small fixed set of queries, so this stays small. */
const MAX_CACHED_STATEMENTS = 500;

/**
 * Kysely prepares every query anew; preparing costs more than running an indexed read (measured:
 * it was a fifth of the photo read path). Statements are reusable in better-sqlite3, and Kysely
 * runs one query at a time on this connection, so each SQL text is prepared once.
 */
function withStatementCache(
  sqlite: SQLite.Database,
): SqliteDatabase & { prepare(sqlText: string): SQLite.Statement } {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (!statement) {
        statement = sqlite.prepare(sqlText);
        if (statements.size < MAX_CACHED_STATEMENTS) statements.set(sqlText, statement);
      }
      return statement;
    },
  };
}

export function openSqliteBackend(path: string): SqlBackend {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // Waits up to 5 s for another process's write lock instead of failing with SQLITE_BUSY.
  const sqlite = new SQLite(path, { timeout: 5000 });
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode is durable against process crashes; only an OS crash may lose the last commit.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const statements = withStatementCache(sqlite);
  const db: Db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });

  // Changes only when another connection commits: the CLI, or another server on the same file.
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  let seenVersion = dataVersion.get();

  return {
    kind: 'sqlite',
    changedElsewhere: () => {
      const version = dataVersion.get();
      if (version === seenVersion) return false;
      seenVersion = version;
      return true;
    },
    db,
    // better-sqlite3 answers synchronously; Kysely's hand-off of the connection added about 3 µs
    // to each 5–8 µs indexed read of the photo path. Only while no transaction is open: a write
    // transaction keeps the connection across awaits, and a read run in the middle of it would
    // see its uncommitted rows (test/contract/store.test.ts).
    readAtOnce: <R>(sqlText: string, parameters: readonly unknown[]) =>
      sqlite.inTransaction ? undefined : (statements.prepare(sqlText).all(parameters) as R[]),
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
