// Headers on every response: no content sniffing (photo bytes are never read as a page or a
// script, whatever a browser guesses), and HSTS when this server itself speaks TLS.
import type { FastifyInstance } from 'fastify';

/** A year, as HSTS preload lists expect; no includeSubDomains: the host's other names are not ours. */
export const HSTS = 'max-age=31536000';

/**
 * HSTS binds a host name on every port. On `localhost` it would turn the browser's visits to every
 * other development server there into HTTPS, so it is left off for loopback names.
 */
const isLocalhost = (hostname: string) => /^(.*\.)?localhost\.?$/i.test(hostname);

const withHsts = (tls: boolean, hostname: string) => tls && !isLocalhost(hostname);

/** The headers for a request to `hostname` (the Host header's name, without its port). */
export function securityHeaders(tls: boolean, hostname: string): Record<string, string> {
  return withHsts(tls, hostname)
    ? { 'x-content-type-options': 'nosniff', 'strict-transport-security': HSTS }
    : { 'x-content-type-options': 'nosniff' };
}

const NOSNIFF = ['x-content-type-options', 'nosniff'] as const;
const NOSNIFF_HSTS = [...NOSNIFF, 'strict-transport-security', HSTS] as const;

/** The same as a flat list of names and values, as node:http's writeHead takes them (shared: never change it). */
export const securityHeaderList = (tls: boolean, hostname: string): readonly string[] =>
  withHsts(tls, hostname) ? NOSNIFF_HSTS : NOSNIFF;

/** The Host header's name without its port (`[::1]:8443` → `[::1]`), as Fastify's `hostname`. */
export const hostnameOf = (host: string | undefined) => (host ?? '').replace(/:\d+$/, '');

export function registerSecurityHeaders(app: FastifyInstance, options: { tls: boolean }): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(securityHeaders(options.tls, request.hostname));
  });
}
