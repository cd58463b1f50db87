// Signing in to Portrait's own issuer with the authorization code flow and PKCE (oauth4webapi),
// as the console's first-party client. The access token lives in this module's memory only:
// never in localStorage, sessionStorage or a cookie. What survives the redirect to the sign-in
// page and back is the PKCE verifier, state and nonce of that one attempt (sessionStorage, removed
// when used), and the tenant name typed last (localStorage, to prefill the form).
import * as oauth from 'oauth4webapi';
import { CONSOLE_CLIENT_ID, CONSOLE_SCOPES } from '../../src/auth/console-client.ts';

export interface Session {
  tenant: string;
  accessToken: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  user: { id: string; name: string; username: string };
  /** Directory role template ids (`wids`): what the console offers, never what it enforces. */
  roles: string[];
}

const PENDING = 'portrait.signIn';
const LAST_TENANT = 'portrait.tenant';
const SCOPES = ['openid', 'profile', ...CONSOLE_SCOPES].join(' ');

interface Pending {
  tenant: string;
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

const client: oauth.Client = { client_id: CONSOLE_CLIENT_ID };
const redirectUri = () => `${location.origin}/`;
const options = () => (location.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {});

/**
 * The issuer of a tenant, with its endpoints on this page's own origin: the sign-in must return
 * to the server it started on, whatever name the server's public URL gives it.
 */
async function issuer(tenant: string): Promise<oauth.AuthorizationServer> {
  const base = `${location.origin}/${encodeURIComponent(tenant)}`;
  const response = await fetch(`${base}/v2.0/.well-known/openid-configuration`);
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error_description?: string };
    throw new Error(body.error_description?.split('\r\n')[0] ?? `No organization '${tenant}' here.`);
  }
  const discovered = (await response.json()) as oauth.AuthorizationServer;
  return {
    ...discovered,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
  };
}

export const lastTenant = () => localStorage.getItem(LAST_TENANT) ?? '';

/** Whether this server has an organization by that name: its OpenID configuration answers. */
export async function organizationExists(tenant: string): Promise<boolean> {
  const response = await fetch(`/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`);
  return response.ok;
}

/** Goes to the sign-in page; the browser comes back to `/` and `completeSignIn` finishes. */
export async function signIn(tenant: string, returnTo: string): Promise<void> {
  const as = await issuer(tenant);
  const pending: Pending = {
    tenant,
    verifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    returnTo,
  };
  localStorage.setItem(LAST_TENANT, tenant);
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: CONSOLE_CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri(),
    scope: SCOPES,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url);
}

const claimsOf = (jwt: string) =>
  JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;

/**
 * Finishes a sign-in when the browser is back from the sign-in page with a code (or an error);
 * undefined when this page load is not such a return.
 */
export async function completeSignIn(): Promise<{ session: Session; returnTo: string } | undefined> {
  const here = new URL(location.href);
  const saved = sessionStorage.getItem(PENDING);
  if (!saved || !(here.searchParams.has('code') || here.searchParams.has('error'))) return undefined;
  sessionStorage.removeItem(PENDING);
  const pending = JSON.parse(saved) as Pending;
  const as = await issuer(pending.tenant);
  const params = oauth.validateAuthResponse(as, client, here, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    redirectUri(),
    pending.verifier,
    options(),
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  const id = oauth.getValidatedIdTokenClaims(result)!;
  const access = claimsOf(result.access_token);
  return {
    returnTo: pending.returnTo,
    session: {
      tenant: pending.tenant,
      accessToken: result.access_token,
      expiresAt: Number(access['exp']),
      user: {
        id: String(access['oid']),
        name: String(id['name'] ?? ''),
        username: String(id['preferred_username'] ?? ''),
      },
      roles: Array.isArray(access['wids']) ? (access['wids'] as string[]) : [],
    },
  };
}
