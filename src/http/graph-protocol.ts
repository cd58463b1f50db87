// The Graph protocol around every response (SPEC §7): request-id and client-request-id headers,
// and one error handler that renders the Graph error envelope for every failure.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, entityTooLarge, GraphError, generalException, unsupportedMediaType } from '../errors.js';

/** A client's own id is echoed when it is a sane token; otherwise the request-id stands in. */
export function clientRequestId(request: FastifyRequest): string {
  const given = request.headers['client-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : request.id;
}

/** Graph's innerError date: UTC to the second, without a zone suffix. */
const graphDate = () => new Date().toISOString().slice(0, 19);

export function errorBody(error: GraphError, request: FastifyRequest) {
  return {
    error: {
      code: error.code,
      message: error.message,
      innerError: {
        ...error.details,
        date: graphDate(),
        'request-id': request.id,
        'client-request-id': clientRequestId(request),
      },
    },
  };
}

/** Fastify's own errors (body limits, parsers) in Graph's words; anything unknown is a 500. */
function toGraphError(error: FastifyError, bodyLimit: number): GraphError | undefined {
  if (error instanceof GraphError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return entityTooLarge(bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType(undefined);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return badRequest('The Content-Length header does not match the body.');
    case 'FST_ERR_BAD_URL':
      return badRequest('The request URL is not valid: it has a malformed %-escape.');
    default:
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return badRequest(error.message);
      }
      return undefined;
  }
}

export function sendGraphError(reply: FastifyReply, error: GraphError): FastifyReply {
  return reply
    .code(error.status)
    .headers(error.headers)
    .type('application/json')
    .send(errorBody(error, reply.request));
}

const protocolHeaders = (request: FastifyRequest, reply: FastifyReply) =>
  reply.header('request-id', request.id).header('client-request-id', clientRequestId(request));

/**
 * Fastify's `frameworkErrors`: a URL the router cannot decode is refused before any hook runs,
 * and gets the same headers and Graph error as every other refusal.
 */
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  // No body has been read yet, so no body limit can have been passed.
  return sendGraphError(protocolHeaders(request, reply), toGraphError(error, 0) ?? generalException());
}

export function registerGraphProtocol(app: FastifyInstance, options: { bodyLimit: number }): void {
  app.addHook('onRequest', async (request, reply) => {
    protocolHeaders(request, reply);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = toGraphError(error, options.bodyLimit);
    if (known) return sendGraphError(reply, known);
    request.log.error({ err: error, reqId: request.id }, 'unexpected error');
    return sendGraphError(reply, generalException());
  });

  app.setNotFoundHandler((request, reply) => sendGraphError(reply, badRequest(notFoundMessage(request.url))));
}

/** Where the built-in issuer's endpoints are, by the slips people make with Entra's URLs. */
const IDENTITY_PATHS: Record<string, string> = {
  '.well-known/openid-configuration': 'v2.0/.well-known/openid-configuration',
  'oauth2/token': 'oauth2/v2.0/token',
  'oauth2/authorize': 'oauth2/v2.0/authorize',
  'discovery/keys': 'discovery/v2.0/keys',
};

/** Graph's own top-level resources: a path that starts with one forgot its version. */
const GRAPH_ROOTS = new Set(['me', 'users', 'groups', 'teams', 'team', '$batch', 'admin']);

/** A path no route takes: say what is wrong with it and what would work. */
function notFoundMessage(url: string): string {
  const segments = url.split('?')[0]!.split('/').filter(Boolean).map(safeDecode);
  const [first, ...rest] = segments;
  if (first === undefined) return 'The request URL has no version; paths start with /v1.0 or /beta.';
  const version = ['v1.0', 'beta'].find((v) => v === first.toLowerCase());
  if (version && rest.length === 0) {
    return `The request URL has no resource after /${version}: e.g. /${version}/me/photo or /${version}/users.`;
  }
  const identity = (from: number) => IDENTITY_PATHS[segments.slice(from).join('/').toLowerCase()];
  if (identity(1))
    return `Did you mean /${first}/${identity(1)}? The issuer's endpoints follow Entra ID's v2.0 paths.`;
  if (identity(0)) return `The issuer's endpoints are per tenant (id or name): /{tenant}/${identity(0)}.`;
  if (GRAPH_ROOTS.has(first.toLowerCase())) {
    return `Paths start with /v1.0 or /beta: e.g. /v1.0/${segments.join('/')}.`;
  }
  return `Invalid version or resource: '${first}'. Paths start with /v1.0 or /beta.`;
}

/** Segments as a person typed them; a malformed %-escape stays as it is. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
