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
  reply: FastifyReply;
  admit: () => void;
  refuse: () => void;
  timer: NodeJS.Timeout;
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

  /** The slot passes straight to the next in line whose client is still there. */
  private handOn(): void {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      clearTimeout(next.timer);
      if (!next.reply.raw.destroyed) {
        next.admit();
        return;
      }
      next.refuse(); // the client has gone: nobody is waiting for this one
    }
    this.running--;
  }

  private wait(reply: FastifyReply): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        reply,
        admit: resolve,
        refuse: () => reject(serviceBusy(1)),
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          reject(serviceBusy(1));
        }, this.options.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }
}
