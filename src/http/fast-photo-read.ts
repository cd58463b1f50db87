// The fast path for the commonest call: GET of photo bytes (`…/photo/$value`,
// `…/photos/{size}/$value`) by a caller whose token was verified lately. It answers from Node's
// request and response objects without Fastify's hook chain, and takes every decision from the
// same functions the route uses (token, tenant, owner, permission, stored photo, ETag). Whatever it
// does not take — another method or path, a browser's Origin, a query, a token not yet verified, a
// tenant with throttling or simulated faults, a refusal of any kind — goes to Fastify untouched, to
// be decided again and answered there; nothing is counted or written before the answer is sent.
//
// What was decided for a token and a path (who the caller is, the owner, the permission, which
// photo) is kept for as long as every input stays as it was: the store's read generation has not
// moved (no write here or elsewhere, read-cache.ts) and the verifier still vouches for the token
// (not expired). The next identical request then takes the same decision from memory; any write
// anywhere makes every kept decision stale at once.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
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
  /** For the request line (logger.ts, requestLineLogger). */
  requestLog: Logger;
  /** The store's read generation (Store.readGeneration); without it nothing is kept. */
  readGeneration?: () => number;
}

/** A decision and its answer, valid while `generation` is the store's and the token is vouched for. */
interface Decided {
  authorization: string;
  generation: number | undefined;
  photo: { etag: string; contentType: string; bytes: Buffer };
  /** Counts the call for the least-privilege report (UsageRecorder.prepare). */
  recordUse: () => void;
}

/** Bounded by entries and by the photo bytes they hold (shared with the read cache while it has them). */
const DECIDED_ENTRIES = 10_000;
const DECIDED_BYTES = 32 * 1024 * 1024;

const VERSIONS: Record<string, ApiVersion> = { '/v1.0/': 'v1.0', '/beta/': 'beta' };

export class FastPhotoRead {
  private open = true;

  /** The metrics' label sets of this path, bound once (prom-client hashes labels on every call). */
  private readonly answered: Record<200 | 304, ReturnType<Metrics['requests']['labels']>>;
  private readonly timed: ReturnType<Metrics['duration']['labels']>;

  private readonly decided = new LRUCache<string, Decided>({
    max: DECIDED_ENTRIES,
    maxSize: DECIDED_BYTES,
    sizeCalculation: (entry) => entry.photo.bytes.length + entry.authorization.length + 256,
  });

  constructor(private readonly deps: FastReadDeps) {
    const { requests, duration } = deps.metrics;
    this.answered = {
      200: requests.labels({ method: 'GET', operation: 'value', status: 200 }),
      304: requests.labels({ method: 'GET', operation: 'value', status: 304 }),
    };
    this.timed = duration.labels({ method: 'GET', operation: 'value' });
  }

  /** From now on every request goes to Fastify (which answers 503 while the server closes). */
  close(): void {
    this.open = false;
  }

  /**
   * Answers the request and returns true (a decision kept) or resolves true, or returns or
   * resolves false having written nothing (Fastify then takes it).
   */
  serve(request: IncomingMessage, response: ServerResponse): Promise<boolean> | boolean {
    if (!this.open || this.deps.throttled || request.method !== 'GET') return false;
    const { headers } = request;
    const { authorization } = headers;
    if (headers.origin !== undefined || authorization === undefined) return false;
    const url = decodeDollars(request.url ?? '/');
    const version = VERSIONS[url.slice(0, url.indexOf('/', 1) + 1)];
    if (!version || url.includes('?') || !url.endsWith('/$value')) return false;
    const generation = this.deps.readGeneration?.();
    const key = `${url}\n${authorization.slice(-24)}`;
    const kept = generation === undefined ? undefined : this.decided.get(key);
    if (
      kept !== undefined &&
      kept.generation === generation &&
      kept.authorization === authorization &&
      this.deps.verifier.isRemembered(authorization)
    ) {
      this.send(request, response, url, kept, performance.now());
      return true;
    }
    const remembered = this.deps.verifier.authenticateRemembered(authorization);
    if (!remembered) return false;
    return this.decide(request, response, url, version, remembered, generation, key).catch(() => false);
  }

  private async decide(
    request: IncomingMessage,
    response: ServerResponse,
    url: string,
    version: ApiVersion,
    remembered: Promise<Authenticated>,
    generation: number | undefined,
    key: string,
  ): Promise<boolean> {
    const started = performance.now();
    const auth = await remembered;
    if (auth.tenant.settings.faults) return false;
    const { target, owner, rule, grant } = await decidePhotoCall(this.deps.ports, version, auth, 'GET', url);
    if (rule.operation !== 'value') return false;
    const photo = await readPhoto(this.deps.photos, owner, target.size);
    const decided = {
      authorization: request.headers.authorization!,
      generation,
      photo,
      recordUse: this.deps.usage.prepare(auth.caller, [grant]),
    };
    // Kept under the generation read before the first look-up: a write since has made it stale.
    if (generation !== undefined) this.decided.set(key, decided);
    this.send(request, response, url, decided, started);
    return true;
  }

  private send(
    request: IncomingMessage,
    response: ServerResponse,
    url: string,
    { photo, recordUse }: Decided,
    started: number,
  ): void {
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
      recordUse();
      this.deps.metrics.fastReads.inc();
      this.answered[status].inc();
      this.timed.observe(seconds);
      if (this.deps.requestLog.isLevelEnabled('info')) {
        this.deps.requestLog.info(
          { reqId: id, method: 'GET', url: loggedUrl(url), status, ms: Math.round(seconds * 1000) },
          'request',
        );
      }
    } catch (error) {
      this.deps.logger.error({ err: error, reqId: id }, 'unexpected error after a photo read');
    }
  }
}

const headersOf = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};
