// The fast path for the commonest call: GET of photo bytes (`…/photo/$value`,
// `…/photos/{size}/$value`) by a caller whose token was verified lately. It answers from Node's
// request and response objects without Fastify's hook chain, and takes every decision from the
// same functions the route uses (token, tenant, owner, permission, stored photo, ETag). Whatever it
// does not take — another method or path, a browser's Origin, a query, a token not yet verified, a
// tenant with throttling or simulated faults, a refusal of any kind — goes to Fastify untouched, to
// be decided again and answered there; nothing is counted or written before the answer is sent.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Authenticated, TokenVerifier } from '../auth/token-verifier.js';
import type { ApiVersion } from '../graph/endpoint-matrix.js';
import type { DirectoryPorts } from '../services/owner-resolver.js';
import { type PhotoServiceDeps, readPhoto } from '../services/photo-service.js';
import type { UsageRecorder } from '../services/usage-recorder.js';
import { noneMatch } from './etags.js';
import { decodeDollars, echoedClientRequestId } from './graph-protocol.js';
import { loggedUrl } from './logged-url.js';
import { decidePhotoCall, photoValueHeaders } from './photo-routes.js';
import { hostnameOf, securityHeaders } from './security-headers.js';
import type { Metrics } from './system-routes.js';

export interface FastReadDeps {
  verifier: TokenVerifier;
  ports: DirectoryPorts;
  photos: PhotoServiceDeps;
  photoMaxAgeSeconds: number;
  /** Whether this server speaks TLS itself (HSTS, as security-headers.ts says). */
  tls: boolean;
  /** Throttling counts every request in Fastify's hooks; while it is on, nothing is taken here. */
  throttled: boolean;
  usage: UsageRecorder;
  metrics: Metrics;
  logger: Logger;
}

const VERSIONS: Record<string, ApiVersion> = { '/v1.0/': 'v1.0', '/beta/': 'beta' };

export class FastPhotoRead {
  private open = true;

  constructor(private readonly deps: FastReadDeps) {}

  /** From now on every request goes to Fastify (which answers 503 while the server closes). */
  close(): void {
    this.open = false;
  }

  /**
   * Answers the request and resolves true, or resolves false having written nothing (Fastify
   * then takes it). Returns false at once for a request it would never take.
   */
  serve(request: IncomingMessage, response: ServerResponse): Promise<boolean> | false {
    if (!this.open || this.deps.throttled || request.method !== 'GET') return false;
    const { headers } = request;
    if (headers.origin !== undefined || headers.authorization === undefined) return false;
    const url = decodeDollars(request.url ?? '/');
    const version = VERSIONS[url.slice(0, url.indexOf('/', 1) + 1)];
    if (!version || url.includes('?') || !url.endsWith('/$value')) return false;
    const remembered = this.deps.verifier.authenticateRemembered(headers.authorization);
    if (!remembered) return false;
    return this.answer(request, response, url, version, remembered).catch(() => false);
  }

  private async answer(
    request: IncomingMessage,
    response: ServerResponse,
    url: string,
    version: ApiVersion,
    remembered: Promise<Authenticated>,
  ): Promise<boolean> {
    const started = performance.now();
    const auth = await remembered;
    if (auth.tenant.settings.faults) return false;
    const { target, owner, rule, grant } = await decidePhotoCall(this.deps.ports, version, auth, 'GET', url);
    if (rule.operation !== 'value') return false;
    const photo = await readPhoto(this.deps.photos, owner, target.size);
    const id = randomUUID();
    const notModified = noneMatch(headersOf(request, 'if-none-match'), photo.etag);
    const status = notModified ? 304 : 200;
    response.writeHead(status, {
      ...securityHeaders(this.deps.tls, hostnameOf(request.headers.host)),
      'request-id': id,
      'client-request-id': echoedClientRequestId(request.headers['client-request-id'], id),
      ...photoValueHeaders(photo.etag, this.deps.photoMaxAgeSeconds),
      ...(notModified ? {} : { 'content-type': photo.contentType, 'content-length': photo.bytes.length }),
    });
    response.end(notModified ? undefined : photo.bytes);
    // Answered: from here nothing may hand the request on.
    try {
      const seconds = (performance.now() - started) / 1000;
      this.deps.usage.record(auth.caller, [grant]);
      this.deps.metrics.fastReads.inc();
      this.deps.metrics.requests.inc({ method: 'GET', operation: rule.operation, status });
      this.deps.metrics.duration.observe({ method: 'GET', operation: rule.operation }, seconds);
      this.deps.logger.info(
        { reqId: id, method: 'GET', url: loggedUrl(url), status, ms: Math.round(seconds * 1000) },
        'request',
      );
    } catch (error) {
      this.deps.logger.error({ err: error, reqId: id }, 'unexpected error after a photo read');
    }
    return true;
  }
}

const headersOf = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};
