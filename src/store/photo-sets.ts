// Photo sets from their two ports: metadata (SQL) and bytes (photo-bytes.ts). A replace puts the
// bytes first, then swaps the metadata in one transaction, so nothing readable ever names bytes
// that are not stored; a crash in between leaves bytes nothing names, which the collector below
// removes after a grace time. Deletes (of a photo, or cascading from a user, group or contact)
// drop metadata only: the bytes of a set go when the collector finds nothing naming them.
import { createHash } from 'node:crypto';
import type {
  NewVariant,
  PhotoSetInfo,
  ReplaceOptions,
  StoredVariant,
  WriteCondition,
} from '../domain/photo-set.js';
import type { PhotoBytes } from './photo-bytes.js';
import type { PhotoMetadataStore } from './photo-metadata-store.js';
import type { PhotoStore } from './photo-store.js';

/** The key photo bytes are stored under: their SHA-256, lower-case hex (SPEC §14). */
export const blobKey = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The bytes a stored size names are gone: a broken store, not a missing photo. */
export class MissingPhotoBytesError extends Error {
  override readonly name = 'MissingPhotoBytesError';
}

export class PhotoSets implements PhotoStore {
  constructor(
    private readonly metadata: PhotoMetadataStore,
    private readonly bytes: PhotoBytes,
  ) {}

  readPhotoSet(tenantId: string, ownerId: string): Promise<PhotoSetInfo | undefined> {
    return this.metadata.readPhotoSet(tenantId, ownerId);
  }

  async readVariant(tenantId: string, ownerId: string, sizeId?: string): Promise<StoredVariant | undefined> {
    const record = await this.metadata.readVariantRecord(tenantId, ownerId, sizeId);
    if (!record) return undefined;
    const bytes = await this.bytes.get(record.blobKey);
    if (!bytes) throw new MissingPhotoBytesError(`the bytes ${record.blobKey} of a stored photo are missing`);
    const { blobKey: _key, ...info } = record;
    return { ...info, bytes };
  }

  async replacePhotoSet(
    tenantId: string,
    ownerId: string,
    variants: NewVariant[],
    options?: ReplaceOptions,
  ): Promise<PhotoSetInfo> {
    const blobs = variants.map((v) => ({ key: blobKey(v.bytes), bytes: v.bytes }));
    await this.bytes.put(blobs);
    const records = variants.map((v, i) => ({
      width: v.width,
      height: v.height,
      contentType: v.contentType,
      blobKey: blobs[i]!.key,
      byteLength: v.bytes.length,
    }));
    return this.metadata.replacePhotoSet(tenantId, ownerId, records, options);
  }

  deletePhotoSet(tenantId: string, ownerId: string, condition?: WriteCondition): Promise<boolean> {
    return this.metadata.deletePhotoSet(tenantId, ownerId, condition);
  }
}

/** How long bytes nothing names are kept: an upload puts its bytes before it names them. */
export const PHOTO_BYTES_GRACE_MS = 60 * 60 * 1000;

const PAGE = 500;

/**
 * Deletes the bytes no stored size names that were last put more than `graceMs` ago. Bytes put
 * again in the meantime (an upload of equal bytes, about to name them) are kept: the delete is
 * conditional on when they were last put, so it never races an upload.
 */
export async function collectPhotoBytes(
  metadata: PhotoMetadataStore,
  bytes: PhotoBytes,
  { graceMs = PHOTO_BYTES_GRACE_MS, now = Date.now() } = {},
): Promise<{ deleted: number; kept: number }> {
  const cutoff = now - graceMs;
  let deleted = 0;
  let kept = 0;
  let after: string | undefined;
  for (;;) {
    const keys = await bytes.putBefore(cutoff, PAGE, after);
    if (keys.length === 0) break;
    after = keys.at(-1);
    const named = await metadata.referencedKeys(keys);
    const unnamed = keys.filter((key) => !named.has(key));
    const removed = await bytes.delete(unnamed, cutoff);
    deleted += removed;
    kept += keys.length - removed;
  }
  if (bytes.sweep) deleted += await bytes.sweep(cutoff, (keys) => metadata.referencedKeys(keys));
  return { deleted, kept };
}

/** `portrait blobs verify` (SPEC §14). */
export interface VerifyReport {
  /** Keys the stored photo sizes name. */
  checked: number;
  /** Named keys whose bytes are not in the store: photos that cannot be read. */
  missing: string[];
  /** Bytes nothing names, last put before the grace time: what the collector will delete. */
  orphaned: number;
}

/**
 * Checks that every key a stored size names has its bytes, and counts the bytes nothing names
 * past the grace time. The store's keys are held in memory (about 150 bytes each).
 */
export async function verifyPhotoBytes(
  metadata: PhotoMetadataStore,
  bytes: PhotoBytes,
  { graceMs = PHOTO_BYTES_GRACE_MS, now = Date.now() } = {},
): Promise<VerifyReport> {
  const stored = new Map<string, number>();
  for await (const page of bytes.list()) for (const { key, storedAt } of page) stored.set(key, storedAt);
  let checked = 0;
  const missing: string[] = [];
  let after: string | undefined;
  for (;;) {
    const keys = await metadata.namedKeys(PAGE, after);
    if (keys.length === 0) break;
    after = keys.at(-1);
    checked += keys.length;
    for (const key of keys) {
      if (!stored.delete(key)) missing.push(key);
    }
  }
  const cutoff = now - graceMs;
  let orphaned = 0;
  for (const storedAt of stored.values()) if (storedAt < cutoff) orphaned++;
  return { checked, missing, orphaned };
}
