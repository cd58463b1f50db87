// Admission for uploads, in two stages. Receiving a body needs only an admission (at most
// `admitted` at once; beyond that, 503 with Retry-After at once), so a slow sender holds no
// decoder: a processing slot (at most `limit`, the sharp pipelines) is taken only once the whole
// body is in memory. Received uploads wait for a slot in line, for a bounded time. Memory is
// bounded by `admitted` bodies of 4 MiB plus `limit` pipelines (docs/benchmarks.md).
import type { FastifyReply } from 'fastify';
import { serviceBusy } from '../errors.js';
import { holdMemoryRelease, releaseMemorySoon } from './release-memory.js';
import { whenReplyDone } from './reply-done.js';

export interface UploadGateOptions {
  /** Uploads processed (decoded, resized, stored) at once. */
  limit: number;
  /** Uploads admitted at once, receiving their bodies or waiting to be processed; the rest get 503 at once. */
  admitted: number;
  /** How long a received upload may wait for a processing slot, in ms, before it is refused. */
  maxWaitMs: number;
}

interface Waiter {
  admit: () => void;
}

export class UploadGate {
  private inside = 0;
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly options: UploadGateOptions) {}

  /** Uploads admitted now (receiving, waiting or processing). */
  get admittedCount(): number {
    return this.inside;
  }

  /** Admits an upload before its body is read; held until the reply ends. Throws 503 when full. */
  admit(reply: FastifyReply): void {
    if (this.inside >= this.options.admitted) throw serviceBusy(1);
    this.inside++;
    holdMemoryRelease();
    whenReplyDone(reply, () => {
      if (--this.inside === 0) releaseMemorySoon();
    });
  }

  /** Runs `work` in a processing slot, once one is free; throws 503 after waiting too long. */
  async process<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> {
    if (this.running < this.options.limit) this.running++;
    else await this.wait(reply);
    try {
      return await work();
    } finally {
      this.handOn();
    }
  }

  /** The slot passes straight to the next in line. */
  private handOn(): void {
    const next = this.queue.shift();
    if (next) next.admit();
    else this.running--;
  }

  /** Waits in line; leaves it when admitted, after `maxWaitMs`, or when the client goes away. */
  private wait(reply: FastifyReply): Promise<void> {
    return new Promise((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        reply.raw.removeListener('close', refuse);
        const at = this.queue.indexOf(waiter);
        if (at !== -1) this.queue.splice(at, 1);
      };
      const refuse = () => {
        leave();
        reject(serviceBusy(1));
      };
      const waiter: Waiter = {
        admit: () => {
          leave();
          resolve();
        },
      };
      const timer = setTimeout(refuse, this.options.maxWaitMs);
      // Nobody waits for an upload whose client has gone: its place in line goes with it.
      reply.raw.once('close', refuse);
      this.queue.push(waiter);
    });
  }
}
