// The built-in issuer's endpoints, at Entra ID's paths so MSAL and other OAuth clients find them
// from an authority of `https://host/{tenant}` (SPEC §5): discovery, keys, token, authorize.
import formBody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError, oauth } from '../auth/oauth-errors.js';
import {
  type AuthorizeOutcome,
  authorizationCodeGrant,
  beginAuthorization,
  clientCredentialsGrant,
  type IssuerContext,
  openIdConfiguration,
  resolveTenant,
  submitConsent,
  submitSignIn,
} from '../services/oauth-service.js';
import type { Tenant } from '../domain/tenant.js';
import {
  beginFederation,
  completeFederation,
  FEDERATION_COOKIE,
  FederationError,
} from '../services/federation.js';
import { consentPage, errorPage, formPostPage, signInPage } from './sign-in-pages.js';

type TenantParams = { Params: { tenant: string } };
type Form = Record<string, string | undefined>;

/** Entra's error body: OAuth fields plus AADSTS codes and trace ids. */
function sendOAuthError(reply: FastifyReply, error: OAuthError) {
  const now = new Date();
  return reply
    .code(error.status)
    .header('cache-control', 'no-store')
    .send({
      error: error.error,
      error_description: `${error.description}\r\nTrace ID: ${reply.request.id}\r\nTimestamp: ${now.toISOString()}`,
      error_codes: [error.aadsts],
      timestamp: now.toISOString().replace('T', ' ').slice(0, 19) + 'Z',
      trace_id: reply.request.id,
      correlation_id: reply.request.headers['client-request-id'] ?? reply.request.id,
    });
}

/** client_secret_basic: `Authorization: Basic base64(urlencode(id):urlencode(secret))`. */
function basicCredentials(request: FastifyRequest): { client_id?: string; client_secret?: string } {
  const match = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (!match) return {};
  const [id, secret] = Buffer.from(match[1]!, 'base64').toString('utf8').split(':', 2);
  try {
    return {
      ...(id ? { client_id: decodeURIComponent(id) } : {}),
      ...(secret ? { client_secret: decodeURIComponent(secret) } : {}),
    };
  } catch {
    throw oauth.malformed('the client credentials in the Authorization header are not URL-encoded.');
  }
}

/** A cookie of the request by name (the federation state: one cookie, no cookie library needed). */
function cookieOf(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

const federationPath = (tenant: Tenant) => `/${tenant.id}/federation/`;

/** The federation state cookie, cleared: a callback spends it, whatever its outcome. */
const spentCookie = (tenant: Tenant) =>
  `${FEDERATION_COOKIE}=; Path=${federationPath(tenant)}; Max-Age=0; HttpOnly; SameSite=Lax`;

function respond(reply: FastifyReply, request: FastifyRequest, tenant: Tenant, outcome: AuthorizeOutcome) {
  const action = request.url.split('?')[0]!.replace(/\/federation\/callback$/, '/oauth2/v2.0/authorize');
  if ('respond' in outcome) {
    const { redirectUri, responseMode } = outcome.respond;
    if (responseMode === 'form_post') return formPostPage(reply, redirectUri, outcome.params);
    const encoded = new URLSearchParams(outcome.params).toString();
    const joiner = responseMode === 'fragment' ? '#' : redirectUri.includes('?') ? '&' : '?';
    return reply.header('cache-control', 'no-store').redirect(`${redirectUri}${joiner}${encoded}`, 302);
  }
  switch (outcome.show) {
    case 'sign-in': {
      const provider = tenant.settings.signInProvider;
      const start = `${federationPath(tenant)}start?interaction=${encodeURIComponent(outcome.interaction)}`;
      // passwords=off: the organisation's provider is the only way in; go straight there.
      if (provider && !provider.passwords)
        return reply.header('cache-control', 'no-store').redirect(start, 302);
      return signInPage(reply, {
        action,
        interaction: outcome.interaction,
        appName: outcome.app.displayName,
        ...(outcome.username !== undefined ? { username: outcome.username } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
        ...(provider ? { federation: { name: provider.name, href: start } } : {}),
      });
    }
    case 'consent':
      return consentPage(reply, {
        action,
        interaction: outcome.interaction,
        appName: outcome.app.displayName,
        user: outcome.user.userPrincipalName,
        scopes: outcome.scopes,
      });
    case 'error':
      return errorPage(reply, outcome.status, outcome.message);
  }
}

export async function identityRoutes(app: FastifyInstance, ctx: IssuerContext): Promise<void> {
  await app.register(formBody, { bodyLimit: 64 * 1024 });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof OAuthError) return sendOAuthError(reply, error);
    // Fastify's own 4xx (body too large, unparsable form): the request was malformed.
    if (error.statusCode !== undefined && error.statusCode < 500)
      return sendOAuthError(reply, oauth.malformed(error.message));
    request.log.error({ err: error }, 'identity endpoint failed');
    return reply
      .code(500)
      .send({ error: 'server_error', error_description: 'An unexpected error occurred.' });
  });

  app.get<TenantParams>('/:tenant/v2.0/.well-known/openid-configuration', async (request) =>
    openIdConfiguration(ctx, await resolveTenant(ctx.store, request.params.tenant)),
  );

  app.get<TenantParams>('/:tenant/discovery/v2.0/keys', async (request, reply) => {
    await resolveTenant(ctx.store, request.params.tenant);
    reply.header('cache-control', 'public, max-age=300');
    return ctx.keys.publicKeySet();
  });

  app.post<TenantParams & { Body: Form }>('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    const tenant = await resolveTenant(ctx.store, request.params.tenant);
    const form: Form = { ...basicCredentials(request), ...(request.body ?? {}) };
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    switch (form['grant_type']) {
      case 'client_credentials':
        return clientCredentialsGrant(ctx, tenant, form);
      case 'authorization_code':
        return authorizationCodeGrant(ctx, tenant, form);
      case undefined:
        throw oauth.missingParameter('grant_type');
      default:
        throw oauth.unsupportedGrant(String(form['grant_type']));
    }
  });

  /** The authorize pages are for people: an unknown tenant is a page, not JSON. */
  const authorizeStep =
    (
      step: (
        tenant: Tenant,
        request: FastifyRequest<TenantParams & { Querystring: Form; Body: Form }>,
      ) => Promise<AuthorizeOutcome>,
    ) =>
    async (
      request: FastifyRequest<TenantParams & { Querystring: Form; Body: Form }>,
      reply: FastifyReply,
    ) => {
      let tenant: Tenant;
      try {
        tenant = await resolveTenant(ctx.store, request.params.tenant);
      } catch (error) {
        if (error instanceof OAuthError) return errorPage(reply, 400, error.description);
        throw error;
      }
      return respond(reply, request, tenant, await step(tenant, request));
    };

  app.get(
    '/:tenant/oauth2/v2.0/authorize',
    authorizeStep((tenant, request) =>
      beginAuthorization(ctx, tenant, request.query, `${request.protocol}://${request.host}`),
    ),
  );
  app.post(
    '/:tenant/oauth2/v2.0/authorize',
    authorizeStep(async (tenant, request) => {
      const form = request.body ?? {};
      if (form['step'] === 'consent') return submitConsent(ctx, tenant, form);
      const provider = tenant.settings.signInProvider;
      if (provider && !provider.passwords) {
        return {
          show: 'error',
          status: 403,
          message: `Password sign-in is off for this organisation: sign in with ${provider.name}.`,
        };
      }
      return submitSignIn(ctx, tenant, form);
    }),
  );

  /** Federation (SPEC §12): every failure is a page saying what happened, with a way to start again. */
  const federationStep =
    (
      step: (
        tenant: Tenant,
        request: FastifyRequest<TenantParams & { Querystring: Form }>,
        reply: FastifyReply,
      ) => Promise<unknown>,
    ) =>
    async (request: FastifyRequest<TenantParams & { Querystring: Form }>, reply: FastifyReply) => {
      let tenant: Tenant | undefined;
      try {
        tenant = await resolveTenant(ctx.store, request.params.tenant);
        return await step(tenant, request, reply);
      } catch (error) {
        if (error instanceof OAuthError) return errorPage(reply, 400, error.description);
        // A failed callback spends its state too.
        if (tenant && request.url.includes('/federation/callback'))
          reply.header('set-cookie', spentCookie(tenant));
        if (!(error instanceof FederationError)) {
          // Still a page, for a person (two first sign-ins of one person at once, a store that failed).
          request.log.error({ err: error }, 'sign-in through the provider failed unexpectedly');
          return errorPage(reply, 503, 'Portrait could not finish this sign-in. Please start again.');
        }
        request.log.warn(
          { status: error.status, reason: error.message },
          'sign-in through the provider failed',
        );
        return errorPage(reply, error.status, error.message, error.startAgain);
      }
    };

  app.get(
    '/:tenant/federation/start',
    federationStep(async (tenant, request, reply) => {
      const started = await beginFederation(ctx, tenant, String(request.query['interaction'] ?? ''));
      const secure = ctx.publicBase().startsWith('https:') ? '; Secure' : '';
      return reply
        .header('cache-control', 'no-store')
        .header(
          'set-cookie',
          `${FEDERATION_COOKIE}=${started.cookie}; Path=${federationPath(tenant)}; Max-Age=${started.maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`,
        )
        .redirect(started.location, 302);
    }),
  );

  app.get(
    '/:tenant/federation/callback',
    federationStep(async (tenant, request, reply) => {
      const current = new URL(request.url, ctx.publicBase());
      const outcome = await completeFederation(ctx, tenant, current, cookieOf(request, FEDERATION_COOKIE));
      // Good once: the state is spent whatever the outcome.
      reply.header('set-cookie', spentCookie(tenant));
      return respond(reply, request, tenant, outcome);
    }),
  );
}
