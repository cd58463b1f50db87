// Builds the HTTP application from its parts, explicitly: protocol plugin, photo API, avatars,
// system routes. The CLI reuses the services without any of this.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { TokenVerifier } from './auth/token-verifier.js';
import { avatarRoutes } from './http/avatar-routes.js';
import { Cors } from './http/cors.js';
import { FaultInjector } from './http/faults.js';
import { clientErrorHandler, registerGraphProtocol, sendFrameworkError } from './http/graph-protocol.js';
import { identityRoutes } from './http/identity-routes.js';
import { apiRoutes } from './http/api-routes.js';
import { PublicOrigin } from './http/public-origin.js';
import { Throttle, type ThrottleRules } from './http/throttle.js';
import { UploadGate } from './http/upload-gate.js';
import { API_VERSIONS } from './graph/endpoint-matrix.js';
import { explorerRoutes } from './http/explorer-routes.js';
import { createMetrics, systemRoutes } from './http/system-routes.js';
import { defaultWebRoot, webRoutes } from './http/web-routes.js';
import type { PipelineOptions } from './image/photo-pipeline.js';
import { AvatarService } from './services/avatar-service.js';
import type { IssuerContext } from './services/oauth-service.js';
import type { UsageRecorder } from './services/usage-recorder.js';
import type { Store } from './store/store.js';
import { answerPlainHttp } from './tls/plain-http-hint.js';

/** Node's default is 16 KB in all; tokens up to 16 KB must reach the verifier to get a Graph 401. */
const MAX_HEADER_BYTES = 64 * 1024;

/** Decodes `%24` to `$` in the path (not the query), so `$value`, `$ref` and `$batch` route either way. */
const decodeDollars = (url: string) => {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.replace(/%24/gi, '$') + (q === -1 ? '' : url.slice(q));
};

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
  /** Uploads read and processed at once; more get 503 with Retry-After. */
  maxUploads: number;
  baseUrl?: string;
  /** The built web console (dist/web); found next to the code when unset. */
  webRoot?: string;
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
    clientErrorHandler,
    serverFactory: (handler) =>
      deps.tls
        ? answerPlainHttp(createHttpsServer({ ...deps.tls, maxHeaderSize: MAX_HEADER_BYTES }, handler))
        : createHttpServer({ maxHeaderSize: MAX_HEADER_BYTES }, handler),
  }) as unknown as FastifyInstance;
  const metrics = createMetrics();

  // One log line per request, for operators: never the token, never image bytes.
  app.addHook('onResponse', async (request, reply) => {
    const operation = request.photoCall?.rule.operation ?? 'other';
    const seconds = reply.elapsedTime / 1000;
    if (request.grants) deps.usage.record(request.auth!.caller, request.grants);
    metrics.requests.inc({ method: request.method, operation, status: reply.statusCode });
    metrics.duration.observe({ method: request.method, operation }, seconds);
    // The request logger already carries reqId.
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  registerGraphProtocol(app);
  new Cors(deps.store.directory).register(app);
  const origin = new PublicOrigin(deps.baseUrl);
  const throttle = new Throttle(deps.throttle);
  const faults = new FaultInjector(metrics.faults);
  // As many again may wait four times over, for up to 30 s: a burst is served, not refused.
  const uploads = new UploadGate({ limit: deps.maxUploads, waiting: deps.maxUploads * 4, maxWaitMs: 30_000 });
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
      photoMaxAgeSeconds: deps.photoMaxAgeSeconds,
      inject: (options) => app.inject(options),
      origin,
    });
  }
  await app.register(avatarRoutes, {
    avatars: new AvatarService(deps.store, deps.pipeline.jpegQuality),
    maxAgeSeconds: deps.photoMaxAgeSeconds,
  });
  await app.register(identityRoutes, deps.issuer);
  await app.register(systemRoutes, { store: deps.store, metrics });
  await app.register(explorerRoutes);
  await app.register(webRoutes, { root: deps.webRoot ?? defaultWebRoot() });
  return app;
}
