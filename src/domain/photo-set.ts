// A photo as the store keeps it (SPEC §4): a set of sizes sharing one ETag, replaced whole.

export interface VariantInfo {
  /** `48X48` */
  sizeId: string;
  width: number;
  height: number;
  contentType: string;
  byteLength: number;
}

export interface PhotoSetInfo {
  /** 8 hex digits, new on every replace; shared by every size of the set. */
  etag: string;
  updatedAt: string;
  /** SHA-256 (hex) of the upload the set was made from, when known: a re-run import skips it. */
  sourceSha256: string | null;
  /** Smallest first. */
  variants: VariantInfo[];
}

export interface StoredVariant extends VariantInfo {
  etag: string;
  bytes: Buffer;
}

export interface NewVariant {
  width: number;
  height: number;
  contentType: string;
  bytes: Buffer;
}

export interface WriteCondition {
  /** The etags (unquoted) of an `If-Match` header, or `*`: the write happens only if one matches. */
  ifMatch?: readonly string[];
}

export interface ReplaceOptions extends WriteCondition {
  /** SHA-256 (hex) of the upload the variants were made from. */
  sourceSha256?: string;
}
