// Turns an Authorization header into a Caller, or a 401 InvalidAuthenticationToken (SPEC §5).
// Common checks come first (Bearer scheme, size, an asymmetric algorithm, an `iss`); the issuer the
// token names — the built-in one or a trusted external one — then verifies it its own way.
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { invalidToken } from '../errors.js';
import type { Tenant } from '../store/store.js';
import type { Caller } from './caller.js';
import { ASYMMETRIC_ALGORITHMS } from './external-issuer.js';

/** Entra's own tokens stay well under this; a larger "token" is an attack or a mistake. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

export interface Authenticated {
  caller: Caller;
  tenant: Tenant;
}

export interface VerifyOptions {
  audiences: readonly string[];
  clockToleranceSeconds: number;
}

/** One trusted issuer: recognises its tokens by `iss` and verifies them. */
export interface IssuerVerifier {
  handles(iss: string, payload: JWTPayload): boolean;
  verify(token: string, kid: string | undefined, options: VerifyOptions): Promise<Authenticated>;
}

function bearerToken(authorization: string | undefined): string {
  if (!authorization) throw invalidToken('Access token is empty.');
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
  if (!match) throw invalidToken("The Authorization header must be 'Bearer <access token>'.");
  const token = match[1]!;
  if (token.length > MAX_TOKEN_LENGTH) throw invalidToken('The access token is larger than 16 KB.');
  return token;
}

export class TokenVerifier {
  constructor(
    private readonly issuers: readonly IssuerVerifier[],
    private readonly options: VerifyOptions,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Authenticated> {
    const token = bearerToken(authorization);
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
    return issuer.verify(token, header.kid, this.options);
  }
}
