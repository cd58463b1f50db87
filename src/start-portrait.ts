// `startPortrait()` (SPEC §11): a Portrait server inside a test suite, started from the test file
// with its data declared once. By default it keeps everything in memory (store and certificate),
// listens on a free loopback port with a CA of its own, and logs nothing; `reset()` puts the store
// back to exactly the fixtures between tests, and `close()` leaves nothing running.
import { Option } from 'commander';
import { type OptionSpec, SERVE_OPTIONS, type ServeConfig, serveConfig } from './config.js';
import { canonicalPermissions } from './services/app-service.js';
import { DEMO_TENANT_NAME } from './domain/tenant.js';
import { type Fixtures, loadFixtures } from './services/fixture-file.js';
import { applyFixtures } from './services/fixtures.js';
import { parseFaults } from './services/tenant-settings.js';
import { updateTenantSettings } from './services/tenants.js';
import { mintToken, parseDuration } from './services/tokens.js';
import { GRAPH_AUDIENCE } from './auth/token-issuer.js';
import { createLogger, serverLogDestination } from './logger.js';
import { type RunningServer, startServer } from './server.js';
import { MEMORY_DATABASE, migrateStore } from './store/open-store.js';
import { isPostgresUrl } from './store/sql/postgres-backend.js';

/** `serve`'s options, camelCase (`--max-uploads` is `maxUploads`), and `faults` for every tenant. */
export interface ServeOptions {
  /** `off`, `graph-like`, or rules like `tenant=2000/60s,app=500/10s,concurrency=4`. */
  throttle?: string;
  /** Simulated failures for every tenant, as `tenant update --faults` takes them: `429=0.1 delay=200ms`. */
  faults?: string;
  /** Default `silent`. */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  baseUrl?: string;
  /** External OIDC issuers whose tokens are accepted (`--trust-issuer`). */
  trustIssuer?: string | string[];
  audience?: string | string[];
  photoMaxAge?: number;
  maxPixels?: number;
  jpegQuality?: number;
  maxUploads?: number;
  uploadTimeout?: number;
  uploadMinRate?: number;
  tlsCert?: string;
  tlsKey?: string;
  /** Where photo bytes go (`--blob-store`): `database` (default), `s3://…`, `azure://…`, `file:DIR`. */
  blobStore?: string;
  /** Seconds (`--blob-timeout`). */
  blobTimeout?: number;
  /** `1h` (`--blob-gc-every`). */
  blobGcEvery?: string;
}

export interface StartPortraitOptions {
  /** The fixtures, or the path of a fixtures JSON file; default: none. */
  fixtures?: Fixtures | string;
  /** `memory` (default: nothing on disk), `sqlite:PATH` or `postgres://…`. */
  database?: string;
  /** Default true, with a CA of its own (`ca`); false serves plain HTTP. */
  https?: boolean;
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The contoso demo tenant, only when asked. */
  demo?: boolean;
  serve?: ServeOptions;
}

export interface TokenRequest {
  /** Tenant name or id. */
  tenant: string;
  /** A user (userPrincipalName or id): a delegated token with `scopes` (default User.Read)... */
  user?: string;
  scopes?: string | string[];
  /** ...or an app by name: an app-only token with `roles`. */
  app?: string;
  roles?: string | string[];
  /** Lifetime: seconds, or `90s`, `15m`, `1h` (default), `7d`. */
  expires?: number | string;
  /** Default https://graph.microsoft.com. */
  audience?: string;
}

export interface Portrait {
  /** e.g. `https://127.0.0.1:54321`: the Graph base is `${url}/v1.0`. */
  readonly url: string;
  /** PEM text of the CA that signed the server's certificate; undefined over plain HTTP. */
  readonly ca: string | undefined;
  /** A tenant of the fixtures (or the demo tenant) by name. */
  tenant(name: string): { id: string; name: string };
  /** A bearer token the server accepts. */
  token(request: TokenRequest): Promise<string>;
  /** The store back to exactly the fixtures: same ids, same ETags; throttling counts forgotten. */
  reset(): Promise<void>;
  /** Stops the server; nothing it opened keeps the process alive. */
  close(): Promise<void>;
}

const TOP_OPTIONS = ['fixtures', 'database', 'https', 'port', 'host', 'demo', 'serve'];
/** Options startPortrait sets itself, or that make no sense in a test process. */
const NOT_SERVE_OPTIONS = new Set([
  'data',
  'database',
  'host',
  'port',
  'http',
  'workers',
  'fixtures',
  'demo',
]);

/** `--max-uploads <n>` → `maxUploads`, as commander names the parsed option. */
const camelName = (spec: OptionSpec) => new Option(spec.flags).attributeName();

const SERVE_SPECS = new Map(
  SERVE_OPTIONS.filter((spec) => !NOT_SERVE_OPTIONS.has(camelName(spec))).map((spec) => [
    camelName(spec),
    spec,
  ]),
);

const optionError = (name: string, message: string) => new TypeError(`startPortrait: ${name}: ${message}`);

function refuseUnknown(given: object, known: Iterable<string>, where: string): void {
  const names = [...known];
  for (const key of Object.keys(given)) {
    if (!names.includes(key))
      throw optionError(`${where}${key}`, `unknown option; known: ${names.join(', ')}`);
  }
}

/** The server's configuration: serve's defaults, then what the options say. */
function configFrom(options: StartPortraitOptions): ServeConfig {
  const serve = { ...(options.serve ?? {}) } as Record<string, unknown>;
  refuseUnknown(serve, [...SERVE_SPECS.keys(), 'faults'], 'serve.');
  // Not a server option: startPortrait sets it on every tenant once they exist.
  delete serve['faults'];
  const opts: Record<string, unknown> = {};
  for (const spec of SERVE_OPTIONS) if (spec.default !== undefined) opts[camelName(spec)] = spec.default;
  opts['logLevel'] = 'silent';
  for (const [name, value] of Object.entries(serve)) {
    const spec = SERVE_SPECS.get(name)!;
    try {
      const values = Array.isArray(value) ? value : [value];
      opts[name] = spec.parse
        ? values.reduce(
            (previous: unknown, v) => spec.parse!(String(v), previous),
            Array.isArray(spec.default) ? [] : undefined,
          )
        : value;
      if (spec.choices && !spec.choices.includes(String(value))) {
        throw new Error(`must be one of ${spec.choices.join(', ')}`);
      }
    } catch (error) {
      throw optionError(`serve.${name}`, (error as Error).message);
    }
  }
  Object.assign(opts, {
    database: options.database ?? MEMORY_DATABASE,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    http: options.https === false,
    workers: 1,
  });
  for (const flag of ['https', 'demo'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean')
      throw optionError(flag, 'true or false');
  }
  if (!Number.isInteger(opts['port']) || (opts['port'] as number) < 0 || (opts['port'] as number) > 65535) {
    throw optionError('port', 'a whole number from 0 to 65535');
  }
  // The certificate is made in memory whatever the store: nothing is written beside the tests.
  return { ...serveConfig(opts), demo: options.demo ?? false, ephemeralTls: true };
}

const listOf = (value: string | string[] | undefined, fallback: string[]) =>
  value === undefined ? fallback : (Array.isArray(value) ? value : value.split(/[\s,]+/)).filter(Boolean);

class RunningPortrait implements Portrait {
  readonly url: string;
  readonly ca: string | undefined;

  constructor(
    private readonly server: RunningServer,
    private readonly tenants: ReadonlyMap<string, { id: string; name: string }>,
    private readonly snapshot: Awaited<ReturnType<RunningServer['store']['snapshot']>>,
  ) {
    this.url = server.url;
    this.ca = server.ca;
  }

  tenant(name: string): { id: string; name: string } {
    const tenant = this.tenants.get(name.toLowerCase());
    if (!tenant) {
      throw new TypeError(
        `portrait.tenant: no tenant '${name}'; the tenants are ${[...this.tenants.values()].map((t) => t.name).join(', ') || 'none'}`,
      );
    }
    return { ...tenant };
  }

  async token(request: TokenRequest): Promise<string> {
    refuseUnknown(request, ['tenant', 'user', 'scopes', 'app', 'roles', 'expires', 'audience'], 'token.');
    const { store } = this.server;
    if (Boolean(request.user) === Boolean(request.app)) {
      throw new TypeError('portrait.token: give either user (a delegated token) or app (an app-only token)');
    }
    const tenant = await store.directory.findTenant(String(request.tenant));
    if (!tenant) throw new TypeError(`portrait.token: no tenant '${request.tenant}'`);
    const lifetimeSeconds = parseDuration(String(request.expires ?? '1h'));
    const options = { audience: request.audience ?? GRAPH_AUDIENCE, lifetimeSeconds };
    if (request.user) {
      const user = await store.directory.findUser(tenant.id, request.user);
      if (!user)
        throw new TypeError(`portrait.token: no user '${request.user}' in the tenant '${tenant.name}'`);
      const scopes = canonicalPermissions(listOf(request.scopes, ['User.Read']), 'delegated');
      return (await mintToken(store, { tenant, user, scopes }, options)).accessToken;
    }
    const roles = canonicalPermissions(listOf(request.roles, []), 'application');
    return (await mintToken(store, { tenant, app: request.app!, roles }, options)).accessToken;
  }

  async reset(): Promise<void> {
    // Permission use counted so far is saved first, so the restore wipes it too.
    await this.server.flushUsage();
    await this.server.store.restore(this.snapshot);
    this.server.app.forgetCounts();
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/**
 * Starts a Portrait server for a test suite. A bad option or fixture rejects, naming it (a
 * fixture by its JSON pointer), and leaves nothing running.
 */
export async function startPortrait(options: StartPortraitOptions = {}): Promise<Portrait> {
  if (typeof options !== 'object' || options === null) throw optionError('options', 'an object');
  refuseUnknown(options, TOP_OPTIONS, '');
  const config = configFrom(options);
  const faults = options.serve?.faults;
  if (faults !== undefined) {
    try {
      parseFaults(faults);
    } catch (error) {
      throw optionError('serve.faults', (error as Error).message.replace(/^--faults: /, ''));
    }
  }
  const fixtures = options.fixtures === undefined ? undefined : await loadFixtures(options.fixtures);
  // A test's own PostgreSQL database gets the schema here; `serve` leaves that to `portrait migrate`.
  if (isPostgresUrl(config.databaseUrl)) await migrateStore(config.databaseUrl);
  const server = await startServer(config, createLogger(config.logLevel, serverLogDestination()));
  try {
    const { store } = server;
    const applied = fixtures
      ? await applyFixtures(store, fixtures, { maxPixels: config.maxPixels, jpegQuality: config.jpegQuality })
      : { tenants: [] };
    const tenants = new Map(applied.tenants.map((t) => [t.name.toLowerCase(), t]));
    const demo = options.demo ? await store.directory.findTenant(DEMO_TENANT_NAME) : undefined;
    if (demo) tenants.set(demo.name.toLowerCase(), { id: demo.id, name: demo.name });
    if (faults !== undefined) {
      for (const { id } of tenants.values()) {
        const tenant = (await store.directory.findTenant(id))!;
        // A tenant whose fixture sets faults of its own keeps them.
        if (tenant.settings.faults === null) {
          await updateTenantSettings(store.directory, tenant, { faults: parseFaults(faults) });
        }
      }
    }
    return new RunningPortrait(server, tenants, await store.snapshot());
  } catch (error) {
    await server.close();
    throw error;
  }
}
