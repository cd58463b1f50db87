// Builds the HTTP application from its parts, explicitly: protocol plugin, photo API, avatars,
// system routes. The CLI reuses the services without any of this.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { TokenVerifier } from './auth/token-verifier.js';
import { avatarRoutes } from './http/avatar-routes.js';
import { AJV_OPTIONS } from './http/directory/body-schemas.js';
import { Cors } from './http/cors.js';
import { FastPhotoRead } from './http/fast-photo-read.js';
import { FaultInjector } from './http/faults.js';
import {
  clientErrorHandler,
  decodeDollars,
  registerGraphProtocol,
  sendFrameworkError,
} from './http/graph-protocol.js';
import { lingerAfterAnswer } from './http/lingering-close.js';
import { requestLineLogger } from './logger.js';
import { identityRoutes } from './http/identity-routes.js';
import { apiRoutes } from './http/api-routes.js';
import { PublicOrigin } from './http/public-origin.js';
import { RequestEpilogue } from './http/request-epilogue.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import type { ThrottleRules } from './domain/throttle-rules.js';
import { Throttle } from './http/throttle.js';
import { UploadGate } from './http/upload-gate.js';
import { API_VERSIONS } from './graph/endpoint-matrix.js';
import { explorerRoutes } from './http/explorer-routes.js';
import { createMetrics } from './http/metrics.js';
import { systemRoutes } from './http/system-routes.js';
import { atTurnEnd } from './http/turn-end.js';
import { defaultWebRoot, webRoutes } from './http/web-routes.js';
import type { PipelineOptions } from './image/photo-pipeline.js';
import { AvatarService } from './services/avatar-service.js';
import type { IssuerContext } from './services/oauth-service.js';
import type { UsageRecorder } from './services/usage-recorder.js';
import type { Store } from './store/store.js';
import { answerPlainHttp } from './http/plain-http-hint.js';

/** Node's default is 16 KB in all; tokens up to 16 KB must reach the verifier to get a Graph 401. */
const MAX_HEADER_BYTES = 64 * 1024;

/** A body's first seconds do not count against --upload-min-rate: connections take time to get going. */
const UPLOAD_GRACE_MS = 10_000;

declare module 'fastify' {
  interface FastifyInstance {
    /** Forgets throttling counts kept in this process (a test's reset; SPEC §11). */
    forgetCounts(): void;
  }
}

export interface AppDeps {
  store: Store;
  verifier: TokenVerifier;
  /** The built-in issuer's endpoints. */
  issuer: IssuerContext;
  logger: Logger;
  pipeline: PipelineOptions;
  photoMaxAgeSeconds: number;
  throttle: ThrottleRules;
  /** Counts what allowed each call, for the least-privilege report. */
  usage: UsageRecorder;
  /** Uploads processed at once; four times as many may send their bodies or wait; more get 503. */
  maxUploads: number;
  /** The longest an upload body may take, and the rate it must keep up after its first seconds. */
  uploadTimeoutSeconds: number;
  uploadMinRate: number;
  baseUrl?: string;
  /** The built web console (dist/web); found next to the code when unset. */
  webRoot?: string;
  /** Answer photo byte reads on the fast path (default); false sends everything through Fastify. */
  fastReads?: boolean;
  /** PEM certificate and key; plain HTTP without them. */
  tls?: { cert: string; key: string };
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Typed as the default instance: the HTTPS server and pino logger are plain subtypes of its parts.
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // The onResponse hook below writes the one line per request; fastify's own two are off.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    trustProxy: deps.tls === undefined,
    return503OnClosing: true,
    // Graph's paths match without regard to case: /Users, /me/contactfolders.
    routerOptions: { caseSensitive: false },
    // `%24value` and `%24ref` are `$value` and `$ref`, as Graph reads them.
    rewriteUrl: (request) => decodeDollars(request.url ?? '/'),
    frameworkErrors: sendFrameworkError,
    // Route schemas refuse what they do not name and convert nothing (http/directory/body-schemas.ts).
    ajv: { customOptions: AJV_OPTIONS },
    clientErrorHandler,
    serverFactory: (fastifyHandler) => {
      // Photo byte reads may be answered before Fastify sees them (fast-photo-read.ts).
      const handler = (request: IncomingMessage, response: ServerResponse) => {
        const taken = fastReads?.serve(request, response);
        if (taken === true) return;
        if (!taken) return fastifyHandler(request, response);
        taken.then((answered) => {
          if (!answered) fastifyHandler(request, response);
        });
      };
      return deps.tls
        ? answerPlainHttp(createHttpsServer({ ...deps.tls, maxHeaderSize: MAX_HEADER_BYTES }, handler))
        : createHttpServer({ maxHeaderSize: MAX_HEADER_BYTES }, handler);
    },
  }) as unknown as FastifyInstance;
  const metrics = createMetrics();
  const throttle = new Throttle(deps.throttle, Date.now, deps.store.sharedCounters);
  app.decorate('forgetCounts', () => throttle.forgetCounts());
  const epilogue = new RequestEpilogue(metrics, requestLineLogger(deps.logger));
  const fastReads =
    deps.fastReads === false
      ? undefined
      : new FastPhotoRead({
          verifier: deps.verifier,
          ports: deps.store,
          photos: { photos: deps.store.photos, pipeline: deps.pipeline },
          photoMaxAgeSeconds: deps.photoMaxAgeSeconds,
          tls: deps.tls !== undefined,
          throttled: throttle.enabled,
          usage: deps.usage,
          metrics,
          logger: deps.logger,
          epilogue,
          ...(deps.store.readGeneration ? { readGeneration: () => deps.store.readGeneration!() } : {}),
        });
  app.addHook('preClose', async () => fastReads?.close());

  // Every answer's metrics, usage count and log line, as the fast path's (request-epilogue.ts).
  app.addHook('onResponse', async (request, reply) => {
    const { grants } = request;
    epilogue.answered(
      {
        requestId: request.id,
        method: request.method,
        url: request.url,
        operation: request.photoCall?.rule.operation ?? 'other',
        status: reply.statusCode,
        ms: reply.elapsedTime,
      },
      grants ? () => deps.usage.record(request.auth!.caller, grants) : undefined,
    );
  });

  // Every answer goes out at the end of its turn of the event loop, with the others (turn-end.ts);
  // one sent before the body was all read closes the connection once the rest is drained.
  app.addHook('onSend', (request, reply, payload, done) => {
    lingerAfterAnswer(request.raw, reply.raw);
    atTurnEnd(
      () => done(null, payload),
      (error) => done(error as Error),
    );
  });

  registerGraphProtocol(app);
  registerSecurityHeaders(app, { tls: deps.tls !== undefined });
  new Cors(deps.store.directory).register(app);
  const origin = new PublicOrigin(deps.baseUrl);
  const faults = new FaultInjector(metrics.faults);
  // Four times as many may send their bodies or wait, for up to 30 s once received: a burst is
  // served, not refused, and memory stays within 4 x 4 MiB per processing slot.
  const uploads = new UploadGate({
    limit: deps.maxUploads,
    admitted: deps.maxUploads * 4,
    maxWaitMs: 30_000,
  });
  const bodyTime = {
    totalMs: deps.uploadTimeoutSeconds * 1000,
    graceMs: Math.min(UPLOAD_GRACE_MS, deps.uploadTimeoutSeconds * 1000),
    minBytesPerSecond: deps.uploadMinRate,
  };
  for (const version of API_VERSIONS) {
    await app.register(apiRoutes, {
      prefix: `/${version}`,
      version,
      ports: deps.store,
      verifier: deps.verifier,
      photos: { photos: deps.store.photos, pipeline: deps.pipeline },
      throttle,
      faults,
      uploads,
      bodyTime,
      photoMaxAgeSeconds: deps.photoMaxAgeSeconds,
      inject: (options) => app.inject(options),
      origin,
    });
  }
  await app.register(avatarRoutes, {
    avatars: new AvatarService(deps.store, deps.pipeline.jpegQuality),
    maxAgeSeconds: deps.photoMaxAgeSeconds,
    ...(fastReads ? { kept: fastReads } : {}),
  });
  await app.register(identityRoutes, deps.issuer);
  await app.register(systemRoutes, { store: deps.store, metrics });
  await app.register(explorerRoutes);
  await app.register(webRoutes, { root: deps.webRoot ?? defaultWebRoot() });
  return app;
}
