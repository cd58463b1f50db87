// Starts a Portrait server from configuration: store, keys, TLS, demo tenant, then listen.
// `portrait serve` calls this; so do the end-to-end tests, on a free port and a fresh data dir.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { BuiltInIssuer } from './auth/built-in-issuer.js';
import { ExternalIssuer } from './auth/external-issuer.js';
import { InteractionSeal } from './auth/interaction.js';
import { SigningKeys } from './auth/signing-keys.js';
import { TokenVerifier } from './auth/token-verifier.js';
import { defaultBaseUrl, type ServeConfig } from './config.js';
import { createLogger, serverLogDestination } from './logger.js';
import { scheduleDirectorySyncs } from './bulk/directory-sync-schedule.js';
import { seedDemoTenant } from './services/demo-seed.js';
import { issuerBaseOf } from './services/tokens.js';
import { UsageRecorder } from './services/usage-recorder.js';
import { applyFixtures } from './services/fixtures.js';
import { blobOptions, MEMORY_DATABASE, openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { ensureDevCertificate, ephemeralDevCertificate } from './tls/dev-certificate.js';

/**
 * How often a server collects the photo bytes nothing names any more, by default (`--blob-gc-every`;
 * the store keeps them an hour after they were last put: store/photo-sets.ts). On PostgreSQL one
 * node at a time collects; each delete is conditional anyway, so nothing still wanted goes.
 */
const COLLECT_PHOTO_BYTES_EVERY_S = 60 * 60;

/** Entra allows five minutes; a minute is enough between machines that keep time. */
const CLOCK_TOLERANCE_SECONDS = 60;

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  /** e.g. `https://localhost:8443` */
  url: string;
  /** The CA clients should trust, when the development certificate is in use: its file... */
  caPath?: string;
  /** ...and its PEM text (the only copy, with `--database memory`). */
  ca?: string;
  /** Saves the permission usage counted so far (it is saved every few seconds anyway). */
  flushUsage(): Promise<void>;
  close(): Promise<void>;
}

const WILDCARD_HOSTS = new Set(['localhost', '0.0.0.0', '::', '']);

function displayUrl(config: ServeConfig, port: number): string {
  const host = WILDCARD_HOSTS.has(config.host) ? 'localhost' : config.host;
  return `${config.http ? 'http' : 'https'}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

async function tlsFor(
  config: ServeConfig,
): Promise<{ tls?: { cert: string; key: string }; caPath?: string; ca?: string }> {
  if (config.http) return {};
  if (config.tlsCert && config.tlsKey) {
    return { tls: { cert: readFileSync(config.tlsCert, 'utf8'), key: readFileSync(config.tlsKey, 'utf8') } };
  }
  const names = ['localhost', '127.0.0.1', '::1'];
  if (!WILDCARD_HOSTS.has(config.host) && !names.includes(config.host)) names.push(config.host);
  // A store in memory leaves nothing on disk, the certificate included: a CA of its own each start.
  if (config.ephemeralTls || config.databaseUrl === MEMORY_DATABASE) {
    const made = await ephemeralDevCertificate(names);
    return { tls: { cert: made.cert, key: made.key }, ca: made.ca };
  }
  const files = await ensureDevCertificate(config.dataDir, names);
  return { tls: { cert: files.cert, key: files.key }, caPath: files.caPath, ca: files.ca };
}

const pipelineOptions = (config: ServeConfig) => ({
  maxPixels: config.maxPixels,
  jpegQuality: config.jpegQuality,
});

/**
 * What must exist before any server answers, made once: in an empty store the fixtures given
 * (--fixtures) or else the demo tenant, and the development certificate. With --workers, the
 * primary does this before it forks.
 */
async function prepareInstallation(config: ServeConfig, store: Store, logger: Logger) {
  // Certificate files first: a wrong --tls-cert path fails before anything is written.
  const tls = await tlsFor(config);
  const empty = await store.directory.isEmpty();
  if (config.fixtures && !empty) {
    logger.warn(
      'the store is not empty: --fixtures not applied (portrait fixtures apply FILE applies them to any store)',
    );
  } else if (config.fixtures) {
    const applied = await applyFixtures(store, config.fixtures, pipelineOptions(config));
    logger.info({ tenants: applied.tenants }, `applied the fixtures: ${applied.created} objects created`);
  } else if (config.demo && empty) {
    const { tenant, upns } = await seedDemoTenant(store, {
      photos: store.photos,
      pipeline: pipelineOptions(config),
    });
    logger.info({ tenant: tenant.id, users: upns }, `created the demo tenant '${tenant.name}'`);
  }
  return tls;
}

/** The primary's share of --workers: migrate the store, make keys and settings, seed, certify. */
export async function prepareForWorkers(config: ServeConfig, logger: Logger): Promise<{ caPath?: string }> {
  const store = await openStore(config.databaseUrl, { ...blobOptions(config), probe: true });
  try {
    await SigningKeys.open(store.keys);
    await issuerBaseOf(store.keys, config.baseUrl);
    await InteractionSeal.open((name, ifAbsent) => store.keys.installationSetting(name, ifAbsent));
    const { caPath } = await prepareInstallation(config, store, logger);
    return caPath ? { caPath } : {};
  } finally {
    await store.close();
  }
}

export async function startServer(
  config: ServeConfig,
  logger: Logger = createLogger(config.logLevel, serverLogDestination()),
): Promise<RunningServer> {
  // SPEC §14: a blob store that cannot be written, read and deleted stops the start, in one line,
  // before the store remembers it (a mistyped bucket must not be the one the next start is held to).
  const store = await openStore(config.databaseUrl, { ...blobOptions(config), probe: true });
  let usage: UsageRecorder | undefined;
  try {
    const keys = await SigningKeys.open(store.keys);
    // The built-in issuer is known by the base the store was created with (CLI tokens), the
    // configured public URL, and — once listening — the URL this server answers on.
    const bases = new Set([
      await issuerBaseOf(store.keys, config.baseUrl),
      ...(config.baseUrl ? [config.baseUrl] : []),
    ]);
    let publicBase = config.baseUrl ?? defaultBaseUrl(config.http, config.port);
    const verifier = new TokenVerifier(
      [
        new BuiltInIssuer(keys, store.directory, bases),
        ...config.trustIssuers.map((trusted) => new ExternalIssuer(trusted, store.directory, logger)),
      ],
      store.directory,
      { audiences: config.audiences, clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS },
    );
    const issuer = {
      store,
      keys,
      seal: await InteractionSeal.open((name, ifAbsent) => store.keys.installationSetting(name, ifAbsent)),
      publicBase: () => publicBase,
    };
    const pipeline = pipelineOptions(config);
    const recorder = new UsageRecorder(store.usage, logger);
    usage = recorder;
    const { tls, caPath, ca } = await prepareInstallation(config, store, logger);
    const app = await buildApp({
      store,
      verifier,
      issuer,
      logger,
      pipeline,
      photoMaxAgeSeconds: config.photoMaxAgeSeconds,
      throttle: config.throttle,
      usage: recorder,
      maxUploads: config.maxUploads,
      uploadTimeoutSeconds: config.uploadTimeoutSeconds,
      uploadMinRate: config.uploadMinRate,
      ...(config.fastReads === false ? { fastReads: false } : {}),
      ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
      ...(tls ? { tls } : {}),
    });
    await app.listen({
      host: config.host,
      port: config.port,
      // Fastify names the scheme from its own https option, which a server factory bypasses.
      listenTextResolver: (address) =>
        `Server listening at ${tls ? address.replace(/^http:/, 'https:') : address}`,
    });
    // A programming error still stops the process, loudly (Node prints it on stderr); the log
    // says so too, so an operator reading the log alone knows why the process ended.
    const fatal = (error: Error, origin: string) =>
      logger.fatal({ err: error, origin }, 'an uncaught error stops the process');
    process.on('uncaughtExceptionMonitor', fatal);
    const collecting = setInterval(
      () => {
        store
          .collectPhotoBytes({ alone: true })
          .then(({ deleted }) => {
            if (deleted > 0) logger.info({ deleted }, 'collected the bytes of deleted and replaced photos');
          })
          .catch((error: unknown) => logger.warn({ err: error }, 'collecting unused photo bytes failed'));
      },
      (config.blobGcEverySeconds ?? COLLECT_PHOTO_BYTES_EVERY_S) * 1000,
    ).unref();
    const syncing = scheduleDirectorySyncs(store, { photos: store.photos, pipeline }, logger);
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = displayUrl(config, port);
    if (!config.baseUrl) publicBase = url;
    bases.add(publicBase);
    return {
      app,
      store,
      url,
      ...(caPath ? { caPath } : {}),
      ...(ca ? { ca } : {}),
      flushUsage: () => recorder.flush(),
      close: async () => {
        process.removeListener('uncaughtExceptionMonitor', fatal);
        clearInterval(collecting);
        await app.close();
        await syncing.stop();
        await recorder.close();
        await store.close();
        logger.flush();
      },
    };
  } catch (error) {
    await usage?.close();
    await store.close();
    throw error;
  }
}
