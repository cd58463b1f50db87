// The origin that links in responses are built on (`@odata.context`, `@odata.nextLink`,
// `@odata.id`, `Location`): the configured --base-url, else the origin the client called.
// $batch runs its requests inside the process, where there is no socket to read a scheme or port
// from; they carry the batch's own origin in a header that only this process can set (it holds a
// per-process secret), so an item's links point where the batch was sent.
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

const INNER_ORIGIN = 'x-portrait-batch-origin';

export class PublicOrigin {
  private readonly secret = randomUUID();

  constructor(private readonly configured?: string) {}

  /** e.g. `https://localhost:8443`, without a trailing slash. */
  of(request: FastifyRequest): string {
    if (this.configured) return this.configured;
    const inner = request.headers[INNER_ORIGIN];
    if (typeof inner === 'string' && inner.startsWith(`${this.secret} `)) {
      return inner.slice(this.secret.length + 1);
    }
    return `${request.protocol}://${request.host}`;
  }

  /** The headers that give a request run on behalf of `outer` the same origin. */
  innerHeaders(outer: FastifyRequest): Record<string, string> {
    return { [INNER_ORIGIN]: `${this.secret} ${this.of(outer)}`, host: outer.host };
  }
}
