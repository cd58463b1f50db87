// GET /avatar/{hash}: Libravatar- and Gravatar-compatible avatar URLs (SPEC §8), for apps that show
// avatars from a "custom avatar server". No token: it answers only for tenants that made their
// avatars public. Reads the parameters both services document, in both spellings:
//
//   curl -o me.jpg 'https://localhost:8443/avatar/<md5 or sha256 of the address>?s=128&d=identicon'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, imageNotFound } from '../errors.js';
import { STANDARD_SIZES } from '../domain/photo-sizes.js';
import type { AvatarFallback, AvatarRequest, AvatarService } from '../services/avatar-service.js';
import { noneMatch, quoteEtag } from '../graph/etags.js';
import type { FastPhotoRead } from './fast-photo-read.js';
import { sendGraphError } from './graph-protocol.js';

export interface AvatarRouteDeps {
  avatars: AvatarService;
  /** Cache-Control max-age of every answer but a 400. */
  maxAgeSeconds: number;
  /** Where an image answer is kept for the next request of the same URL (fast-photo-read.ts). */
  kept?: Pick<FastPhotoRead, 'generation' | 'keepAvatar'>;
}

const MAX_SIZE = STANDARD_SIZES.at(-1)!;
const DEFAULT_SIZE = 80;
/** An MD5 (32) or SHA-256 (64) hex digest; Gravatar also allows a `.jpg` or `.png` suffix. */
const HASH = /^([0-9a-f]{32}|[0-9a-f]{64})(?:\.(?:jpe?g|png))?$/i;
const MAX_URL_LENGTH = 2048;

/**
 * Gravatar's other generated styles (and the old name of mp) are drawn as the nearest Portrait
 * has, so an app configured with them gets an image rather than an error.
 */
const DRAWN_STYLES: Record<string, Extract<AvatarFallback, { kind: 'drawn' }>['style']> = {
  mp: 'mp',
  mm: 'mp',
  identicon: 'identicon',
  monsterid: 'identicon',
  wavatar: 'identicon',
  retro: 'identicon',
  robohash: 'identicon',
  pagan: 'identicon',
  initials: 'initials',
  blank: 'blank',
};

const YES = new Set(['y', 'yes', 'true', '1']);
const NO = new Set(['n', 'no', 'false', '0']);

/** Shown back in an error message, shortened: never a whole long URL. */
const shown = (value: string) => (value.length > 80 ? `${value.slice(0, 77)}...` : value);

type Query = Record<string, string | string[] | undefined>;

/** One parameter given by either of its names (`s` or `size`), at most once. */
function parameter(query: Query, short: string, long: string): string | undefined {
  const given = [short, long].filter((name) => query[name] !== undefined);
  if (given.length > 1) throw badRequest(`Give '${short}' or '${long}', not both.`);
  const value = given[0] === undefined ? undefined : query[given[0]];
  if (Array.isArray(value)) throw badRequest(`The parameter '${given[0]}' is given more than once.`);
  return value;
}

function parseSize(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_SIZE;
  const size = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(size >= 1 && size <= MAX_SIZE)) {
    throw badRequest(`The size (s) must be a whole number from 1 to ${MAX_SIZE}, not '${shown(value)}'.`);
  }
  return size;
}

function parseDefault(value: string | undefined): AvatarFallback {
  if (value === undefined || value === '') return { kind: 'drawn', style: 'mp' };
  if (value === '404') return { kind: 'notFound' };
  const style = DRAWN_STYLES[value.toLowerCase()];
  if (style) return { kind: 'drawn', style };
  if (/^https?:\/\//i.test(value) && value.length <= MAX_URL_LENGTH && URL.canParse(value)) {
    return { kind: 'redirect', url: new URL(value).href };
  }
  throw badRequest(
    `The default (d) must be 404, mp, identicon, initials, blank or an http(s) URL of at most ${MAX_URL_LENGTH} characters, not '${shown(value)}'.`,
  );
}

function parseForce(value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  const word = value.toLowerCase();
  if (YES.has(word)) return true;
  if (NO.has(word)) return false;
  throw badRequest(`forcedefault (f) takes y or n, not '${shown(value)}'.`);
}

export function parseAvatarRequest(path: string, query: Query): AvatarRequest {
  const match = HASH.exec(path);
  if (!match) {
    throw badRequest(
      `'${shown(path)}' is not an avatar hash: give the MD5 (32 hex digits) or SHA-256 (64) of the trimmed, lower-cased email address.`,
    );
  }
  return {
    hash: match[1]!.toLowerCase(),
    size: parseSize(parameter(query, 's', 'size')),
    fallback: parseDefault(parameter(query, 'd', 'default')),
    forceDefault: parseForce(parameter(query, 'f', 'forcedefault')),
  };
}

async function answer(deps: AvatarRouteDeps, request: FastifyRequest, reply: FastifyReply) {
  // An image's bytes are never read as anything else, whatever a browser guesses.
  reply.header('x-content-type-options', 'nosniff');
  const path = (request.params as { '*'?: string })['*'] ?? '';
  const parsed = parseAvatarRequest(path, request.query as Query);
  // Read before the look-ups: a write during them leaves the kept answer stale at once.
  const generation = deps.kept?.generation();
  const result = await deps.avatars.answer(parsed);
  // Public: the answer is the same for everyone, so shared caches may keep it.
  const cacheControl = `public, max-age=${deps.maxAgeSeconds}`;
  reply.header('cache-control', cacheControl);
  if (result.kind === 'notFound') {
    return sendGraphError(reply, imageNotFound('No public photo matches this avatar hash.'));
  }
  if (result.kind === 'redirect') return reply.redirect(result.location, 302);
  if (generation !== undefined) deps.kept?.keepAvatar(request.originalUrl, generation, result, cacheControl);
  reply.header('etag', quoteEtag(result.etag));
  if (noneMatch(request.headers['if-none-match'], result.etag)) return reply.code(304).send();
  return reply.type(result.image.contentType).send(result.image.bytes);
}

export async function avatarRoutes(app: FastifyInstance, deps: AvatarRouteDeps): Promise<void> {
  // `/avatar` alone reaches the same handler, so it gets the same clear 400.
  for (const url of ['/avatar', '/avatar/*']) {
    app.get(url, (request, reply) => answer(deps, request, reply));
  }
}
