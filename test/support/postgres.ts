// The PostgreSQL the tests run against: the machine's own on 127.0.0.1:5432 (trust auth, user
// postgres) unless PORTRAIT_TEST_POSTGRES names another server. Every store gets a database of
// its own, uniquely named and dropped when the test is done.
//
// PORTRAIT_TEST_DATABASE=postgres switches the API and contract suites to PostgreSQL
// (scripts/test.mjs runs them that way after the SQLite run).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateStore } from '../../src/store/open-store.js';

export const POSTGRES_SERVER = process.env['PORTRAIT_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432';

/** Whether this run puts the test stores in PostgreSQL. */
export const onPostgres = process.env['PORTRAIT_TEST_DATABASE'] === 'postgres';

const adminUrl = () => `${POSTGRES_SERVER}/postgres`;

/** Whether the PostgreSQL server at `server` (e.g. `postgres://postgres@127.0.0.1:5432`) answers. */
export async function postgresReachable(server = POSTGRES_SERVER): Promise<boolean> {
  const client = new pg.Client({ connectionString: `${server}/postgres`, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether PostgreSQL answers; when it does not, says loudly that `what` is skipped. */
export async function postgresOrSkipNotice(what: string): Promise<boolean> {
  const reachable = await postgresReachable();
  if (!reachable) {
    process.stderr.write(
      `\n!!! PostgreSQL is not reachable at ${POSTGRES_SERVER}: ${what} are SKIPPED.\n` +
        '!!! Start PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) to run them.\n\n',
    );
  }
  return reachable;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database (`migrate: true` applies the schema, as `portrait migrate` would). */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `portrait_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`create database ${name}`));
  const url = `${POSTGRES_SERVER}/${name}`;
  if (options.migrate) await migrateStore(url);
  return {
    url,
    drop: () =>
      admin((client) => client.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}
