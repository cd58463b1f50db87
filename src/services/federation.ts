// Sign-in through the organisation's OpenID provider (SPEC §12). Portrait is a relying party of
// the provider a tenant names (openid-client does the protocol: discovery, the authorization code
// flow with PKCE, state and nonce, the ID token's checks) and stays the issuer of its own tokens:
// once the provider says who the person is, the sign-in goes on as after a password — consent,
// then Portrait's code to the app.
//
// No server-side session: what the callback needs (the state, nonce and PKCE verifier, and the
// app's own sign-in) travels in a cookie encrypted with an installation key, so any node of a
// PostgreSQL store can take the callback, and a callback whose state is not this browser's fails.
import { randomBytes } from 'node:crypto';
import { EncryptJWT, errors as joseErrors, jwtDecrypt } from 'jose';
import * as oidc from 'openid-client';
import type { User } from '../domain/directory.js';
import type { SignInProvider, Tenant } from '../domain/tenant.js';
import { isUserPrincipalName } from './users.js';
import {
  afterSignIn,
  appOf,
  type AuthorizeOutcome,
  DISABLED_ACCOUNT,
  type IssuerContext,
} from './oauth-service.js';
import { createUser, updateUser } from './users.js';
import { isLoopback } from './sign-in-provider.js';

/** How long a provider may take to answer (discovery, token endpoint, keys). */
const PROVIDER_TIMEOUT_SECONDS = 10;
/** How long a person may spend at the provider. */
const STATE_SECONDS = 600;
/** Discovered metadata is reused this long. */
const CONFIG_TTL_MS = 10 * 60 * 1000;

export const FEDERATION_COOKIE = 'portrait-federation';

/** A sign-in that ends on a page: what happened, in plain words, and where to start again. */
export class FederationError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly startAgain?: string,
  ) {
    super(message);
  }
}

interface FederationState {
  tenantId: string;
  state: string;
  nonce: string;
  verifier: string;
  /** The app's sealed sign-in (auth/interaction.ts). */
  interaction: string;
}

const configs = new Map<string, { config: Promise<oidc.Configuration>; at: number }>();

/** The provider's client secret, from the environment variable the setting names. */
function secretOf(provider: SignInProvider): string {
  const secret = process.env[provider.clientSecretEnv];
  if (!secret) {
    throw new FederationError(
      503,
      `Sign-in with ${provider.name} is not set up on this server: its client secret is missing (the environment variable ${provider.clientSecretEnv} is not set). Tell the administrator.`,
    );
  }
  return secret;
}

/** The provider's configuration (discovered, then kept for a while), with ID token signature checks on. */
export function providerConfig(
  provider: SignInProvider,
  secret = secretOf(provider),
): Promise<oidc.Configuration> {
  const key = `${provider.issuer}\u0000${provider.clientId}\u0000${secret}`;
  const cached = configs.get(key);
  if (cached && Date.now() - cached.at < CONFIG_TTL_MS) return cached.config;
  const issuer = new URL(provider.issuer);
  const config = oidc
    .discovery(issuer, provider.clientId, undefined, oidc.ClientSecretBasic(secret), {
      timeout: PROVIDER_TIMEOUT_SECONDS,
      // Plain HTTP only for a provider on this machine's loopback (tests, a local Dex).
      ...(issuer.protocol === 'http:' && isLoopback(issuer.hostname)
        ? { execute: [oidc.allowInsecureRequests] }
        : {}),
    })
    .then((discovered) => {
      discovered.timeout = PROVIDER_TIMEOUT_SECONDS;
      oidc.enableNonRepudiationChecks(discovered);
      return discovered;
    });
  configs.set(key, { config, at: Date.now() });
  config.catch(() => configs.delete(key));
  return config;
}

/** Whether the error (or what caused it) is a request that ran out of time. */
function timedOut(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e.name === 'TimeoutError' || /timed out|due to timeout/i.test(e.message)) return true;
  }
  return false;
}

/** A provider that did not answer, or answered nonsense, in words; 504 for silence, 502 otherwise. */
function providerFailure(provider: SignInProvider, error: unknown, startAgain?: string): FederationError {
  const silent = timedOut(error);
  return new FederationError(
    silent ? 504 : 502,
    silent
      ? `${provider.name} did not answer in time. Try again in a moment.`
      : `${provider.name} could not be reached or gave an answer Portrait cannot use. Try again; if it keeps happening, tell the administrator.`,
    startAgain,
  );
}

async function stateKey(ctx: IssuerContext): Promise<Uint8Array> {
  const secret = await ctx.store.keys.installationSetting('federationKey', () =>
    randomBytes(32).toString('base64url'),
  );
  return Buffer.from(secret, 'base64url');
}

export const callbackUrl = (ctx: IssuerContext, tenant: Tenant) =>
  `${ctx.publicBase()}/${tenant.id}/federation/callback`;

/** The app's authorize request again, for "start again" links. */
export function authorizeAgainUrl(
  ctx: IssuerContext,
  sealed: Awaited<ReturnType<IssuerContext['seal']['unseal']>>,
): string | undefined {
  if (!sealed) return undefined;
  const { request } = sealed;
  const query = new URLSearchParams({
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    response_type: 'code',
    response_mode: request.responseMode,
    scope: [...request.oidcScopes, ...request.scopes].join(' ') || 'openid',
    ...(request.state !== null ? { state: request.state } : {}),
    ...(request.nonce !== null ? { nonce: request.nonce } : {}),
    ...(request.codeChallenge !== null
      ? { code_challenge: request.codeChallenge, code_challenge_method: 'S256' }
      : {}),
  });
  return `${ctx.publicBase()}/${request.tenantId}/oauth2/v2.0/authorize?${query}`;
}

/**
 * Where the browser goes to sign in at the provider, and the cookie that carries the state back.
 * `interaction` is the app's sealed sign-in.
 */
export async function beginFederation(
  ctx: IssuerContext,
  tenant: Tenant,
  interaction: string,
): Promise<{ location: string; cookie: string; maxAgeSeconds: number }> {
  const provider = tenant.settings.signInProvider;
  const sealed = await ctx.seal.unseal(interaction);
  if (!provider)
    throw new FederationError(404, 'This organisation does not sign people in through another provider.');
  if (!sealed || sealed.request.tenantId !== tenant.id) {
    throw new FederationError(
      400,
      'This sign-in has expired or is not valid. Go back to the app and sign in again.',
    );
  }
  const again = authorizeAgainUrl(ctx, sealed);
  const config = await providerConfig(provider).catch((error: unknown) => {
    if (error instanceof FederationError) throw error;
    throw providerFailure(provider, error, again);
  });
  const state: FederationState = {
    tenantId: tenant.id,
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    verifier: oidc.randomPKCECodeVerifier(),
    interaction,
  };
  const location = oidc.buildAuthorizationUrl(config, {
    redirect_uri: callbackUrl(ctx, tenant),
    scope: provider.scopes.join(' '),
    code_challenge: await oidc.calculatePKCECodeChallenge(state.verifier),
    code_challenge_method: 'S256',
    state: state.state,
    nonce: state.nonce,
    ...(sealed.request.loginHint ? { login_hint: sealed.request.loginHint } : {}),
  });
  const cookie = await new EncryptJWT({ ...state })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt()
    .setExpirationTime(`${STATE_SECONDS}s`)
    .encrypt(await stateKey(ctx));
  return { location: location.href, cookie, maxAgeSeconds: STATE_SECONDS };
}

async function openState(
  ctx: IssuerContext,
  cookie: string | undefined,
): Promise<FederationState | undefined> {
  if (!cookie) return undefined;
  try {
    const { payload } = await jwtDecrypt(cookie, await stateKey(ctx));
    return payload as unknown as FederationState;
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return undefined;
    throw error;
  }
}

/** A claim as a list of strings: an array, one string, or nothing. */
const claimValues = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : typeof value === 'string'
      ? [value]
      : [];

/**
 * The directory user the provider's claims name — created first with `provision=jit` — with the
 * roles `role-map` gives from `roles-claim` set (added and removed; other roles left alone).
 */
async function personOf(
  ctx: IssuerContext,
  tenant: Tenant,
  provider: SignInProvider,
  claims: Record<string, unknown>,
  again: string | undefined,
): Promise<User> {
  const { directory } = ctx.store;
  const value = claims[provider.userClaim];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new FederationError(
      400,
      `${provider.name} did not say who you are: its answer has no '${provider.userClaim}'. The administrator may need to ask it for that claim (scopes).`,
      again,
    );
  }
  if (provider.userClaim === 'email' && claims['email_verified'] === false) {
    throw new FederationError(
      403,
      `${provider.name} has not verified your e-mail address ${value}. Verify it there, then sign in again.`,
      again,
    );
  }
  const mapped = new Set(Object.values(provider.roleMap).flat());
  const granted = provider.rolesClaim
    ? new Set(claimValues(claims[provider.rolesClaim]).flatMap((group) => provider.roleMap[group] ?? []))
    : new Set<string>();
  const rolesFor = (current: string[]) =>
    provider.rolesClaim ? [...new Set([...current.filter((r) => !mapped.has(r)), ...granted])] : current;
  const displayName =
    typeof claims['name'] === 'string' && claims['name'].trim() ? claims['name'].trim() : value;
  const email = value.includes('@') ? value : undefined;

  const found =
    (await directory.findUser(tenant.id, value)) ??
    (email ? await directory.findUserByMail(tenant.id, email) : undefined);
  if (!found) {
    if (provider.provision !== 'jit') {
      throw new FederationError(
        403,
        `Your account ${value} is not in this organisation's directory. Ask an administrator to add you, then sign in again.`,
        again,
      );
    }
    const upn = isUserPrincipalName(value)
      ? value
      : `${value.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64)}@${new URL(provider.issuer).hostname}`;
    return createUser(directory, tenant.id, {
      userPrincipalName: upn,
      displayName,
      ...(email ? { mail: email } : {}),
      directoryRoles: rolesFor([]),
    });
  }
  if (!found.accountEnabled) throw new FederationError(403, DISABLED_ACCOUNT, again);
  const change = {
    ...(provider.provision === 'jit' && found.displayName !== displayName ? { displayName } : {}),
    ...(provider.provision === 'jit' && email && found.mail !== email ? { mail: email } : {}),
  };
  const roles = rolesFor(found.directoryRoles);
  const rolesChanged =
    roles.length !== found.directoryRoles.length || roles.some((r) => !found.directoryRoles.includes(r));
  if (Object.keys(change).length === 0 && !rolesChanged) return found;
  return updateUser(directory, found, { ...change, ...(rolesChanged ? { directoryRoles: roles } : {}) });
}

/** The provider's answer at the callback: checked, the person found (or made), and the sign-in goes on. */
export async function completeFederation(
  ctx: IssuerContext,
  tenant: Tenant,
  currentUrl: URL,
  cookie: string | undefined,
): Promise<AuthorizeOutcome> {
  const provider = tenant.settings.signInProvider;
  if (!provider)
    throw new FederationError(404, 'This organisation does not sign people in through another provider.');
  const state = await openState(ctx, cookie);
  const sealed = state ? await ctx.seal.unseal(state.interaction) : undefined;
  const again = authorizeAgainUrl(ctx, sealed);
  if (
    !state ||
    !sealed ||
    state.tenantId !== tenant.id ||
    currentUrl.searchParams.get('state') !== state.state
  ) {
    throw new FederationError(
      400,
      `This answer from ${provider.name} does not belong to a sign-in started in this browser, or it came too late (after ${STATE_SECONDS / 60} minutes). Start again.`,
      again,
    );
  }
  const refused = currentUrl.searchParams.get('error');
  if (refused) {
    const said = currentUrl.searchParams.get('error_description');
    throw new FederationError(
      refused === 'access_denied' ? 403 : 502,
      `${provider.name} did not sign you in (${refused}${said ? `: ${said}` : ''}).`,
      again,
    );
  }
  let config: oidc.Configuration;
  try {
    config = await providerConfig(provider);
  } catch (error) {
    if (error instanceof FederationError) throw error;
    throw providerFailure(provider, error, again);
  }
  const callback = new URL(callbackUrl(ctx, tenant));
  callback.search = currentUrl.search;
  let claims: Record<string, unknown>;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: state.verifier,
      expectedState: state.state,
      expectedNonce: state.nonce,
      idTokenExpected: true,
    });
    claims = (tokens.claims() ?? {}) as Record<string, unknown>;
  } catch (error) {
    if (timedOut(error)) throw providerFailure(provider, error, again);
    if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) {
      throw new FederationError(
        502,
        `${provider.name} refused to complete the sign-in (${error.error}). Start again.`,
        again,
      );
    }
    if (error instanceof oidc.ClientError) {
      throw new FederationError(
        502,
        `The answer from ${provider.name} failed Portrait's checks (${error.message}). Nothing was changed; start again, and if it keeps happening, tell the administrator.`,
        again,
      );
    }
    throw providerFailure(provider, error, again);
  }
  const app = await appOf(ctx, sealed.request);
  if (!app)
    throw new FederationError(400, 'The app that asked for this sign-in is no longer registered.', again);
  const user = await personOf(ctx, tenant, provider, claims, again);
  return afterSignIn(ctx, sealed.request, app, user);
}
