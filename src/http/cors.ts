// CORS for browser apps (SPEC §7), answered as Graph answers it: any origin by default — the API
// takes bearer tokens, never cookies, so a page can only use a token it already holds — and
// narrowed per tenant (`portrait tenant update T --cors-origins …`).
//
// A preflight carries no token, so it is answered here, before authentication. The issuer's
// endpoints name their tenant in the path; for the API the tenant is only known once the token is
// read, so a preflight passes for an origin that some tenant allows, and the request itself is
// refused (403, no Access-Control-Allow-Origin) when the caller's own tenant does not allow it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphError } from '../errors.js';
import { corsAllows } from '../services/tenant-settings.js';
import type { Tenant } from '../domain/tenant.js';
import type { DirectoryStore } from '../store/directory-store.js';

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
/** What a browser app reads besides the safelisted headers: Graph's ids, ETags, throttling, links. */
export const EXPOSED_HEADERS = 'ETag, Location, Retry-After, request-id, client-request-id, WWW-Authenticate';
/** How long a browser may reuse a preflight's answer; Chromium caps it at two hours. */
const PREFLIGHT_MAX_AGE_SECONDS = 7200;
/** A header name as RFC 9110 allows it: anything else in Access-Control-Request-Headers is dropped. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

export const corsOriginRefused = (origin: string) =>
  new GraphError(
    403,
    'Authorization_RequestDenied',
    `Requests from the browser origin '${origin}' are not allowed for this tenant. An administrator can allow it with: portrait tenant update <tenant> --cors-origins "${origin} …"`,
  );

type Policy = Tenant['settings']['corsOrigins'];

/**
 * The tenant the issuer's endpoints name (`/{tenant}/v2.0/…`, `/{tenant}/discovery/…`,
 * `/{tenant}/oauth2/…`). Read from the path itself: a preflight matches no route.
 */
function pathTenant(request: FastifyRequest): string | undefined {
  const match = /^\/([^/?]+)\/(?:v2\.0|discovery|oauth2)\//i.exec(request.url);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
}

export class Cors {
  constructor(private readonly directory: DirectoryStore) {}

  /** The policy a request is judged by before its token is read. */
  private async policyBeforeAuth(request: FastifyRequest): Promise<Policy> {
    const named = pathTenant(request);
    const tenant = named ? await this.directory.findTenant(named) : undefined;
    if (tenant) return tenant.settings.corsOrigins;
    // Any tenant's origins: a stricter tenant is enforced once the token names it.
    const tenants = await this.directory.listTenants();
    if (tenants.length === 0 || tenants.some((t) => t.settings.corsOrigins === '*')) return '*';
    return tenants.flatMap((t) => t.settings.corsOrigins as string[]);
  }

  private static allowOrigin(reply: FastifyReply, policy: Policy, origin: string): boolean {
    if (policy === '*') {
      reply.header('access-control-allow-origin', '*');
      return true;
    }
    // A narrowed answer depends on the Origin; shared caches must keep one per origin.
    reply.header('vary', 'Origin');
    if (!policy.includes(origin.toLowerCase())) return false;
    reply.header('access-control-allow-origin', origin);
    return true;
  }

  private static preflight(request: FastifyRequest, reply: FastifyReply, allowed: boolean): FastifyReply {
    if (!allowed) return reply.code(403).send();
    const asked = String(request.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter((h) => HEADER_NAME.test(h));
    reply
      .header('access-control-allow-methods', ALLOWED_METHODS)
      .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS))
      .header('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    if (asked.length > 0) reply.header('access-control-allow-headers', asked.join(', '));
    return reply.code(204).send();
  }

  /** Root hook: answers preflights and gives every reply to a browser its CORS headers. */
  register(app: FastifyInstance): void {
    app.addHook('onRequest', async (request, reply) => {
      const origin = request.headers.origin;
      if (origin === undefined) return; // not a cross-origin browser request
      const allowed = Cors.allowOrigin(reply, await this.policyBeforeAuth(request), origin);
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
        return Cors.preflight(request, reply, allowed);
      }
      if (allowed) reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    });
  }

  /** After authentication: the caller's tenant may allow fewer origins than the preflight did. */
  static checkTenant(request: FastifyRequest, reply: FastifyReply, tenant: Tenant): void {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    if (!corsAllows(tenant.settings, origin)) {
      reply.removeHeader('access-control-allow-origin').removeHeader('access-control-expose-headers');
      throw corsOriginRefused(origin);
    }
    if (tenant.settings.corsOrigins !== '*') Cors.allowOrigin(reply, tenant.settings.corsOrigins, origin);
  }
}
