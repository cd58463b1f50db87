// How long an upload body may take to arrive. A body has `graceMs` to get going; after that it
// must keep up an average of `minBytesPerSecond` (each byte buys time, as Apache's
// mod_reqtimeout MinRate does), and it never gets more than `totalMs` in all. A sender that falls
// behind gets 408 and its connection closed, so a trickle of bytes cannot hold an upload's place.
import { Transform, type TransformCallback } from 'node:stream';
import { requestTimeout } from '../errors.js';

export interface BodyTimeRules {
  /** The longest a body may take in all, in ms. */
  totalMs: number;
  /** Time a body has before the rate counts, in ms. */
  graceMs: number;
  /** The average rate a body must keep up after the grace time. */
  minBytesPerSecond: number;
}

/** When a body that started at `startedAt` and has delivered `bytes` so far is late. */
export function bodyDeadline(rules: BodyTimeRules, startedAt: number, bytes: number): number {
  const earned = rules.minBytesPerSecond > 0 ? (bytes / rules.minBytesPerSecond) * 1000 : Infinity;
  return startedAt + Math.min(rules.totalMs, rules.graceMs + earned);
}

/**
 * Passes the body through, counting bytes, and fails it with 408 once it is late. One timer per
 * body, re-armed only when it fires: bytes arriving cost a counter increment, nothing more.
 */
export class TimedBody extends Transform {
  private bytes = 0;
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly rules: BodyTimeRules) {
    super();
    this.arm();
  }

  private arm(): void {
    const deadline = bodyDeadline(this.rules, this.startedAt, this.bytes);
    const now = Date.now();
    if (now >= deadline) {
      const seconds = Math.round((now - this.startedAt) / 1000);
      this.destroy(requestTimeout(this.bytes, seconds));
      return;
    }
    this.timer = setTimeout(() => this.arm(), deadline - now);
    this.timer.unref();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    clearTimeout(this.timer);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    callback(error);
  }
}
