// The photo bytes port (SPEC §14): the bytes of each stored size, named by their SHA-256, so equal
// bytes are kept once. Bytes are put before the metadata that names them is committed, and are
// never in a metadata transaction: a delete (of a photo, or cascading from a user's) drops only
// references, and bytes nothing names are collected after a grace time (photo-sets.ts). The
// database is the first home of the bytes; S3, Azure Blob and a folder come behind the same port.

/** One stored size's bytes and their key: the SHA-256 of the bytes, lower-case hex. */
export interface PhotoBlob {
  key: string;
  bytes: Buffer;
}

export interface PhotoBytes {
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
}
