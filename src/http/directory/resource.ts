// What the directory routes share: a route per method of a Graph resource, its body checked by a
// JSON Schema first (body-schemas.ts), 405 with Allow for the other methods; OData context URLs;
// entity and collection replies with $select and @odata.nextLink.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { methodNotAllowed } from '../../errors.js';
import {
  collectionOptions,
  type EntityShape,
  nextLink,
  project,
  queryOption,
  selectOption,
} from '../../graph/odata-query.js';
import { eventualConsistency, needsEventualConsistency } from '../../graph/odata-search.js';
import type { ListQuery, Page } from '../../domain/listing.js';
import type { ApiDeps } from '../api-deps.js';
import type { BodySchema } from './body-schemas.js';
import { sendJson } from '../graph-protocol.js';

export type Params = Record<string, string>;
export type DirectoryRequest = FastifyRequest<{
  Params: Params;
  Querystring: Record<string, string>;
  Body: unknown;
}>;
export type Handler = (request: DirectoryRequest, reply: FastifyReply) => Promise<unknown>;
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const METHODS: readonly Method[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

/** A method's handler, and the schema its body must meet (validated before the handler runs). */
export type MethodHandler = Handler | { body: BodySchema; handler: Handler };

/** Registers a resource: a route per method it has, a Graph 405 with Allow for the others. */
export function resource(
  app: FastifyInstance,
  url: string,
  handlers: Partial<Record<Method, MethodHandler>>,
): void {
  const allow = Object.keys(handlers).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
  for (const method of METHODS) {
    const given = handlers[method];
    if (!given) continue;
    const { body, handler } = typeof given === 'function' ? { body: undefined, handler: given } : given;
    app.route({
      method: method === 'GET' ? ['GET', 'HEAD'] : method,
      url,
      exposeHeadRoute: false,
      ...(body ? { schema: { body: body.schema }, schemaErrorFormatter: body.errors } : {}),
      handler: (request, reply) => handler(request as DirectoryRequest, reply),
    });
  }
  const others = METHODS.filter((m) => !handlers[m]).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
  if (others.length > 0) {
    app.route({
      method: others,
      url,
      exposeHeadRoute: false,
      handler: (request) => {
        throw methodNotAllowed(request.method, allow);
      },
    });
  }
}

/** The API root links are built on, e.g. `https://localhost:8443/v1.0`. */
export const apiRoot = (deps: ApiDeps, request: FastifyRequest) =>
  `${deps.origin.of(request)}/${deps.version}`;

export const contextUrl = (deps: ApiDeps, request: FastifyRequest, fragment: string) =>
  `${apiRoot(deps, request)}/$metadata#${fragment}`;

/**
 * One entity, with `$select` applied. A `201 Created` carries `Location`, the new entity's URL
 * (`path`, relative to the version, e.g. `users/{id}`).
 */
export function sendEntity(
  deps: ApiDeps,
  request: DirectoryRequest,
  reply: FastifyReply,
  context: string,
  shape: EntityShape,
  entity: Record<string, unknown>,
  created?: { path: string },
) {
  const select = selectOption(queryOption(request.query ?? {}, '$select'), shape);
  if (created) reply.header('location', `${apiRoot(deps, request)}/${created.path}`);
  return sendJson(
    reply,
    { '@odata.context': contextUrl(deps, request, context), ...project(entity, select, shape) },
    created ? 201 : 200,
  );
}

/**
 * A page of a collection, with `$select`, `@odata.count` when `$count=true`, and
 * `@odata.nextLink` when there is more.
 */
export async function sendCollection<T>(
  deps: ApiDeps,
  request: DirectoryRequest,
  reply: FastifyReply,
  context: string,
  shape: EntityShape,
  load: (query: ListQuery) => Promise<Page<T>>,
  toJson: (item: T) => Record<string, unknown>,
) {
  const { query, select } = collectionOptions(request.query, shape, request.headers);
  const page = await load(query);
  const url = new URL(request.url, deps.origin.of(request));
  return sendJson(reply, {
    '@odata.context': contextUrl(deps, request, context),
    ...(page.count !== undefined ? { '@odata.count': page.count } : {}),
    value: page.items.map((item) => project(toJson(item), select, shape)),
    ...(page.next ? { '@odata.nextLink': nextLink(url, page.next, query.top, page.nextName) } : {}),
  });
}

/**
 * `GET …/$count`: the number of matches as plain text, which Graph answers for directory
 * collections only with `ConsistencyLevel: eventual`. `$filter` and `$search` narrow it.
 */
export async function sendCount<T>(
  request: DirectoryRequest,
  reply: FastifyReply,
  shape: EntityShape,
  load: (query: ListQuery) => Promise<Page<T>>,
) {
  if (!eventualConsistency(request.headers)) throw needsEventualConsistency('rawCount');
  const { query } = collectionOptions(request.query, shape, request.headers);
  const page = await load({ ...query, top: 1, count: true });
  return reply.type('text/plain; charset=utf-8').header('odata-version', '4.0').send(String(page.count));
}
