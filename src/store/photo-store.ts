// The photos port: each owner's set of sizes, read and replaced whole.
import type {
  NewVariant,
  PhotoSetInfo,
  ReplaceOptions,
  StoredVariant,
  WriteCondition,
} from '../domain/photo-set.js';

export interface PhotoStore {
  readPhotoSet(tenantId: string, ownerId: string): Promise<PhotoSetInfo | undefined>;
  /** One size with its bytes and the set's etag; the largest when `sizeId` is omitted. */
  readVariant(tenantId: string, ownerId: string, sizeId?: string): Promise<StoredVariant | undefined>;
  /**
   * Replaces the owner's whole set in one transaction: readers see the old set or the new one.
   * Throws PreconditionError when `ifMatch` no longer holds.
   */
  replacePhotoSet(
    tenantId: string,
    ownerId: string,
    variants: NewVariant[],
    options?: ReplaceOptions,
  ): Promise<PhotoSetInfo>;
  /** False when there was no photo; throws PreconditionError when `ifMatch` no longer holds. */
  deletePhotoSet(tenantId: string, ownerId: string, condition?: WriteCondition): Promise<boolean>;
}
