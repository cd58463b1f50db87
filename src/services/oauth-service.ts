// The built-in issuer's OAuth 2.0 flows, as Entra ID runs them: client credentials for apps, and
// authorization code with PKCE for signed-in users (sign in, consent to the scopes asked for,
// code, tokens). Returns outcomes for the HTTP layer to render; knows nothing of Fastify.
import { createHash, randomBytes } from 'node:crypto';
import { sha256, verifyPassword } from '../auth/credentials.js';
import { DIRECTORY_ROLES } from '../auth/directory-roles.js';
import { findPermission } from '../auth/graph-permissions.js';
import type { AuthorizationRequest, Interaction, InteractionSeal } from '../auth/interaction.js';
import { OAuthError, oauth } from '../auth/oauth-errors.js';
import type { SigningKeys } from '../auth/signing-keys.js';
import {
  GRAPH_APP_ID,
  GRAPH_AUDIENCE,
  mintAppToken,
  mintDelegatedToken,
  mintIdToken,
  type TokenOptions,
} from '../auth/token-issuer.js';
import { CONSUMER_TENANT_ID } from '../auth/caller.js';
import type { User } from '../domain/directory.js';
import type { AppRegistration } from '../domain/identity.js';
import type { Tenant } from '../domain/tenant.js';
import type { Store } from '../store/store.js';
import { CONSOLE_CLIENT_ID, consoleRedirectAllowed } from '../auth/console-client.js';
import { authenticateClient, findClient } from './app-service.js';

/** Entra's access tokens live 60–90 minutes; Portrait's an hour. */
export const ACCESS_TOKEN_SECONDS = 3600;
const CODE_SECONDS = 600;
const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
const GRAPH_RESOURCES = [`${GRAPH_AUDIENCE}/`, `${GRAPH_APP_ID}/`];

export interface IssuerContext {
  store: Store;
  keys: SigningKeys;
  seal: InteractionSeal;
  /** Where this service is reached: issuer and endpoint URLs are built on it. */
  publicBase(): string;
}

export interface TokenResponse {
  token_type: 'Bearer';
  scope?: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  id_token?: string;
  client_info?: string;
}

/** A tenant by id or name; `consumers` is the personal-account tenant, as on Entra. */
export async function resolveTenant(store: Store, key: string): Promise<Tenant> {
  const tenant = await store.directory.findTenant(
    key.toLowerCase() === 'consumers' ? CONSUMER_TENANT_ID : key,
  );
  if (!tenant) throw oauth.tenantNotFound(key);
  return tenant;
}

export function openIdConfiguration(ctx: IssuerContext, tenant: Tenant) {
  const base = `${ctx.publicBase()}/${tenant.id}`;
  return {
    issuer: `${base}/v2.0`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    grant_types_supported: ['authorization_code', 'client_credentials'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'nbf',
      'name',
      'oid',
      'tid',
      'preferred_username',
      'email',
      'nonce',
    ],
    tenant_region_scope: null,
    cloud_instance_name: new URL(ctx.publicBase()).host,
  };
}

function tokenOptions(ctx: IssuerContext): TokenOptions {
  return { issuerBase: ctx.publicBase(), audience: GRAPH_AUDIENCE, lifetimeSeconds: ACCESS_TOKEN_SECONDS };
}

const graphScopeName = (scope: string) => {
  const lower = scope.toLowerCase();
  const prefix = GRAPH_RESOURCES.find((p) => lower.startsWith(p.toLowerCase()));
  return prefix ? scope.slice(prefix.length) : scope;
};

export async function clientCredentialsGrant(
  ctx: IssuerContext,
  tenant: Tenant,
  params: { client_id?: string; client_secret?: string; scope?: string },
): Promise<TokenResponse> {
  if (!params.scope) throw oauth.missingParameter('scope');
  const scopes = params.scope.split(' ').filter(Boolean);
  if (scopes.length !== 1 || graphScopeName(scopes[0]!) !== '.default' || scopes[0] === '.default') {
    throw oauth.notDefaultScope(params.scope);
  }
  const app = await authenticateClient(ctx.store.apps, tenant, params.client_id, params.client_secret);
  if (app.publicClient) throw oauth.missingSecret();
  const accessToken = await mintAppToken(
    ctx.keys,
    { tenant, appId: app.appId, appName: app.displayName, roles: app.grantedRoles },
    tokenOptions(ctx),
  );
  return {
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_SECONDS,
    ext_expires_in: ACCESS_TOKEN_SECONDS,
    access_token: accessToken,
  };
}

/** `User.Read https://graph.microsoft.com/ProfilePhoto.Read.All openid` → Graph and OIDC scopes. */
function parseScopes(scope: string, app: AppRegistration): { graph: string[]; oidc: string[] } {
  const graph = new Set<string>();
  const oidc = new Set<string>();
  for (const item of scope.split(' ').filter(Boolean)) {
    if (OIDC_SCOPES.includes(item.toLowerCase())) {
      oidc.add(item.toLowerCase());
      continue;
    }
    const name = graphScopeName(item);
    if (name === '.default') {
      for (const granted of app.grantedScopes) graph.add(granted);
      continue;
    }
    const permission = findPermission(name);
    if (!permission?.delegated) throw oauth.unknownScope(item);
    graph.add(permission.name);
  }
  return { graph: [...graph], oidc: [...oidc] };
}

/** Where the browser goes next, and what it shows. */
export type AuthorizeOutcome =
  | { show: 'sign-in'; interaction: string; app: AppRegistration; username?: string; error?: string }
  | { show: 'consent'; interaction: string; app: AppRegistration; user: User; scopes: string[] }
  | { show: 'error'; status: number; message: string }
  | { respond: AuthorizationRequest; params: Record<string, string> };

const errorResponse = (request: AuthorizationRequest, error: OAuthError): AuthorizeOutcome => ({
  respond: request,
  params: {
    error: error.error,
    error_description: error.description,
    ...(request.state !== null ? { state: request.state } : {}),
  },
});

/** Checks an authorization request; errors before the redirect URI is trusted are shown, not sent. */
export async function beginAuthorization(
  ctx: IssuerContext,
  tenant: Tenant,
  query: Record<string, string | undefined>,
  /** The origin the sign-in was reached at: the console may return there. */
  origin: string,
): Promise<AuthorizeOutcome> {
  const clientId = query['client_id'];
  if (!clientId)
    return { show: 'error', status: 400, message: oauth.missingParameter('client_id').description };
  const app = await findClient(ctx.store.apps, tenant.id, clientId);
  if (!app || app.appId !== clientId.toLowerCase()) {
    return { show: 'error', status: 400, message: oauth.unknownClient(clientId, tenant.id).description };
  }
  const redirectUri = query['redirect_uri'] ?? app.redirectUris[0];
  const allowed =
    redirectUri !== undefined &&
    (app.appId === CONSOLE_CLIENT_ID
      ? consoleRedirectAllowed(redirectUri, [origin, ctx.publicBase()])
      : app.redirectUris.includes(redirectUri));
  if (!redirectUri || !allowed) {
    return {
      show: 'error',
      status: 400,
      message: oauth.redirectMismatch(redirectUri ?? '', clientId).description,
    };
  }
  const mode = query['response_mode'];
  const request: AuthorizationRequest = {
    tenantId: tenant.id,
    clientId: app.appId,
    redirectUri,
    responseMode: mode === 'fragment' || mode === 'form_post' ? mode : 'query',
    scopes: [],
    oidcScopes: [],
    state: query['state'] ?? null,
    nonce: query['nonce'] ?? null,
    codeChallenge: query['code_challenge'] ?? null,
    loginHint: query['login_hint'] ?? null,
    forceConsent: query['prompt'] === 'consent',
  };
  try {
    if (query['response_type'] !== 'code') throw oauth.unsupportedResponseType(query['response_type'] ?? '');
    if (!query['scope']) throw oauth.missingParameter('scope');
    const method = query['code_challenge_method'] ?? (request.codeChallenge ? 'plain' : undefined);
    if (request.codeChallenge && method !== 'S256') throw oauth.pkceRequired();
    if (app.publicClient && !request.codeChallenge) throw oauth.pkceRequired();
    const { graph, oidc } = parseScopes(query['scope'], app);
    request.scopes = graph;
    request.oidcScopes = oidc;
  } catch (error) {
    if (error instanceof OAuthError) return errorResponse(request, error);
    throw error;
  }
  return {
    show: 'sign-in',
    interaction: await ctx.seal.seal({ request }),
    app,
    ...(request.loginHint ? { username: request.loginHint } : {}),
  };
}

async function issueCode(
  ctx: IssuerContext,
  request: AuthorizationRequest,
  user: User,
): Promise<AuthorizeOutcome> {
  const code = randomBytes(32).toString('base64url');
  await ctx.store.apps.saveAuthorizationCode({
    codeHash: sha256(code),
    tenantId: request.tenantId,
    appId: request.clientId,
    userId: user.id,
    scopes: [...request.scopes, ...request.oidcScopes],
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    nonce: request.nonce,
    expiresAt: Math.floor(Date.now() / 1000) + CODE_SECONDS,
  });
  return { respond: request, params: { code, ...(request.state !== null ? { state: request.state } : {}) } };
}

/** After sign-in: the scopes still needing the user's consent, or a code when none do. */
export async function afterSignIn(
  ctx: IssuerContext,
  request: AuthorizationRequest,
  app: AppRegistration,
  user: User,
) {
  const consented = new Set([
    ...app.grantedScopes,
    ...(await ctx.store.apps.userConsent(request.tenantId, app.appId, user.id)),
  ]);
  const needed = request.forceConsent ? request.scopes : request.scopes.filter((s) => !consented.has(s));
  const isGlobalAdmin = user.directoryRoles.includes(DIRECTORY_ROLES.globalAdministrator.templateId);
  const needAdmin = needed.filter(
    (s) => findPermission(s)?.delegated?.adminConsent && !app.grantedScopes.includes(s),
  );
  if (needAdmin.length > 0 && !isGlobalAdmin) return errorResponse(request, oauth.needsAdmin(needAdmin));
  if (needed.length === 0) return issueCode(ctx, request, user);
  return {
    show: 'consent' as const,
    interaction: await ctx.seal.seal({ request, userId: user.id }),
    app,
    user,
    scopes: needed,
  };
}

export async function appOf(
  ctx: IssuerContext,
  request: AuthorizationRequest,
): Promise<AppRegistration | undefined> {
  return findClient(ctx.store.apps, request.tenantId, request.clientId);
}

const EXPIRED = 'This sign-in has expired or was altered. Go back to the application and start again.';

/** What a person whose account is disabled (`accountEnabled: false`) is told at sign-in. */
export const DISABLED_ACCOUNT =
  'Your account is disabled, so you cannot sign in. Ask an administrator of your organisation to enable it.';

/** The sign-in form was posted. */
export async function submitSignIn(
  ctx: IssuerContext,
  tenant: Tenant,
  form: { interaction?: string; username?: string; password?: string },
): Promise<AuthorizeOutcome> {
  const interaction = await ctx.seal.unseal(form.interaction);
  const app =
    interaction && interaction.request.tenantId === tenant.id
      ? await appOf(ctx, interaction.request)
      : undefined;
  if (!interaction || !app) return { show: 'error', status: 400, message: EXPIRED };
  const user = form.username
    ? await ctx.store.directory.findUser(tenant.id, form.username.trim())
    : undefined;
  const hash = user ? await ctx.store.directory.passwordHash(tenant.id, user.id) : null;
  if (!user || !(await verifyPassword(form.password ?? '', hash))) {
    return {
      show: 'sign-in',
      interaction: form.interaction!,
      app,
      username: form.username ?? '',
      error: 'Your account or password is incorrect.',
    };
  }
  // Told only to someone who knows the password, as Entra ID does (AADSTS50057).
  if (!user.accountEnabled) {
    return {
      show: 'sign-in',
      interaction: form.interaction!,
      app,
      username: form.username ?? '',
      error: DISABLED_ACCOUNT,
    };
  }
  return afterSignIn(ctx, interaction.request, app, user);
}

/** The consent form was posted. */
export async function submitConsent(
  ctx: IssuerContext,
  tenant: Tenant,
  form: { interaction?: string; decision?: string },
): Promise<AuthorizeOutcome> {
  const interaction: Interaction | undefined = await ctx.seal.unseal(form.interaction);
  if (!interaction?.userId || interaction.request.tenantId !== tenant.id) {
    return { show: 'error', status: 400, message: EXPIRED };
  }
  const { request } = interaction;
  if (form.decision !== 'accept') return errorResponse(request, oauth.declined());
  const user = await ctx.store.directory.findUser(tenant.id, interaction.userId);
  if (!user) return { show: 'error', status: 400, message: EXPIRED };
  const previous = await ctx.store.apps.userConsent(tenant.id, request.clientId, user.id);
  await ctx.store.apps.recordUserConsent(tenant.id, request.clientId, user.id, [
    ...new Set([...previous, ...request.scopes]),
  ]);
  return issueCode(ctx, request, user);
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export async function authorizationCodeGrant(
  ctx: IssuerContext,
  tenant: Tenant,
  params: {
    client_id?: string;
    client_secret?: string;
    code?: string;
    redirect_uri?: string;
    code_verifier?: string;
    client_info?: string;
  },
): Promise<TokenResponse> {
  const app = await authenticateClient(ctx.store.apps, tenant, params.client_id, params.client_secret);
  if (!params.code) throw oauth.missingParameter('code');
  const code = await ctx.store.apps.redeemAuthorizationCode(sha256(params.code));
  if (
    !code ||
    code.appId !== app.appId ||
    code.tenantId !== tenant.id ||
    code.expiresAt < Date.now() / 1000
  ) {
    throw oauth.badCode();
  }
  if (params.redirect_uri !== code.redirectUri)
    throw oauth.redirectMismatch(params.redirect_uri ?? '', app.appId);
  if (
    code.codeChallenge !== null &&
    (!params.code_verifier || s256(params.code_verifier) !== code.codeChallenge)
  ) {
    throw oauth.pkceMismatch();
  }
  const user = await ctx.store.directory.findUser(tenant.id, code.userId);
  if (!user) throw oauth.badCode();
  const graphScopes = code.scopes.filter((s) => !OIDC_SCOPES.includes(s));
  const options = tokenOptions(ctx);
  const accessToken = await mintDelegatedToken(
    ctx.keys,
    { tenant, user, scopes: graphScopes, clientAppId: app.appId, clientAppName: app.displayName },
    options,
  );
  const response: TokenResponse = {
    token_type: 'Bearer',
    scope: code.scopes.join(' '),
    expires_in: ACCESS_TOKEN_SECONDS,
    ext_expires_in: ACCESS_TOKEN_SECONDS,
    access_token: accessToken,
  };
  if (code.scopes.includes('openid')) {
    response.id_token = await mintIdToken(
      ctx.keys,
      { tenant, user, clientAppId: app.appId, nonce: code.nonce },
      options,
    );
  }
  if (params.client_info === '1') {
    response.client_info = Buffer.from(JSON.stringify({ uid: user.id, utid: tenant.id })).toString(
      'base64url',
    );
  }
  return response;
}
