// Turns an Authorization header into a Caller, or a 401 InvalidAuthenticationToken (SPEC §5):
// signature by a trusted key, RS256 only (no `none`, no HMAC keyed with a public key), exp/nbf with
// a small skew, a trusted issuer for the token's tenant, and an accepted audience.
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { invalidToken } from '../errors.js';
import type { DirectoryStore, Tenant } from '../store/store.js';
import { CONSUMER_TENANT_ID, type Caller } from './caller.js';
import { SIGNING_ALG, type SigningKeys } from './signing-keys.js';
import { issuerFor } from './token-issuer.js';

/** Entra's own limit is about this; a larger "token" is an attack or a mistake. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

export interface VerifierOptions {
  /** Bases the built-in issuer is known by (`iss` is `{base}/{tenant}/v2.0`). */
  issuerBases: readonly string[];
  audiences: readonly string[];
  clockToleranceSeconds: number;
}

function bearerToken(authorization: string | undefined): string {
  if (!authorization) throw invalidToken('Access token is empty.');
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
  if (!match) throw invalidToken("The Authorization header must be 'Bearer <access token>'.");
  const token = match[1]!;
  if (token.length > MAX_TOKEN_LENGTH) throw invalidToken('The access token is larger than 16 KB.');
  return token;
}

function explainJoseError(error: unknown): Error {
  if (error instanceof errors.JWTExpired)
    return invalidToken('Lifetime validation failed, the token is expired.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return invalidToken('Lifetime validation failed, the token is not yet valid.');
    if (error.claim === 'aud') return invalidToken('Invalid audience: the token is not for Microsoft Graph.');
    return invalidToken(`The token's '${error.claim}' claim is invalid.`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return invalidToken('The token signature is invalid.');
  if (error instanceof errors.JOSEAlgNotAllowed)
    return invalidToken('The token signing algorithm is not accepted.');
  if (error instanceof errors.JWKSNoMatchingKey) {
    return invalidToken('The token was not signed by a key this service trusts.');
  }
  if (error instanceof errors.JOSEError) return invalidToken('The access token is malformed.');
  return error as Error;
}

export interface Authenticated {
  caller: Caller;
  tenant: Tenant;
}

const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

export class TokenVerifier {
  constructor(
    private readonly keys: SigningKeys,
    private readonly directory: DirectoryStore,
    private readonly options: VerifierOptions,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Authenticated> {
    const token = bearerToken(authorization);
    const payload = await this.verifySignedToken(token);
    return this.toCaller(payload);
  }

  private async verifySignedToken(token: string): Promise<JWTPayload> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw invalidToken('The access token is malformed; it is not a signed JWT.');
    }
    if (header.alg !== SIGNING_ALG) {
      throw invalidToken(
        `The token signing algorithm '${String(header.alg)}' is not accepted; tokens must be RS256.`,
      );
    }
    if (typeof header.kid !== 'string' || !(await this.keys.knows(header.kid))) {
      throw invalidToken('The token was not signed by a key this service trusts.');
    }
    try {
      const { payload } = await jwtVerify(token, this.keys.verificationKey, {
        algorithms: [SIGNING_ALG],
        audience: [...this.options.audiences],
        clockTolerance: this.options.clockToleranceSeconds,
        requiredClaims: ['exp', 'tid', 'iss', 'aud'],
      });
      return payload;
    } catch (error) {
      throw explainJoseError(error);
    }
  }

  private async toCaller(payload: JWTPayload): Promise<Authenticated> {
    const tenantId = String(payload['tid']).toLowerCase();
    if (!this.options.issuerBases.some((base) => issuerFor(base, tenantId) === payload.iss)) {
      throw invalidToken('The token issuer is not trusted by this service.');
    }
    const tenant = await this.directory.findTenant(tenantId);
    if (!tenant || tenant.id !== tenantId)
      throw invalidToken("The token's tenant is not known to this service.");
    const scopes = typeof payload['scp'] === 'string' ? payload['scp'].split(' ').filter(Boolean) : undefined;
    const roles = stringList(payload['roles']);
    const isApp = scopes === undefined && (roles.length > 0 || payload['idtyp'] === 'app');
    const objectId = String(payload['oid'] ?? payload.sub ?? '').toLowerCase();
    if (!objectId) throw invalidToken('The token has no object id (oid) claim.');
    if (!isApp && !(await this.directory.findUser(tenant.id, objectId))) {
      throw invalidToken('The signed-in user of this token no longer exists.');
    }
    const caller: Caller = {
      tenantId: tenant.id,
      type: isApp ? 'application' : 'delegated',
      personalAccount: tenant.id === CONSUMER_TENANT_ID,
      objectId,
      appId: String(payload['appid'] ?? payload['azp'] ?? ''),
      permissions: isApp ? roles : (scopes ?? []),
      directoryRoles: stringList(payload['wids']).map((w) => w.toLowerCase()),
    };
    return { caller, tenant };
  }
}
