// The scale-out backend (SPEC §8): many stateless nodes on one PostgreSQL. Queries go through a
// pg.Pool; writes are serialised across every node by one transaction-scoped advisory lock (the
// same one-writer-at-a-time rule SQLite's BEGIN IMMEDIATE gives, so the stores' check-then-write
// transactions stay correct without retry loops); each write transaction sends a NOTIFY that the
// other nodes' read caches listen for (README, "Deployment").
import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database, Db, SqlBackend } from './schema.js';

/** Connections per node when the URL does not say (`?pool=N`); see README "Deployment". */
export const DEFAULT_POOL_SIZE = 10;

/** The channel every write transaction notifies and every node listens on. */
export const CHANGES_CHANNEL = 'portrait_changes';

/** Key of the advisory lock that write transactions take (any constant unique to Portrait). */
const WRITE_LOCK_KEY = 0x504f5254; // 'PORT'

/** Reconnect delays of the listening connection: doubling from the first to the last. */
const RECONNECT_FIRST_MS = 100;
const RECONNECT_LAST_MS = 5000;

// bigint (int8) columns come back as strings unless parsed; the counters Portrait keeps stay far
// below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => Number(text));

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** The pg connection string and pool size from `postgres://user@host:port/db?pool=N`. */
export function postgresConnection(url: string): { connectionString: string; poolSize: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`--database ${url} is not a URL; use postgres://user@host:5432/database`);
  }
  const pool = parsed.searchParams.get('pool');
  parsed.searchParams.delete('pool');
  const poolSize = pool === null ? DEFAULT_POOL_SIZE : Number(pool);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000)
    throw new TypeError(
      `?pool= in --database takes a whole number of connections from 1 to 1000, not '${pool}'`,
    );
  return { connectionString: parsed.href, poolSize };
}

/**
 * Listens for other nodes' writes on a dedicated connection. Until the first LISTEN succeeds and
 * whenever the connection is lost, `changed()` answers true on every call: with no way to hear
 * about writes, nothing may be served from cache. It reconnects with backoff.
 */
class ChangeListener {
  private client: pg.Client | undefined;
  private listening = false;
  private heard = false;
  private closed = false;
  private delay = RECONNECT_FIRST_MS;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly nodeId: string,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.connectionString });
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.listening = false;
      client.end().catch(() => {});
      this.retry();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.payload !== this.nodeId) this.heard = true;
    });
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
      this.listening = true;
      // Whatever happened while deaf is unknown: drop every cache once more.
      this.heard = true;
      this.delay = RECONNECT_FIRST_MS;
    } catch {
      lost();
    }
  }

  private retry(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, this.delay);
    this.timer.unref();
    this.delay = Math.min(this.delay * 2, RECONNECT_LAST_MS);
  }

  changed(): boolean {
    if (!this.listening) return true;
    const heard = this.heard;
    this.heard = false;
    return heard;
  }

  /** The server-side process id of the listening connection (tests end it to simulate a loss). */
  get backendPid(): number | undefined {
    return (this.client as unknown as { processID?: number } | undefined)?.processID;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => {});
  }
}

export interface PostgresBackend extends SqlBackend {
  pool: pg.Pool;
  listenerPid(): number | undefined;
}

export async function openPostgresBackend(url: string): Promise<PostgresBackend> {
  const { connectionString, poolSize } = postgresConnection(url);
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // An idle client that loses its server is dropped by the pool; without a listener the error
  // would end the process.
  pool.on('error', () => {});
  const db: Db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const nodeId = randomUUID();
  const listener = new ChangeListener(connectionString, nodeId);
  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`cannot reach PostgreSQL at ${redacted(connectionString)}: ${(error as Error).message}`);
  }
  await listener.start();

  return {
    kind: 'postgres',
    db,
    pool,
    blobType: 'bytea',
    changedElsewhere: () => listener.changed(),
    // On a connection of its own (not the pool's, which `work` needs): if this node dies, the
    // server ends the session and the lock with it.
    withTryLock: async <T>(key: number, name: string, work: () => Promise<T>) => {
      const client = new pg.Client({ connectionString });
      client.on('error', () => {});
      await client.connect();
      try {
        const { rows } = await client.query<{ locked: boolean }>(
          'select pg_try_advisory_lock($1, hashtext($2)) as locked',
          [key, name],
        );
        if (!rows[0]?.locked) return undefined;
        return { value: await work() };
      } finally {
        await client.end().catch(() => {});
      }
    },
    listenerPid: () => listener.backendPid,
    writeTransaction: <T>(work: (trx: Db) => Promise<T>) =>
      db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${sql.lit(WRITE_LOCK_KEY)})`.execute(trx);
        const result = await work(trx);
        // Delivered to the listeners only when (and if) the transaction commits.
        await sql`select pg_notify(${CHANGES_CHANNEL}, ${nodeId})`.execute(trx);
        return result;
      }),
    close: async () => {
      await listener.close();
      await db.destroy();
    },
  };
}

/** The URL without its password, for messages. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return url;
  }
}
