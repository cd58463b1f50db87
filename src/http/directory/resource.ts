// What the directory routes share: one route per Graph resource with a handler per method (405
// with Allow for the rest), OData context URLs, entity and collection replies with $select and
// @odata.nextLink, and reading a JSON body into known properties.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { directoryBadRequest, methodNotAllowed } from '../../errors.js';
import {
  collectionOptions,
  type EntityShape,
  nextLink,
  project,
  queryOption,
  selectOption,
} from '../../graph/odata-query.js';
import { eventualConsistency, needsEventualConsistency } from '../../graph/odata-search.js';
import { type LimitedEntity, lengthProblem } from '../../graph/property-limits.js';
import type { ListQuery, Page } from '../../domain/listing.js';
import type { ApiDeps } from '../api-deps.js';
import { sendJson } from '../graph-protocol.js';

export type Params = Record<string, string>;
export type DirectoryRequest = FastifyRequest<{
  Params: Params;
  Querystring: Record<string, string>;
  Body: unknown;
}>;
export type Handler = (request: DirectoryRequest, reply: FastifyReply) => Promise<unknown>;
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Registers a resource: its methods dispatch to handlers, others get a Graph 405. */
export function resource(
  app: FastifyInstance,
  url: string,
  handlers: Partial<Record<Method, Handler>>,
): void {
  const allow = Object.keys(handlers).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
    url,
    exposeHeadRoute: false,
    handler: (request, reply) => {
      const method = (request.method === 'HEAD' ? 'GET' : request.method) as Method;
      const handler = handlers[method];
      if (!handler) throw methodNotAllowed(request.method, allow);
      return handler(request as DirectoryRequest, reply);
    },
  });
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
    ...(page.next ? { '@odata.nextLink': nextLink(url, page.next, query.top) } : {}),
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

/** The JSON body as an object, or a Graph 400. */
export function bodyObject(request: DirectoryRequest): Record<string, unknown> {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw directoryBadRequest('The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** A string property, checked; undefined when absent, null when explicitly null (if allowed). */
export function stringProperty(
  body: Record<string, unknown>,
  name: string,
  entity: LimitedEntity,
  options: { required?: boolean; nullable?: boolean } = {},
): string | null | undefined {
  const value = body[name];
  if (value === undefined) {
    if (options.required) throw directoryBadRequest(`Property '${name}' is required on a ${entity}.`);
    return undefined;
  }
  if (value === null && options.nullable) return null;
  if (typeof value !== 'string' || value.trim() === '') {
    throw directoryBadRequest(`Invalid value specified for property '${name}' of resource '${entity}'.`);
  }
  const tooLong = lengthProblem(entity, name, value);
  if (tooLong) throw directoryBadRequest(tooLong);
  return value;
}

/** Properties a body may carry: anything else is a 400 naming it. */
export function onlyProperties(
  body: Record<string, unknown>,
  allowed: readonly string[],
  entity: string,
): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key) && !key.startsWith('@odata.')) {
      throw directoryBadRequest(`Property '${key}' does not exist on type '${entity}' or cannot be written.`);
    }
  }
}
