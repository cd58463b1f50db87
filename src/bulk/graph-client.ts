// A small client for any Graph-compatible endpoint (Portrait or graph.microsoft.com), as `photos
// mirror` needs it: bearer token, paging by @odata.nextLink, and patience. A 429, 503 or 504 is
// retried after its Retry-After (seconds or a date) or, without one, after a growing pause, as
// Graph's throttling guidance asks; so is a dropped connection. Node's own fetch does the HTTP, so
// NODE_EXTRA_CA_CERTS is how a client trusts Portrait's development CA.

export interface GraphReply {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

export interface GraphClientOptions {
  /** How often one request is retried before it fails. */
  maxRetries?: number;
  /** The longest pause honoured; a longer Retry-After is cut to this. */
  maxWaitSeconds?: number;
  /** Told about every pause, for progress output. */
  onWait?: (seconds: number, why: string) => void;
}

/** A request that did not succeed, with Graph's error code and message when the body had them. */
export class GraphCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const RETRIED = new Set([429, 503, 504]);
const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** Retry-After as seconds: a number, or an HTTP date. */
function retryAfter(header: string | null, fallback: number): number {
  if (header === null) return fallback;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? fallback : Math.max(0, (date - Date.now()) / 1000);
}

function failure(method: string, url: string, reply: GraphReply): GraphCallError {
  let code = `HTTP ${reply.status}`;
  let message = '';
  try {
    const body = JSON.parse(reply.bytes.toString('utf8')) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? '';
  } catch {
    // not a Graph error body
  }
  const path = new URL(url).pathname;
  return new GraphCallError(
    reply.status,
    code,
    `${method} ${path}: ${reply.status} ${code}${message ? ` (${message})` : ''}`,
  );
}

export class GraphClient {
  readonly base: string;

  /** @param base a Graph root with its version, e.g. `https://localhost:8443/v1.0` */
  constructor(
    base: string,
    private readonly token: string,
    private readonly options: GraphClientOptions = {},
  ) {
    this.base = base.replace(/\/+$/, '');
  }

  /** One request, retried while throttled; throws GraphCallError unless the status is in `ok`. */
  async send(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: Buffer; ok?: number[] } = {},
  ): Promise<GraphReply> {
    const url = path.startsWith('https://') || path.startsWith('http://') ? path : `${this.base}${path}`;
    const ok = init.ok ?? [200];
    const maxRetries = this.options.maxRetries ?? 8;
    for (let attempt = 0; ; attempt++) {
      const backoff = Math.min(2 ** attempt, 32);
      let reply: GraphReply;
      try {
        const response = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${this.token}`, ...init.headers },
          ...(init.body ? { body: init.body } : {}),
        });
        reply = {
          status: response.status,
          headers: response.headers,
          bytes: Buffer.from(await response.arrayBuffer()),
        };
      } catch (error) {
        if (attempt >= maxRetries) throw error;
        this.options.onWait?.(backoff, `connection failed (${(error as Error).message})`);
        await sleep(backoff);
        continue;
      }
      if (ok.includes(reply.status)) return reply;
      if (!RETRIED.has(reply.status) || attempt >= maxRetries) throw failure(method, url, reply);
      const wait = Math.min(
        retryAfter(reply.headers.get('retry-after'), backoff),
        this.options.maxWaitSeconds ?? 300,
      );
      this.options.onWait?.(wait, `${new URL(this.base).host} answered ${reply.status}`);
      await sleep(wait);
    }
  }

  async json<T>(path: string): Promise<T> {
    return JSON.parse((await this.send('GET', path)).bytes.toString('utf8')) as T;
  }

  /** Every item of a collection, following @odata.nextLink, which must stay on this endpoint. */
  async all<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const page: { value: T[]; '@odata.nextLink'?: string } = await this.json(next);
      items.push(...page.value);
      next = page['@odata.nextLink'];
      // The token goes only where it was meant to go.
      if (next && new URL(next).origin !== new URL(this.base).origin) {
        throw new Error(`${this.base} sent a next page link to another host (${new URL(next).origin})`);
      }
    }
    return items;
  }
}
