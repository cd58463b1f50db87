// The photo metadata port: each owner's set of sizes (dimensions, type, length, the set's ETag) and
// the key of each size's bytes, replaced and deleted in one transaction; the bytes themselves are
// the PhotoBytes port's (photo-bytes.ts). Directory deletes drop an owner's set inside their own
// transaction (user, group, contact, folder): only the references go, never the bytes.
import type { PhotoSetInfo, ReplaceOptions, VariantInfo, WriteCondition } from '../domain/photo-set.js';

/** A stored size as the metadata names it: the set's ETag and its bytes' key. */
export interface VariantRecord extends VariantInfo {
  etag: string;
  blobKey: string;
}

/** A size to store, its bytes already put under `blobKey`. */
export interface NewVariantRecord {
  width: number;
  height: number;
  contentType: string;
  blobKey: string;
  byteLength: number;
}

export interface PhotoMetadataStore {
  readPhotoSet(tenantId: string, ownerId: string): Promise<PhotoSetInfo | undefined>;
  /** One size and the set's etag; the largest when `sizeId` is omitted. */
  readVariantRecord(tenantId: string, ownerId: string, sizeId?: string): Promise<VariantRecord | undefined>;
  /** Swaps the owner's whole set in one transaction; PreconditionError when `ifMatch` no longer holds. */
  replacePhotoSet(
    tenantId: string,
    ownerId: string,
    variants: NewVariantRecord[],
    options?: ReplaceOptions,
  ): Promise<PhotoSetInfo>;
  /** False when there was no photo; PreconditionError when `ifMatch` no longer holds. */
  deletePhotoSet(tenantId: string, ownerId: string, condition?: WriteCondition): Promise<boolean>;
  /** Which of these bytes' keys a stored size names. */
  referencedKeys(keys: readonly string[]): Promise<Set<string>>;
  /** Up to `limit` of the keys stored sizes name, after `after`, in key order. */
  namedKeys(limit: number, after?: string): Promise<string[]>;
}
