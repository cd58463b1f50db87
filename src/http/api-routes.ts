// One Graph API version (/v1.0 or /beta): every request is authenticated and throttled first,
// then the directory routes take the paths they know and the photo matrix takes the rest.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Authenticated, TokenVerifier } from '../auth/token-verifier.js';
import type { ApiVersion } from '../graph/endpoint-matrix.js';
import type { DirectoryPorts } from '../services/owner-resolver.js';
import type { PhotoServiceDeps } from '../services/photo-service.js';
import type { BodyTimeRules } from './body-deadline.js';
import { batchRoutes } from './batch-routes.js';
import { Cors } from './cors.js';
import type { FaultInjector } from './faults.js';
import { directoryRoutes } from './directory/directory-routes.js';
import { photoRoutes } from './photo-routes.js';
import type { PublicOrigin } from './public-origin.js';
import type { Throttle } from './throttle.js';
import type { UploadGate } from './upload-gate.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every API request by the time its route runs. */
    auth?: Authenticated;
  }
}

export interface ApiDeps {
  version: ApiVersion;
  ports: DirectoryPorts;
  verifier: TokenVerifier;
  photos: PhotoServiceDeps;
  throttle: Throttle;
  faults: FaultInjector;
  uploads: UploadGate;
  bodyTime: BodyTimeRules;
  photoMaxAgeSeconds: number;
  /** The origin links in responses are built on. */
  origin: PublicOrigin;
  /** Runs a request through the whole application, as $batch does with each of its requests. */
  inject: (options: InjectOptions) => Promise<LightMyRequestResponse>;
}

export async function apiRoutes(app: FastifyInstance, options: ApiDeps & { prefix?: string }): Promise<void> {
  // The prefix applies to this scope; passed on, it would be applied again.
  const { prefix: _applied, ...deps } = options;
  app.addHook('onRequest', async (request, reply) => {
    request.auth = await deps.verifier.authenticate(request.headers.authorization);
    Cors.checkTenant(request, reply, request.auth.tenant);
    await deps.faults.apply(request, request.auth.tenant);
  });
  deps.throttle.register(app);
  await app.register(photoRoutes, deps);
  await app.register(directoryRoutes, deps);
  await app.register(batchRoutes, deps);
}
