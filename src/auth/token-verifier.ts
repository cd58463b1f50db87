// Turns an Authorization header into a Caller, or a 401 InvalidAuthenticationToken (SPEC §5).
// Common checks come first (Bearer scheme, size, an asymmetric algorithm, an `iss`); the issuer the
// token names — the built-in one or a trusted external one — then verifies it its own way.
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { invalidToken } from '../errors.js';
import type { DirectoryStore } from '../store/directory-store.js';
import type { Caller } from './caller.js';
import {
  ASYMMETRIC_ALGORITHMS,
  type Authenticated,
  type IssuerVerifier,
  type VerifyOptions,
} from './verification.js';

/** Entra's own tokens stay well under this; a larger "token" is an attack or a mistake. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/** A `Bearer` header's token, cheaply (no checks beyond the scheme): for a look-up among tokens verified before. */
function headerToken(authorization: string | undefined): string | undefined {
  if (!authorization || authorization.length < 8 || authorization.slice(0, 7).toLowerCase() !== 'bearer ')
    return undefined;
  return authorization.slice(7).trim();
}

function bearerToken(authorization: string | undefined): string {
  if (!authorization) throw invalidToken('Access token is empty.');
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
  if (!match) throw invalidToken("The Authorization header must be 'Bearer <access token>'.");
  const token = match[1]!;
  if (token.length > MAX_TOKEN_LENGTH) throw invalidToken('The access token is larger than 16 KB.');
  return token;
}

/**
 * Verified tokens are remembered for at most this long (and never past their `exp`): a signature
 * check costs more than the photo read it guards. The tenant and the signed-in user are looked
 * up again on every request (from the read cache, which any write in any process clears), so a
 * deleted user's token is refused at once.
 */
const CACHE_SECONDS = 60;
const CACHE_ENTRIES = 10_000;

/**
 * Remembered tokens are found by their last characters, part of the signature (a token is about
 * 800 characters; each request's header is a fresh string, and hashing it whole cost more than
 * the rest of the look-up), and then compared whole.
 */
const KEY_CHARACTERS = 32;
const keyOf = (token: string) => token.slice(-KEY_CHARACTERS);

export class TokenVerifier {
  /** The caller a token was verified as; the tenant is read afresh (its settings may change). */
  private readonly verified = new LRUCache<string, { token: string; caller: Caller; until: number }>({
    max: CACHE_ENTRIES,
  });

  constructor(
    private readonly issuers: readonly IssuerVerifier[],
    private readonly directory: Pick<DirectoryStore, 'findTenant' | 'findUser'>,
    private readonly options: VerifyOptions,
    /** Milliseconds since the epoch; tests move it. */
    private readonly clock: () => number = Date.now,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Authenticated> {
    const token = bearerToken(authorization);
    const remembered = this.remembered(token);
    if (remembered) return remembered;
    const now = this.clock();
    const { authenticated, exp } = await this.verify(token);
    const until = Math.min(now + CACHE_SECONDS * 1000, typeof exp === 'number' ? exp * 1000 : now);
    if (until > now) this.verified.set(keyOf(token), { token, caller: authenticated.caller, until });
    return authenticated;
  }

  /**
   * The caller of an already verified token, with its tenant and user looked up afresh, or
   * undefined when the token has not been verified lately (then `authenticate` must).
   */
  authenticateRemembered(authorization: string | undefined): Promise<Authenticated> | undefined {
    const token = headerToken(authorization);
    return token === undefined ? undefined : this.remembered(token);
  }

  /**
   * Until when `authenticateRemembered` takes this header (a token verified lately, not expired),
   * in this verifier's clock; undefined when it does not take it now. A remembered token is only
   * forgotten before then when its user is deleted, which a kept decision sees as a store write.
   */
  rememberedUntil(authorization: string): number | undefined {
    const token = headerToken(authorization);
    return token === undefined ? undefined : this.live(token)?.until;
  }

  /** Whether a time from `rememberedUntil` is still ahead. */
  stillRemembered(until: number): boolean {
    return until > this.clock();
  }

  /** What was remembered of this very token (not another sharing its key), expired or not. */
  private entryOf(token: string) {
    const cached = this.verified.get(keyOf(token));
    return cached?.token === token ? cached : undefined;
  }

  /** What was remembered of a token verified lately, unless it has expired since. */
  private live(token: string) {
    const cached = this.entryOf(token);
    return cached && cached.until > this.clock() ? cached : undefined;
  }

  private remembered(token: string): Promise<Authenticated> | undefined {
    const cached = this.live(token);
    return cached && this.withCurrentDirectory(token, cached.caller);
  }

  private async withCurrentDirectory(token: string, caller: Caller): Promise<Authenticated> {
    const tenant = await this.directory.findTenant(caller.tenantId);
    if (!tenant) throw invalidToken("The token's tenant is not known to this service.");
    if (caller.type === 'delegated' && !(await this.directory.findUser(tenant.id, caller.objectId))) {
      if (this.entryOf(token)) this.verified.delete(keyOf(token));
      throw invalidToken('The signed-in user of this token no longer exists.');
    }
    return { caller, tenant };
  }

  /** The caller, and the token's `exp` (verified, so it bounds how long the answer is remembered). */
  private async verify(token: string): Promise<{ authenticated: Authenticated; exp: unknown }> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let payload: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      payload = decodeJwt(token);
    } catch {
      throw invalidToken('The access token is malformed; it is not a signed JWT.');
    }
    if (typeof header.alg !== 'string' || !ASYMMETRIC_ALGORITHMS.includes(header.alg)) {
      throw invalidToken(`The token signing algorithm '${String(header.alg)}' is not accepted.`);
    }
    const iss = typeof payload.iss === 'string' ? payload.iss : '';
    const issuer = this.issuers.find((candidate) => candidate.handles(iss, payload));
    if (!issuer) throw invalidToken('The token issuer is not trusted by this service.');
    const authenticated = await issuer.verify(token, header.kid, {
      ...this.options,
      currentDate: new Date(this.clock()),
    });
    return { authenticated, exp: payload.exp };
  }
}
