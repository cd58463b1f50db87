// POST /$batch (SPEC §7): up to 20 requests, each run through the whole API as if sent on its own
// (its own authorization, throttling and errors), in dependsOn order; binary bodies travel as
// base64 with their Content-Type, both ways.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { type BatchItem, parseBatch, runOrder } from '../graph/batch.js';
import type { ApiDeps } from './api-routes.js';
import { MAX_PHOTO_BYTES } from './photo-routes.js';

/** Twenty photos of 4 MiB, base64-encoded, with room for the JSON around them. */
const MAX_BATCH_BYTES = Math.ceil((MAX_PHOTO_BYTES * 20 * 4) / 3) + 1024 * 1024;
/** Independent requests run this many at a time. */
const PARALLEL = 4;

const RETURNED_HEADERS = ['content-type', 'etag', 'location', 'retry-after', 'cache-control', 'allow'];

export interface BatchResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const isJson = (type: string | undefined) => /^application\/(.+\+)?json/i.test(type ?? '');

function payloadOf(item: BatchItem): string | Buffer | undefined {
  if (item.body === undefined) return undefined;
  if (isJson(item.headers['content-type'])) return JSON.stringify(item.body);
  // Anything else (a photo) is a base64 string, as Graph's batching expects.
  return typeof item.body === 'string' ? Buffer.from(item.body, 'base64') : JSON.stringify(item.body);
}

function toBatchResponse(id: string, response: LightMyRequestResponse): BatchResponse {
  const headers: Record<string, string> = {};
  for (const name of RETURNED_HEADERS) {
    const value = response.headers[name];
    if (value !== undefined) headers[name] = String(value);
  }
  const raw = response.rawPayload;
  if (raw.length === 0) return { id, status: response.statusCode, headers };
  const body = isJson(headers['content-type']) ? JSON.parse(raw.toString('utf8')) : raw.toString('base64');
  return { id, status: response.statusCode, headers, body };
}

const failedDependency = (item: BatchItem): BatchResponse => ({
  id: item.id,
  status: 424,
  headers: { 'content-type': 'application/json' },
  body: {
    error: {
      code: 'FailedDependency',
      message: `The request depends on a request that failed: ${item.dependsOn.join(', ')}.`,
    },
  },
});

export async function batchRoutes(app: FastifyInstance, deps: ApiDeps) {
  app.post('/$batch', { bodyLimit: MAX_BATCH_BYTES }, async (request, reply) => {
    const items = parseBatch(request.body, deps.version);
    const results = new Map<string, BatchResponse>();
    const run = async (item: BatchItem): Promise<void> => {
      const failed = item.dependsOn.some((d) => (results.get(d.toLowerCase())?.status ?? 500) >= 400);
      if (failed) {
        results.set(item.id.toLowerCase(), failedDependency(item));
        return;
      }
      const payload = payloadOf(item);
      const response = await deps.inject({
        method: item.method as InjectOptions['method'],
        url: `/${deps.version}${item.url}`,
        headers: {
          ...item.headers,
          authorization: request.headers.authorization ?? '',
          'client-request-id': item.headers['client-request-id'] ?? request.id,
        },
        ...(payload !== undefined ? { payload } : {}),
      });
      results.set(item.id.toLowerCase(), toBatchResponse(item.id, response));
    };
    for (const wave of runOrder(items)) {
      for (let i = 0; i < wave.length; i += PARALLEL) await Promise.all(wave.slice(i, i + PARALLEL).map(run));
    }
    return reply
      .type('application/json')
      .send({ responses: items.map((item) => results.get(item.id.toLowerCase())) });
  });
}
