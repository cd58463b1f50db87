// One Graph API version (/v1.0 or /beta): every request is authenticated and throttled first,
// then the directory routes take the paths they know and the photo matrix takes the rest.
import type { FastifyInstance } from 'fastify';
import type { Authenticated } from '../auth/verification.js';
import type { ApiDeps } from './api-deps.js';
import { batchRoutes } from './batch-routes.js';
import { Cors } from './cors.js';
import { directoryRoutes } from './directory/directory-routes.js';
import { photoRoutes } from './photo-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every API request by the time its route runs. */
    auth?: Authenticated;
  }
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
