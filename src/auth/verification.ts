// What every issuer's verification shares (SPEC §5): the signature algorithms accepted, the
// options tokens are judged by, and what a verified token yields. The token verifier and each
// issuer (built-in, external) meet here, so neither imports the other.
import type { JWTPayload } from 'jose';
import type { Tenant } from '../domain/tenant.js';
import type { Caller } from './caller.js';

/** Only signatures with public keys: never `none`, never HMAC keyed with something public. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

export interface Authenticated {
  caller: Caller;
  tenant: Tenant;
}

export interface VerifyOptions {
  audiences: readonly string[];
  clockToleranceSeconds: number;
  /** The time tokens are judged at (the verifier's clock). */
  currentDate?: Date;
}

/** One trusted issuer: recognises its tokens by `iss` and verifies them. */
export interface IssuerVerifier {
  handles(iss: string, payload: JWTPayload): boolean;
  verify(token: string, kid: string | undefined, options: VerifyOptions): Promise<Authenticated>;
}
