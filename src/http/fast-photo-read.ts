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
//
// Avatars (`/avatar/{hash}?…`, public, no token) are kept the same way, by their whole URL: the
// avatar route decides and answers each request and hands its image here (keepAvatar), and from
// the second time a URL is answered it is kept and answered from memory until the next write. Images
// (a photo or a drawn default) are kept; redirects, not-found answers and refusals never are.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { Authenticated } from '../auth/verification.js';
import type { ApiVersion } from '../graph/endpoint-matrix.js';
import type { DirectoryPorts } from '../services/owner-resolver.js';
import { SecondAsk } from '../store/admission.js';
import { decidePhotoCall } from '../services/photo-call.js';
import { type PhotoServiceDeps, readPhoto } from '../services/photo-service.js';
import type { UsageRecorder } from '../services/usage-recorder.js';
import { noneMatch, quoteEtag } from '../graph/etags.js';
import { decodeDollars } from './graph-protocol.js';
import { lingerAfterAnswer } from './lingering-close.js';
import { photoValueHeaders } from './photo-routes.js';
import { type AnswerEpilogue, type RequestEpilogue, requestIdHeaders } from './request-epilogue.js';
import { hostnameOf, securityHeaderList } from './security-headers.js';
import { atTurnEnd } from './turn-end.js';
import type { Metrics } from './metrics.js';

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
  /** Metrics, usage and the log line of every answer, as for Fastify's (request-epilogue.ts). */
  epilogue: RequestEpilogue;
  /** The store's read generation (Store.readGeneration); without it nothing is kept. */
  readGeneration?: () => number;
}

/**
 * A decision and its answer, valid while `generation` is the store's and, for a photo read, the
 * verifier vouches for its token.
 */
interface Decided {
  /** The metrics' operation label: `value` for photo bytes, `other` for avatars (as Fastify counts them). */
  operation: Operation;
  generation: number | undefined;
  /** A photo read's Authorization header, and until when the verifier vouches for it (TokenVerifier.rememberedUntil). */
  token?: { authorization: string; until: number };
  photo: { etag: string; contentType: string; bytes: Buffer };
  /** The answer's headers other than the per-request ones, as names and values: for 200 and for 304. */
  headers: Record<200 | 304, readonly string[]>;
  /** Counts the call for the least-privilege report (UsageRecorder.prepare). */
  recordUse?: () => void;
}

type Operation = 'value' | 'other';

/** The answer's fixed headers, for 200 and for 304 (which has no body). */
function answerHeaders(
  validators: { etag: string; 'cache-control': string },
  contentType: string,
  length: number,
) {
  const notModified = ['etag', validators.etag, 'cache-control', validators['cache-control']];
  return {
    200: [...notModified, 'content-type', contentType, 'content-length', String(length)],
    304: notModified,
  };
}

/** Bounded by entries and by the photo bytes they hold (shared with the read cache while it has them). */
const DECIDED_ENTRIES = 10_000;
const DECIDED_BYTES = 32 * 1024 * 1024;

const VERSIONS: Record<string, ApiVersion> = { '/v1.0/': 'v1.0', '/beta/': 'beta' };

export class FastPhotoRead {
  private open = true;

  private readonly admission = new SecondAsk();

  private readonly decided = new LRUCache<string, Decided>({
    max: DECIDED_ENTRIES,
    maxSize: DECIDED_BYTES,
    sizeCalculation: (entry) => entry.photo.bytes.length + (entry.token?.authorization.length ?? 0) + 256,
  });

  /** The epilogue of each kind of answer this path gives, bound once (request-epilogue.ts). */
  private readonly epilogues: Record<Operation, Record<200 | 304, AnswerEpilogue>>;

  constructor(private readonly deps: FastReadDeps) {
    const kinds = (operation: Operation) => ({
      200: deps.epilogue.of('GET', operation, 200),
      304: deps.epilogue.of('GET', operation, 304),
    });
    this.epilogues = { value: kinds('value'), other: kinds('other') };
  }

  /** The store's read generation now, to be read before an avatar's look-ups and given to keepAvatar. */
  generation(): number | undefined {
    return this.deps.readGeneration?.();
  }

  /**
   * Keeps the avatar route's answer of an image for `url` (the request's URL as sent), decided
   * from what the store held at `generation`, once the URL is asked for again: a sweep of one-off
   * URLs passes through, as one-off photo reads do (admission.ts).
   */
  keepAvatar(
    url: string,
    generation: number,
    answer: { etag: string; image: { contentType: string; bytes: Buffer } },
    cacheControl: string,
  ): void {
    if (!this.admission.admits(url)) return;
    const { etag, image } = answer;
    this.decided.set(url, {
      operation: 'other',
      generation,
      photo: { etag, ...image },
      headers: answerHeaders(
        { etag: quoteEtag(etag), 'cache-control': cacheControl },
        image.contentType,
        image.bytes.length,
      ),
    });
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
    if (headers.origin !== undefined) return false;
    if (request.url?.startsWith('/avatar/')) return this.keptAvatar(request, response, request.url);
    if (authorization === undefined) return false;
    const url = decodeDollars(request.url ?? '/');
    const version = VERSIONS[url.slice(0, url.indexOf('/', 1) + 1)];
    if (!version || url.includes('?') || !url.endsWith('/$value')) return false;
    const generation = this.deps.readGeneration?.();
    const key = `${url}\n${authorization.slice(-24)}`;
    const kept = generation === undefined ? undefined : this.decided.get(key);
    if (
      kept?.token !== undefined &&
      kept.generation === generation &&
      kept.token.authorization === authorization &&
      this.deps.verifier.stillRemembered(kept.token.until)
    ) {
      this.answer(request, response, url, kept, performance.now());
      return true;
    }
    const remembered = this.deps.verifier.authenticateRemembered(authorization);
    if (!remembered) return false;
    return this.decide(request, response, url, version, remembered, generation, key).catch(() => false);
  }

  private keptAvatar(request: IncomingMessage, response: ServerResponse, url: string): boolean {
    const kept = this.decided.get(url);
    if (kept === undefined || kept.generation !== this.deps.readGeneration?.()) return false;
    this.answer(request, response, url, kept, performance.now());
    return true;
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
    const authorization = request.headers.authorization!;
    const until = this.deps.verifier.rememberedUntil(authorization);
    const decided: Decided = {
      operation: 'value',
      generation,
      token: { authorization, until: until ?? 0 },
      photo,
      headers: answerHeaders(
        photoValueHeaders(photo.etag, this.deps.photoMaxAgeSeconds),
        photo.contentType,
        photo.bytes.length,
      ),
      recordUse: this.deps.usage.prepare(auth.caller, [grant]),
    };
    // Kept under the generation read before the first look-up: a write since has made it stale.
    // Only decisions asked for again are kept (admission.ts): a one-off read passes through.
    if (generation !== undefined && until !== undefined && this.admission.admits(key))
      this.decided.set(key, decided);
    this.answer(request, response, url, decided, started);
    return true;
  }

  /** Sends the answer at the end of this turn of the event loop, with the others of the turn (turn-end.ts). */
  private answer(
    request: IncomingMessage,
    response: ServerResponse,
    url: string,
    decided: Decided,
    started: number,
  ): void {
    atTurnEnd(
      () => this.send(request, response, url, decided, started),
      (error) => {
        this.deps.logger.error({ err: error }, 'a kept answer could not be sent');
        response.destroy();
      },
    );
  }

  private send(
    request: IncomingMessage,
    response: ServerResponse,
    url: string,
    { operation, photo, headers, recordUse }: Decided,
    started: number,
  ): void {
    const id = randomUUID();
    const notModified = noneMatch(headersOf(request, 'if-none-match'), photo.etag);
    const status = notModified ? 304 : 200;
    const { tls } = this.deps;
    // A GET that came with a body still arriving: as on every route (lingering-close.ts).
    lingerAfterAnswer(request, response);
    response.writeHead(status, [
      ...securityHeaderList(tls, tls ? hostnameOf(request.headers.host) : ''),
      ...requestIdHeaders(id, request.headers),
      ...headers[status],
    ]);
    response.end(notModified ? undefined : photo.bytes);
    // Answered: from here nothing may hand the request on.
    try {
      this.deps.metrics.fastReads.inc();
      this.epilogues[operation][status].answered(id, url, performance.now() - started, recordUse);
    } catch (error) {
      this.deps.logger.error({ err: error, reqId: id }, 'unexpected error after a photo read');
    }
  }
}

const headersOf = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};
