// Authorization from a route: the permission matrix decides (authorize), and what allowed the
// call stays on the request, for the least-privilege report to count when the reply is sent.
import type { FastifyRequest } from 'fastify';
import { type AccessFacts, authorize, type Grant } from '../auth/authorize.js';
import type { Action } from '../auth/permission-matrix.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What allowed this request's calls, in order. */
    grants?: Grant[];
  }
}

/** Throws the Graph 403 unless the caller may; remembers the permission that allowed it. */
export function permit(request: FastifyRequest, action: Action, facts?: AccessFacts): void {
  recordGrant(request, authorize(request.auth!.caller, action, facts));
}

/** Remembers a grant `authorize` gave for this request. */
export function recordGrant(request: FastifyRequest, grant: Grant): void {
  if (request.grants) request.grants.push(grant);
  else request.grants = [grant];
}
