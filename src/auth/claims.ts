// Reading claims out of verified token payloads, whoever issued them.
import { errors, type JWTPayload } from 'jose';
import { invalidToken } from '../errors.js';

export const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** A claim by dotted path, e.g. `realm_access.roles` (Keycloak). */
export function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Space-separated scopes (`scp` as Entra writes it, `scope` as RFC 9068 does), or a list. */
export function scopeList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value)) return stringList(value);
  return undefined;
}

/** jose's verification errors as the 401 a Graph client expects. */
export function explainJoseError(error: unknown): Error {
  if (error instanceof errors.JWTExpired)
    return invalidToken('Lifetime validation failed, the token is expired.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return invalidToken('Lifetime validation failed, the token is not yet valid.');
    if (error.claim === 'aud') return invalidToken('Invalid audience: the token is not for this API.');
    if (error.claim === 'iss') return invalidToken('The token issuer is not trusted by this service.');
    return invalidToken(`The token's '${error.claim}' claim is invalid.`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return invalidToken('The token signature is invalid.');
  if (error instanceof errors.JOSEAlgNotAllowed)
    return invalidToken('The token signing algorithm is not accepted.');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return invalidToken('The token was not signed by a key this service trusts.');
  }
  if (error instanceof errors.JOSEError) return invalidToken('The access token is malformed.');
  return error as Error;
}
