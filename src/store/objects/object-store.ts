// Object storage as the photo bytes see it (SPEC §14): put, get, delete and list objects by name in
// one bucket, container or folder. Each provider (s3-objects.ts, azure-objects.ts,
// file-objects.ts) speaks its own client; `timed` gives every call the store's timeout and turns
// every failure into one error the HTTP layer answers with 503 and Retry-After.
import { messageOf } from '../../errors.js';

/** An object as a listing shows it. */
export interface ObjectInfo {
  name: string;
  size: number;
  /** ms since the epoch */
  lastModified: number;
}

export interface ObjectPage {
  objects: ObjectInfo[];
  /** Where the next page starts; absent on the last. */
  next?: string;
}

/** One provider's calls; every one takes a signal that aborts it at the store's timeout. */
export interface ObjectStore {
  /** How the store is named in messages and remembered by the SQL store: the URL without secrets. */
  readonly name: string;
  /** Writes the whole object at once: a reader sees the old object, none, or the new one whole. */
  put(name: string, bytes: Buffer, signal: AbortSignal): Promise<void>;
  /** The object's bytes; undefined when there is no such object. */
  get(name: string, signal: AbortSignal): Promise<Buffer | undefined>;
  /** Deletes the object; no error when there is none. */
  delete(name: string, signal: AbortSignal): Promise<void>;
  /** One page of the objects whose names start with `prefix`, in name order. */
  list(prefix: string, after: string | undefined, signal: AbortSignal): Promise<ObjectPage>;
  /** Lets go of connections. */
  close(): Promise<void>;
}

/**
 * The blob store failed or did not answer in time. Nothing was changed that a reader could see; the
 * HTTP layer answers 503 serviceNotAvailable with Retry-After, and the CLI prints the message.
 */
export class BlobStoreUnavailableError extends Error {
  readonly code = 'BlobStoreUnavailable';
}

/** A store that cannot be used at all (no such bucket, credentials refused): said at start-up. */
export class BlobStoreSetupError extends Error {
  readonly code = 'BlobStoreSetup';
}

export interface TimedObjectStore {
  readonly name: string;
  put(name: string, bytes: Buffer): Promise<void>;
  get(name: string): Promise<Buffer | undefined>;
  delete(name: string): Promise<void>;
  /** Every object under `prefix`, page by page (each page one call, with its own timeout). */
  list(prefix: string): AsyncIterable<ObjectInfo[]>;
  close(): Promise<void>;
}

/**
 * After a call timed out, calls fail at once for this long instead of each waiting out the timeout
 * again: requests do not pile up behind a store that hangs, and a request retried on another path
 * (the fast read path hands a failure to the route) waits once, not twice.
 */
export const COOL_DOWN_MS = 1000;

/**
 * The store with a timeout on each call (SPEC §14: `--blob-timeout`, 5 s by default) and one error
 * for every failure, naming the store and what went wrong.
 */
export function timed(store: ObjectStore, timeoutMs: number): TimedObjectStore {
  let quietUntil = 0;
  const call = async <T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    if (performance.now() < quietUntil)
      throw new BlobStoreUnavailableError(
        `the blob store ${store.name} did not answer within ${timeoutMs / 1000} s a moment ago (${what} not tried)`,
      );
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        quietUntil = performance.now() + COOL_DOWN_MS;
        controller.abort();
        reject(
          new BlobStoreUnavailableError(
            `the blob store ${store.name} did not answer within ${timeoutMs / 1000} s (${what})`,
          ),
        );
      }, timeoutMs);
    });
    try {
      return await Promise.race([work(controller.signal), timeout]);
    } catch (error) {
      if (error instanceof BlobStoreUnavailableError) throw error;
      throw new BlobStoreUnavailableError(
        `the blob store ${store.name} failed (${what}): ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    name: store.name,
    put: (name, bytes) => call(`put ${name}`, (signal) => store.put(name, bytes, signal)),
    get: (name) => call(`get ${name}`, (signal) => store.get(name, signal)),
    delete: (name) => call(`delete ${name}`, (signal) => store.delete(name, signal)),
    async *list(prefix) {
      let after: string | undefined;
      do {
        const page = await call(`list ${prefix}`, (signal) => store.list(prefix, after, signal));
        if (page.objects.length > 0) yield page.objects;
        after = page.next;
      } while (after !== undefined);
    },
    close: () => store.close(),
  };
}
