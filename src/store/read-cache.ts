// A read cache in front of the store ports. The photo read path is a handful of look-ups (tenant,
// owner, photo size) whose answers rarely change; serving them from memory is what lets a read
// cost about what the HTTP exchange costs (docs/benchmarks.md).
//
// Correctness before speed: any write through this store clears the cache at once, and before
// each read the backend is asked whether another connection (the CLI, another process) has
// committed since — SQLite answers that from `PRAGMA data_version` in about a microsecond. A
// photo uploaded anywhere is therefore read back at once, as SPEC §7 requires.
import { LRUCache } from 'lru-cache';
import { SecondAsk } from './admission.js';
import type { Store } from './store.js';

/** Bounded by entries and by bytes (photo sizes dominate). */
const MAX_ENTRIES = 50_000;
const MAX_BYTES = 64 * 1024 * 1024;

/**
 * Asking the backend whether others wrote costs several microseconds (SQLite reads the WAL index);
 * a read path asks for three look-ups. The answer is reused for this long: another process's
 * write is seen within a millisecond, this process's own writes at once.
 */
const CHECK_EVERY_MS = 1;

const sizeOf = (value: unknown): number => {
  const bytes = (value as { bytes?: Buffer } | undefined)?.bytes;
  return (bytes?.length ?? 0) + 512;
};

export class ReadCache {
  private readonly entries = new LRUCache<string, { value: unknown }>({
    max: MAX_ENTRIES,
    maxSize: MAX_BYTES,
    sizeCalculation: (entry) => sizeOf(entry.value),
  });

  /** Loads are kept from the second time their key is asked for (admission.ts). */
  private readonly admission = new SecondAsk();

  /** Bumped by every clear: a load that overlapped a write is not kept. */
  private generation = 0;

  /** @param changedElsewhere whether another connection has written since it was last asked */
  constructor(private readonly changedElsewhere: () => boolean) {}

  private checkedAt = Number.NEGATIVE_INFINITY;

  private checkElsewhere(): void {
    const now = performance.now();
    if (now - this.checkedAt < CHECK_EVERY_MS) return;
    this.checkedAt = now;
    if (this.changedElsewhere()) this.clear();
  }

  /**
   * A number that changes whenever any answer this cache holds may have changed: a write through
   * this store, or another connection's (asked as `get` asks). What was decided from cached
   * answers under one generation holds while it lasts.
   */
  current(): number {
    this.checkElsewhere();
    return this.generation;
  }

  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    this.checkElsewhere();
    const hit = this.entries.get(key);
    if (hit) return hit.value as T;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation && this.admission.admits(key)) this.entries.set(key, { value });
    return value;
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}

type Method = (...args: never[]) => Promise<unknown>;

/**
 * The same port with `reads` (methods whose arguments are all strings, so joining them makes the
 * key) served through the cache and every other method clearing it after
 * it runs (a write may change any cached answer; writes are rare next to reads).
 */
function cachedPort<P extends object>(
  port: P,
  name: string,
  reads: readonly (keyof P & string)[],
  cache: ReadCache,
): P {
  const wrapped: Record<string, Method> = {};
  let proto: object | null = port;
  const methods = new Set<string>();
  while (proto && proto !== Object.prototype) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key !== 'constructor' && typeof (port as Record<string, unknown>)[key] === 'function')
        methods.add(key);
    }
    proto = Object.getPrototypeOf(proto);
  }
  for (const method of methods) {
    const original = (port as Record<string, Method>)[method]!.bind(port) as (
      ...args: unknown[]
    ) => Promise<unknown>;
    wrapped[method] = (reads as readonly string[]).includes(method)
      ? (...args: unknown[]) =>
          cache.get(`${name}.${method}\u0000${args.join('\u0000')}`, () => original(...args))
      : async (...args: unknown[]) => {
          try {
            return await original(...args);
          } finally {
            cache.clear();
          }
        };
  }
  return wrapped as unknown as P;
}

/** The store, with the look-ups of the read path cached. */
export function withReadCache(store: Store, changedElsewhere: () => boolean): Store {
  const cache = new ReadCache(changedElsewhere);
  return {
    ...store,
    readGeneration: () => cache.current(),
    restore: async (snapshot) => {
      try {
        await store.restore(snapshot);
      } finally {
        cache.clear();
      }
    },
    directory: cachedPort(
      store.directory,
      'directory',
      // listTenants: CORS judges a browser's preflight by every tenant's allowed origins.
      ['findTenant', 'listTenants', 'findUser', 'findUserByMail'],
      cache,
    ),
    groups: cachedPort(store.groups, 'groups', ['findGroup', 'groupRelation'], cache),
    mailbox: cachedPort(store.mailbox, 'mailbox', ['findContact', 'findContactFolder'], cache),
    photos: cachedPort(store.photos, 'photos', ['readPhotoSet', 'readVariant'], cache),
    avatars: cachedPort(store.avatars, 'avatars', ['findByEmailHash'], cache),
  };
}
