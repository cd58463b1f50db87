// Which answers a bounded cache should take in. Read uniformly at random, a directory larger than
// the cache makes every read a miss, and a cache that takes in every miss then churns: each entry
// it adds outlives V8's young generation and is copied out of it, then dropped, and the collector's
// pauses grow with that traffic (docs/benchmarks.md, the 100,000-user row). Taking in only keys
// asked for a second time while still remembered keeps what is read again and lets a one-off read
// pass through as garbage that dies young.

/** FNV-1a over the string's UTF-16 code units: fast, allocation-free, well spread. */
function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash | 0;
}

/**
 * Remembers the last 2^bits keys asked for (one hash per slot, a fixed 4 × 2^bits bytes) and says
 * whether a key was asked for before. A slot taken over by another key forgets the first: it is
 * then asked for twice more before it is admitted, which costs a miss, never a wrong answer.
 */
export class SecondAsk {
  private readonly slots: Int32Array;

  constructor(bits = 16) {
    this.slots = new Int32Array(1 << bits);
  }

  /** True when `key` was asked for before and is still remembered; remembers it either way. */
  admits(key: string): boolean {
    const hash = hashOf(key);
    const slot = hash & (this.slots.length - 1);
    if (this.slots[slot] === hash) return true;
    this.slots[slot] = hash;
    return false;
  }
}
