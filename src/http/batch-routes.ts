// POST /$batch (SPEC §7): up to 20 requests, each run through the whole API as if sent on its own
// (its own authorization, throttling and errors), in dependsOn order; binary bodies travel as
// base64 with their Content-Type, both ways. Replies look like Graph's, because clients read
// them by Graph's header names: the JS SDK's BatchResponseContent and the Graph Toolkit look up
// `headers['Content-Type']` and `headers['ETag']` case-sensitively.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { type BatchItem, parseBatch, runOrder } from '../graph/batch.js';
import type { ApiDeps } from './api-deps.js';
import { sendJson } from './graph-protocol.js';

/** Graph's limit for a batch request body; a photo in a batch is therefore at most about 3 MB. */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Independent requests run this many at a time. */
const PARALLEL = 4;

/** The headers an item's response keeps, by their lower-case name, in Graph's spelling. */
const RETURNED_HEADERS: Record<string, string> = {
  'content-type': 'Content-Type',
  etag: 'ETag',
  location: 'Location',
  'retry-after': 'Retry-After',
  'cache-control': 'Cache-Control',
  allow: 'Allow',
  'odata-version': 'OData-Version',
  'www-authenticate': 'WWW-Authenticate',
};

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
  for (const [name, graphName] of Object.entries(RETURNED_HEADERS)) {
    const value = response.headers[name];
    if (value !== undefined) headers[graphName] = String(value);
  }
  const raw = response.rawPayload;
  if (raw.length === 0) return { id, status: response.statusCode, headers };
  const type = headers['Content-Type'];
  const body = isJson(type)
    ? JSON.parse(raw.toString('utf8'))
    : /^text\//i.test(type ?? '')
      ? raw.toString('utf8')
      : raw.toString('base64');
  return { id, status: response.statusCode, headers, body };
}

/**
 * An item's own headers, but for the ones that frame a body on the wire: its body is the JSON
 * value or base64 string given, and its length is that body's (a `Content-Length` of 100 MB on an
 * item of 10 bytes would otherwise be believed).
 */
function framedHeaders(headers: Record<string, string>): Record<string, string> {
  const { 'content-length': _length, 'transfer-encoding': _encoding, ...rest } = headers;
  return rest;
}

const failedDependency = (item: BatchItem): BatchResponse => ({
  id: item.id,
  status: 424,
  headers: { 'Content-Type': 'application/json' },
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
          ...framedHeaders(item.headers),
          authorization: request.headers.authorization ?? '',
          'client-request-id': item.headers['client-request-id'] ?? request.id,
          // The item's links name the origin the batch was sent to.
          ...deps.origin.innerHeaders(request),
        },
        ...(payload !== undefined ? { payload } : {}),
      });
      results.set(item.id.toLowerCase(), toBatchResponse(item.id, response));
    };
    for (const wave of runOrder(items)) {
      for (let i = 0; i < wave.length; i += PARALLEL) await Promise.all(wave.slice(i, i + PARALLEL).map(run));
    }
    return sendJson(reply, { responses: items.map((item) => results.get(item.id.toLowerCase())) });
  });
}
