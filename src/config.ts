// Configuration: one list of options, each a flag and a PORTRAIT_* environment variable, parsed
// once by commander. Defaults are documented here and the README table is generated from this.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseTrustedIssuer, type TrustedIssuerConfig } from './auth/external-issuer.js';
import { parseThrottle, type ThrottleRules } from './domain/throttle-rules.js';
import type { LoadedFixtures } from './services/fixture-file.js';
import { durationSeconds } from './services/setting-words.js';
import { parseBlobStore } from './store/objects/blob-store-url.js';
import { MEMORY_DATABASE } from './store/open-store.js';

export interface OptionSpec {
  /** commander flags, e.g. `--port <number>` */
  flags: string;
  env: string;
  description: string;
  default?: unknown;
  /** How the default reads in help and docs, when it is derived. */
  defaultText?: string;
  parse?: (value: string, previous: unknown) => unknown;
  /** The only values accepted; commander refuses others and lists these. */
  choices?: readonly string[];
}

const integer =
  (name: string, min: number, max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };

/**
 * A value parser whose TypeError becomes commander's InvalidArgumentError, so a bad value is a
 * usage error that commander prints with the option's name (and the env var's, if it came from one).
 */
const checked =
  <T>(parse: (value: string) => T) =>
  (value: string): T => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };

/** Repeatable options accumulate; from the environment they are comma-separated. */
const listOf =
  <T>(parse: (value: string) => T) =>
  (value: string, previous: unknown): T[] => [
    ...(Array.isArray(previous) ? previous : []),
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean)
      .map(checked(parse)),
  ];
const list = listOf((value) => value);

/** A duration such as 90s, 15m, 1h or 2d (a bare number is seconds), from `min` to `max` seconds. */
export const duration =
  (name: string, min: number, max: number) =>
  (value: string): number => {
    const seconds = durationSeconds(value);
    if (!Number.isFinite(seconds) || seconds < min || seconds > max)
      throw new InvalidArgumentError(
        `${name} must be a duration such as 90s, 15m, 1h or 2d, from ${min} s to ${max / 86_400} days, not '${value}'.`,
      );
    return seconds;
  };

/** A `--blob-store` URL, checked (a mistake in it is a usage error), kept as written. */
export const blobStoreArg = checked((value: string) => {
  parseBlobStore(value);
  return value;
});

/** `--data`, `--database` and the blob store: every command takes them, to work on the same store as a server. */
export const STORE_OPTIONS: OptionSpec[] = [
  {
    flags: '--data <dir>',
    env: 'PORTRAIT_DATA',
    default: './data',
    description: 'Data directory: the SQLite store, the TLS certificate and CA.',
  },
  {
    flags: '--database <url>',
    env: 'PORTRAIT_DATABASE',
    defaultText: 'sqlite:<data>/portrait.db',
    description:
      'Store URL: sqlite:PATH (embedded, the default), memory (nothing on disk, gone on exit) or postgres://user@host:5432/db[?pool=N] (shared by many nodes; run portrait migrate first).',
  },
  {
    flags: '--blob-store <url>',
    env: 'PORTRAIT_BLOB_STORE',
    default: 'database',
    parse: (value: string) => blobStoreArg(value),
    description:
      'Where photo bytes are kept: database (in the store), s3://BUCKET[/PREFIX]?region=R&endpoint=URL&force-path-style=true, azure://CONTAINER[/PREFIX]?endpoint=URL or file:DIR; credentials from the environment (see Storing photos in object storage).',
  },
  {
    flags: '--blob-timeout <seconds>',
    env: 'PORTRAIT_BLOB_TIMEOUT',
    default: 5,
    parse: integer('--blob-timeout', 1, 300),
    description:
      'Longest wait for one call to the blob store; past it the request gets 503 with Retry-After.',
  },
];

export const SERVE_OPTIONS: OptionSpec[] = [
  ...STORE_OPTIONS,
  {
    flags: '--host <host>',
    env: 'PORTRAIT_HOST',
    default: 'localhost',
    description:
      'Interface to listen on: localhost is 127.0.0.1 and ::1; use 0.0.0.0 or :: for every interface.',
  },
  {
    flags: '--port <number>',
    env: 'PORTRAIT_PORT',
    default: 8443,
    parse: integer('--port', 0, 65535),
    description: 'TCP port (0 picks a free one).',
  },
  {
    flags: '--tls-cert <file>',
    env: 'PORTRAIT_TLS_CERT',
    description: 'PEM certificate (chain) to serve instead of the generated development one.',
  },
  { flags: '--tls-key <file>', env: 'PORTRAIT_TLS_KEY', description: 'PEM private key for --tls-cert.' },
  {
    flags: '--http',
    env: 'PORTRAIT_HTTP',
    default: false,
    description: 'Serve plain HTTP, for use behind a TLS-terminating proxy (env: any value turns it on).',
  },
  {
    flags: '--base-url <url>',
    env: 'PORTRAIT_BASE_URL',
    defaultText: 'https://localhost:<port>',
    description: 'Public URL of this service: token issuer and @odata.context links use it.',
  },
  {
    flags: '--trust-issuer <spec>',
    env: 'PORTRAIT_TRUST_ISSUER',
    default: [],
    parse: listOf(parseTrustedIssuer),
    description:
      "External OIDC issuer whose tokens are accepted (repeatable): 'URL [tenant=T] [audience=A] [user-claim=C] [roles-claim=C] [scopes-claim=C] [jwks-cooldown=S]'; see Authentication.",
  },
  {
    flags: '--audience <aud>',
    env: 'PORTRAIT_AUDIENCE',
    default: [],
    parse: list,
    defaultText: 'https://graph.microsoft.com and 00000003-0000-0000-c000-000000000000',
    description: 'Accepted token audience (repeatable); replaces the default.',
  },
  {
    flags: '--log-level <level>',
    env: 'PORTRAIT_LOG_LEVEL',
    default: 'info',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    description: 'fatal, error, warn, info, debug, trace or silent.',
  },
  {
    flags: '--photo-max-age <seconds>',
    env: 'PORTRAIT_PHOTO_MAX_AGE',
    default: 300,
    parse: integer('--photo-max-age', 0, 31_536_000),
    description: 'Cache-Control max-age of photo bytes.',
  },
  {
    flags: '--max-pixels <n>',
    env: 'PORTRAIT_MAX_PIXELS',
    default: 40_000_000,
    parse: integer('--max-pixels', 1, 1_000_000_000),
    description: 'Largest accepted source image, in pixels (40 megapixels).',
  },
  {
    flags: '--jpeg-quality <q>',
    env: 'PORTRAIT_JPEG_QUALITY',
    default: 88,
    parse: integer('--jpeg-quality', 1, 100),
    description: 'JPEG quality of stored photo sizes.',
  },
  {
    flags: '--throttle <rules>',
    env: 'PORTRAIT_THROTTLE',
    default: {},
    defaultText: 'off',
    parse: checked(parseThrottle),
    description:
      "Throttling: off, graph-like (10,000 requests per 10 minutes and 4 at a time, per app and mailbox), or rules like 'tenant=2000/60s,app=500/10s,mailbox=100/10s,concurrency=4'.",
  },
  {
    flags: '--max-uploads <n>',
    env: 'PORTRAIT_MAX_UPLOADS',
    default: 8,
    parse: integer('--max-uploads', 1, 1000),
    description:
      'Uploads processed at once (per worker); four times as many may send their bodies or wait (up to 30 s), more get 503 with Retry-After.',
  },
  {
    flags: '--upload-timeout <seconds>',
    env: 'PORTRAIT_UPLOAD_TIMEOUT',
    default: 120,
    parse: integer('--upload-timeout', 1, 3600),
    description:
      'Longest time a photo body may take to arrive; a slower one gets 408 and its connection closed.',
  },
  {
    flags: '--upload-min-rate <bytes>',
    env: 'PORTRAIT_UPLOAD_MIN_RATE',
    default: 1024,
    parse: integer('--upload-min-rate', 0, 100_000_000),
    description:
      'Bytes per second a photo body must average after its first 10 s (0: no minimum); a slower one gets 408.',
  },
  {
    flags: '--workers <n>',
    env: 'PORTRAIT_WORKERS',
    default: 1,
    parse: (value: string) =>
      value === 'auto' ? availableParallelism() : integer('--workers', 1, 64)(value),
    description: 'Worker processes sharing the port; auto is one per core.',
  },
  {
    flags: '--blob-gc-every <duration>',
    env: 'PORTRAIT_BLOB_GC_EVERY',
    default: 3600,
    defaultText: '1h',
    parse: duration('--blob-gc-every', 60, 7 * 86_400),
    description:
      'How often the server deletes the bytes of deleted and replaced photos, once they are an hour old (one node at a time on PostgreSQL).',
  },
  {
    flags: '--fixtures <file>',
    env: 'PORTRAIT_FIXTURES',
    description:
      'Tenants, users, groups, contacts, apps and photos (JSON, fixtures.schema.json) to create in an empty store, instead of the demo tenant.',
  },
  {
    flags: '--no-demo',
    env: 'PORTRAIT_NO_DEMO',
    description: 'Do not create the demo tenant when the store is empty.',
  },
];

/** The server's pipeline settings, for commands that store photos as an upload would (same env vars). */
export const PIPELINE_OPTIONS = SERVE_OPTIONS.filter((o) => /^--(max-pixels|jpeg-quality) /.test(o.flags));

export const pipelineConfig = (opts: Record<string, unknown>) => ({
  maxPixels: opts['maxPixels'] as number,
  jpegQuality: opts['jpegQuality'] as number,
});

export function addOptions(command: Command, specs: readonly OptionSpec[]): Command {
  for (const spec of specs) {
    const option = new Option(spec.flags, spec.description).env(spec.env);
    if (spec.parse) option.argParser(spec.parse);
    if (spec.choices) option.choices(spec.choices);
    if (spec.default !== undefined) option.default(spec.default, spec.defaultText);
    else if (spec.defaultText) option.default(undefined, spec.defaultText);
    command.addOption(option);
  }
  return command;
}

export interface StoreConfig {
  dataDir: string;
  databaseUrl: string;
  /** `--blob-store`: `database` when absent. */
  blobStore?: string;
  /** `--blob-timeout`, in ms: 5 s when absent. */
  blobTimeoutMs?: number;
}

export interface ServeConfig extends StoreConfig {
  host: string;
  port: number;
  tlsCert?: string;
  tlsKey?: string;
  http: boolean;
  baseUrl?: string;
  trustIssuers: TrustedIssuerConfig[];
  audiences: string[];
  logLevel: string;
  photoMaxAgeSeconds: number;
  maxPixels: number;
  jpegQuality: number;
  throttle: ThrottleRules;
  maxUploads: number;
  uploadTimeoutSeconds: number;
  uploadMinRate: number;
  workers: number;
  demo: boolean;
  /** The development certificate made in memory, never written (always so with `--database memory`). */
  ephemeralTls?: boolean;
  /** Created in an empty store instead of the demo tenant (`--fixtures`, read and checked). */
  fixtures?: LoadedFixtures;
  /** How often unused photo bytes are collected (s); an hour when absent. */
  blobGcEverySeconds?: number;
  /** Photo byte reads on the fast path (default); false sends every request through Fastify (tests compare the two). */
  fastReads?: boolean;
}

export const DEFAULT_AUDIENCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];

export function storeConfig(opts: Record<string, unknown>): StoreConfig {
  const dataDir = resolve(String(opts['data'] ?? './data'));
  const databaseUrl = (opts['database'] as string | undefined) ?? `sqlite:${dataDir}/portrait.db`;
  return {
    dataDir,
    databaseUrl,
    blobStore: (opts['blobStore'] as string | undefined) ?? 'database',
    blobTimeoutMs: ((opts['blobTimeout'] as number | undefined) ?? 5) * 1000,
  };
}

export function serveConfig(opts: Record<string, unknown>): ServeConfig {
  const audiences = opts['audience'] as string[];
  if (opts['database'] === MEMORY_DATABASE && (opts['workers'] as number) > 1) {
    throw new InvalidArgumentError(
      '--database memory keeps the store in one process; --workers needs a store they share (sqlite:PATH or postgres://…)',
    );
  }
  if (Boolean(opts['tlsCert']) !== Boolean(opts['tlsKey'])) {
    throw new InvalidArgumentError(
      '--tls-cert and --tls-key go together: give both, or neither for the development certificate',
    );
  }
  return {
    ...storeConfig(opts),
    host: String(opts['host']),
    port: opts['port'] as number,
    tlsCert: opts['tlsCert'] as string | undefined,
    tlsKey: opts['tlsKey'] as string | undefined,
    http: Boolean(opts['http']),
    baseUrl: (opts['baseUrl'] as string | undefined)?.replace(/\/+$/, ''),
    trustIssuers: opts['trustIssuer'] as TrustedIssuerConfig[],
    audiences: audiences.length > 0 ? audiences : DEFAULT_AUDIENCES,
    logLevel: String(opts['logLevel']),
    photoMaxAgeSeconds: opts['photoMaxAge'] as number,
    maxPixels: opts['maxPixels'] as number,
    jpegQuality: opts['jpegQuality'] as number,
    throttle: opts['throttle'] as ThrottleRules,
    maxUploads: opts['maxUploads'] as number,
    uploadTimeoutSeconds: opts['uploadTimeout'] as number,
    uploadMinRate: opts['uploadMinRate'] as number,
    workers: opts['workers'] as number,
    blobGcEverySeconds: opts['blobGcEvery'] as number,
    demo: opts['demo'] !== false,
  };
}

/** The default public URL when --base-url is not given. */
export const defaultBaseUrl = (http: boolean, port: number) =>
  `${http ? 'http' : 'https'}://localhost:${port}`;

/** The README's configuration table, generated from the option lists above (npm run docs). */
export function optionsTable(specs: readonly OptionSpec[] = SERVE_OPTIONS): string {
  const rows = specs.map((spec) => {
    const shown =
      spec.defaultText ??
      (Array.isArray(spec.default) ? '' : spec.default === undefined ? '' : String(spec.default));
    return `| \`${spec.flags}\` | \`${spec.env}\` | ${shown ? `\`${shown}\`` : ''} | ${spec.description} |`;
  });
  return ['| flag | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
