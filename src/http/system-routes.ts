// Endpoints beside the API (SPEC §1): liveness, readiness (the store answers) and Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';
import { sendGraphError } from './graph-protocol.js';
import { GraphError } from '../errors.js';
import type { Metrics } from './metrics.js';

export async function systemRoutes(
  app: FastifyInstance,
  deps: { store: Store; metrics: Metrics },
): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    try {
      await deps.store.ping();
    } catch (error) {
      reply.log.warn({ err: error }, 'store not ready');
      return sendGraphError(reply, new GraphError(503, 'generalException', 'The store is not reachable.'));
    }
    const blobs = deps.store.photoBytes;
    try {
      await blobs.ping?.();
    } catch (error) {
      reply.log.warn({ err: error }, 'blob store not ready');
      return sendGraphError(
        reply,
        new GraphError(503, 'serviceNotAvailable', `The blob store ${blobs.name} is not reachable.`, {
          blobStore: blobs.name,
        }),
      );
    }
    return { status: 'ready', store: deps.store.kind, blobStore: blobs.name };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
