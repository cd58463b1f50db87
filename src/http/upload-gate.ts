// Admission for uploads: at most `limit` are read and processed at once; a few more wait their
// turn (before their bodies are read, so waiting costs no memory); beyond that, or after waiting
// too long, 503 with Retry-After at once. A burst of 4 MiB uploads can neither exhaust memory nor
// queue into timeouts (docs/benchmarks.md, memory under pressure).
import type { FastifyReply } from 'fastify';
import { serviceBusy } from '../errors.js';
import { holdMemoryRelease, releaseMemorySoon } from './release-memory.js';
import { whenReplyDone } from './reply-done.js';

export interface UploadGateOptions {
  /** Uploads processed at once. */
  limit: number;
  /** Uploads that may wait for a slot; the rest are refused at once. */
  waiting: number;
  /** How long one may wait, in ms, before it is refused. */
  maxWaitMs: number;
}

interface Waiter {
  admit: () => void;
  timer: NodeJS.Timeout;
}

export class UploadGate {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly options: UploadGateOptions) {}

  /** Resolves when the upload may proceed; its slot is held until the reply ends. Throws 503. */
  async admit(reply: FastifyReply): Promise<void> {
    holdMemoryRelease();
    if (this.running >= this.options.limit) await this.wait();
    else this.running++;
    // A client that gave up while waiting hands its slot on at once.
    whenReplyDone(reply, () => {
      const next = this.queue.shift();
      if (next) {
        clearTimeout(next.timer);
        next.admit(); // the slot passes straight to the next in line
      } else if (--this.running === 0) {
        releaseMemorySoon();
      }
    });
  }

  private wait(): Promise<void> {
    if (this.queue.length >= this.options.waiting) return Promise.reject(serviceBusy(1));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        admit: resolve,
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          reject(serviceBusy(1));
        }, this.options.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }
}
