// The Graph protocol around every response (SPEC §7): request-id and client-request-id headers,
// OData-Version on JSON, JSON bodies read with a nesting limit, and one error handler that renders
// the Graph error envelope for every failure.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { drainThenClose } from './lingering-close.js';
import { echoedClientRequestId } from './request-epilogue.js';
import {
  badRequest,
  entityTooLarge,
  GraphError,
  generalException,
  jsonRequired,
  storageUnavailable,
} from '../errors.js';
import { BlobStoreUnavailableError } from '../store/objects/object-store.js';

/** A client's own id is echoed when it is a sane token; otherwise the request-id stands in. */
export const clientRequestId = (request: FastifyRequest): string =>
  echoedClientRequestId(request.headers['client-request-id'], request.id);

/** Decodes `%24` to `$` in the path (not the query), so `$value`, `$ref` and `$batch` route either way. */
export const decodeDollars = (url: string) => {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.replace(/%24/gi, '$') + (q === -1 ? '' : url.slice(q));
};

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

/** What a too-large body was, for the 413's message. */
function bodyKind(request: FastifyRequest): string {
  if (request.photoCall) return 'a photo';
  return /\/\$batch$/i.test(request.url.split('?')[0]!) ? 'a $batch request' : 'a JSON request body';
}

/** Fastify's own errors (body limits, parsers) in Graph's words; anything unknown is a 500. */
function toGraphError(error: FastifyError, request: FastifyRequest): GraphError | undefined {
  if (error instanceof GraphError) return error;
  // A route schema's refusal carries its Graph error (http/directory/body-schemas.ts).
  if (error.validation && error.cause instanceof GraphError) return error.cause;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return entityTooLarge(request.routeOptions.bodyLimit ?? 0, bodyKind(request));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      // Photo routes take any type (the pipeline decides), so this is a JSON endpoint.
      return jsonRequired(request.headers['content-type']);
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

/** How long a client is asked to wait when the blob store failed: long enough for it to recover. */
const BLOB_RETRY_AFTER_SECONDS = 5;

/** JSON replies carry the OData version, as Graph's do. */
export function sendJson(reply: FastifyReply, body: unknown, status = 200): FastifyReply {
  return reply.code(status).type('application/json').header('odata-version', '4.0').send(body);
}

/**
 * Deeper JSON than this is refused before it is parsed: no Graph body comes near it, and deep
 * nesting is how a small body exhausts the stack of everything that walks it.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether brackets outside strings nest deeper than `max`; one pass, no allocation. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export function sendGraphError(reply: FastifyReply, error: GraphError): FastifyReply {
  return sendJson(reply.headers(error.headers), errorBody(error, reply.request), error.status);
}

const protocolHeaders = (request: FastifyRequest, reply: FastifyReply) =>
  reply.header('request-id', request.id).header('client-request-id', clientRequestId(request));

/**
 * Fastify's `frameworkErrors`: a URL the router cannot decode is refused before any hook runs,
 * and gets the same headers and Graph error as every other refusal.
 */
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  return sendGraphError(protocolHeaders(request, reply), toGraphError(error, request) ?? generalException());
}

export function registerGraphProtocol(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    protocolHeaders(request, reply);
  });

  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (nestsDeeperThan(body as string, MAX_JSON_DEPTH)) {
      done(badRequest(`The JSON body nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep.`));
      return;
    }
    parseJson(request, body as string, done);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = toGraphError(error, request);
    if (known) return sendGraphError(reply, known);
    if ((error as Error) instanceof BlobStoreUnavailableError) {
      request.log.warn({ err: error, reqId: request.id }, 'the blob store failed');
      return sendGraphError(reply, storageUnavailable(BLOB_RETRY_AFTER_SECONDS));
    }
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

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses before Fastify sees them
 * (conflicting Content-Length and Transfer-Encoding, a request line or headers too large, a
 * malformed line) still get Graph's error body and a request-id, then the connection closes.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has gone; one already answered may keep failing to parse what follows.
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request line or headers are larger than this server accepts (64 KB).']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request did not arrive in time.']
        : [400, `The request is not valid HTTP/1.1 (${error.code ?? 'malformed'}).`];
  const id = randomUUID();
  const body = JSON.stringify({
    error: {
      code: 'BadRequest',
      message,
      innerError: { date: graphDate(), 'request-id': id, 'client-request-id': id },
    },
  });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nrequest-id: ${id}\r\nclient-request-id: ${id}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
  // Closing with the rest of the request unread would reset the connection and lose the answer
  // (a client still sending 80 KB of headers): read and drop it, within bounds, then close.
  if (socket instanceof Socket) drainThenClose(socket);
  else socket.destroy();
}

/** Connections already given their answer. */
const answered = new WeakSet<Duplex>();
