// The built-in issuer's records (SPEC §5): signing keys, app registrations and their secrets,
// authorization codes.

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: string;
  /** Set when rotated out: still verifies tokens until they expire, never signs again. */
  retiredAt: string | null;
  /** The latest `exp` (epoch seconds) of any token signed with this key. */
  maxExpiry: number;
}

/** An app registration (SPEC §5, seed 000's "App Registration" steps). */
export interface AppRegistration {
  /** The object id of the registration. */
  id: string;
  tenantId: string;
  /** The client id (`appId` in Graph, `azp`/`appid` in tokens). */
  appId: string;
  displayName: string;
  /** Application permissions the app asks for (API permissions). */
  requestedRoles: string[];
  /** Application permissions an admin consented to: what client-credentials tokens carry. */
  grantedRoles: string[];
  /** Delegated scopes an admin consented to for every user of the tenant. */
  grantedScopes: string[];
  redirectUris: string[];
  /** A public client (SPA, native, the console) signs users in with PKCE and has no secret. */
  publicClient: boolean;
  createdAt: string;
}

export interface ClientSecretRecord {
  id: string;
  appObjectId: string;
  /** SHA-256 of the secret; the secret itself is shown once and never stored. */
  hash: string;
  /** The first characters, so an admin can tell secrets apart. */
  hint: string;
  createdAt: string;
  expiresAt: string;
}

export interface NewApp {
  tenantId: string;
  displayName: string;
  /** A fixed object id and client id (fixtures); new ones when absent. */
  id?: string;
  appId?: string;
  requestedRoles?: string[];
  redirectUris?: string[];
  publicClient?: boolean;
}

export interface AuthorizationCode {
  /** SHA-256 of the code handed to the client. */
  codeHash: string;
  tenantId: string;
  appId: string;
  userId: string;
  scopes: string[];
  redirectUri: string;
  codeChallenge: string | null;
  nonce: string | null;
  expiresAt: number;
}
