// What every answered request ends with, whoever answered it (Fastify's hooks or the fast read
// path): its request ids on the way out, then its metrics, its count for the least-privilege
// report and its one log line for operators (never the token, never image bytes). A concern that
// crosses every request — an audit line, a trace id — is added here once.
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { loggedUrl } from './logged-url.js';
import type { Metrics } from './metrics.js';

/** A client's own `client-request-id` is echoed when it is a sane token; otherwise the request-id stands in. */
export function echoedClientRequestId(given: string | string[] | undefined, requestId: string): string {
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : requestId;
}

/** The protocol headers of every answer (SPEC §7), as names and values. */
export const requestIdHeaders = (requestId: string, headers: IncomingHttpHeaders): string[] => [
  'request-id',
  requestId,
  'client-request-id',
  echoedClientRequestId(headers['client-request-id'], requestId),
];

export interface AnsweredRequest {
  requestId: string;
  method: string;
  /** The URL as received; the log line redacts what must not be logged (logged-url.ts). */
  url: string;
  /** The photo operation it was (`value`, `metadata`, …), or `other`. */
  operation: string;
  status: number;
  ms: number;
}

/** The epilogue of one kind of answer (method, operation, status), its metric series bound once. */
export class AnswerEpilogue {
  constructor(
    private readonly counter: ReturnType<Metrics['requests']['labels']>,
    private readonly timer: ReturnType<Metrics['duration']['labels']>,
    private readonly requestLog: Logger,
    private readonly method: string,
    private readonly status: number,
  ) {}

  /** `recordUse` counts the call for the least-privilege report, when a permission allowed it. */
  answered(requestId: string, url: string, ms: number, recordUse?: () => void): void {
    this.counter.inc();
    this.timer.observe(ms / 1000);
    recordUse?.();
    if (this.requestLog.isLevelEnabled('info')) {
      this.requestLog.info(
        {
          reqId: requestId,
          method: this.method,
          url: loggedUrl(url),
          status: this.status,
          ms: Math.round(ms),
        },
        'request',
      );
    }
  }
}

export class RequestEpilogue {
  /** prom-client's label look-ups, done once per kind of answer. */
  private readonly kinds = new Map<string, AnswerEpilogue>();

  constructor(
    private readonly metrics: Metrics,
    /** The request-line logger (logger.ts, requestLineLogger). */
    private readonly requestLog: Logger,
  ) {}

  /** The epilogue of answers of this kind, to keep where the same kind is answered again and again. */
  of(method: string, operation: string, status: number): AnswerEpilogue {
    const key = `${method} ${operation} ${status}`;
    let kind = this.kinds.get(key);
    if (!kind) {
      kind = new AnswerEpilogue(
        this.metrics.requests.labels({ method, operation, status }),
        this.metrics.duration.labels({ method, operation }),
        this.requestLog,
        method,
        status,
      );
      this.kinds.set(key, kind);
    }
    return kind;
  }

  answered(request: AnsweredRequest, recordUse?: () => void): void {
    this.of(request.method, request.operation, request.status).answered(
      request.requestId,
      request.url,
      request.ms,
      recordUse,
    );
  }
}
