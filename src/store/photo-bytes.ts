// The photo bytes port (SPEC §14): the bytes of each stored size, named by their SHA-256, so equal
// bytes are kept once. Bytes are put before the metadata that names them is committed, and are
// never in a metadata transaction: a delete (of a photo, or cascading from a user's) drops only
// references, and bytes nothing names are collected after a grace time (photo-sets.ts). The
// database keeps them by default (sql-photo-bytes.ts); S3, Azure Blob and a folder behind the same
// port (objects/object-photo-bytes.ts).

/** One stored size's bytes and their key: the SHA-256 of the bytes, lower-case hex. */
export interface PhotoBlob {
  key: string;
  bytes: Buffer;
}

/** A key the store holds bytes under, and when they were last put (ms since the epoch). */
export interface StoredKey {
  key: string;
  storedAt: number;
}

export interface PhotoBytes {
  /** Where the bytes are, as `--blob-store` names it (no secrets). */
  readonly name: string;
  /**
   * Stores each blob under its key. A key already stored keeps its bytes (they are the same: the
   * key is their hash) and counts as put now, so the collector's grace time starts again.
   */
  put(blobs: readonly PhotoBlob[]): Promise<void>;
  /** The bytes stored under `key`, if any. */
  get(key: string): Promise<Buffer | undefined>;
  /** Up to `limit` keys last put before `cutoff` (ms since the epoch), after `after` in key order. */
  putBefore(cutoff: number, limit: number, after?: string): Promise<string[]>;
  /**
   * Deletes the keys, each only if it was last put before `cutoff`: bytes put again since (by an
   * upload of the same bytes) stay. Returns how many were deleted.
   */
  delete(keys: readonly string[], cutoff: number): Promise<number>;
  /** Every key the store holds bytes under, page by page. */
  list(): AsyncIterable<StoredKey[]>;
  /**
   * Collects, beyond `putBefore`/`delete`, what only this store can have left behind (an object
   * store: objects no row names, deletes a collector did not finish), older than `cutoff` and not
   * `named`. Returns how many were deleted.
   */
  sweep?(cutoff: number, named: (keys: readonly string[]) => Promise<Set<string>>): Promise<number>;
  /** Asks the store something cheap, to prove it answers (/readyz). */
  ping?(): Promise<void>;
  /** Writes, reads back and deletes something, to prove the store usable. */
  probe?(): Promise<void>;
  close?(): Promise<void>;
}
