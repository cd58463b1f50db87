// Photo set metadata on any SQL backend: sizes, the set's ETag and each size's bytes key. A replace
// is one write transaction (old set or new set, never a mix); reads are single statements, so each
// sees one committed set. The bytes are the PhotoBytes port's (sql-photo-bytes.ts, or elsewhere).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { PhotoSetInfo, ReplaceOptions, WriteCondition } from '../../domain/photo-set.js';
import type { NewVariantRecord, PhotoMetadataStore, VariantRecord } from '../photo-metadata-store.js';
import { PreconditionError } from '../store-errors.js';
import type { Db, SqlBackend } from './schema.js';
import { preparedQuery } from './sql-support.js';
import { sizeId } from '../../domain/photo-sizes.js';

const newEtag = () => randomBytes(4).toString('hex').toUpperCase();

function checkCondition(current: string | undefined, condition: WriteCondition): void {
  const { ifMatch } = condition;
  if (ifMatch === undefined) return;
  if (current === undefined || !(ifMatch.includes('*') || ifMatch.includes(current)))
    throw new PreconditionError();
}

async function currentEtag(trx: Db, tenantId: string, ownerId: string): Promise<string | undefined> {
  const row = await trx
    .selectFrom('photo_sets')
    .select('etag')
    .where('tenant_id', '=', tenantId)
    .where('owner_id', '=', ownerId)
    .executeTakeFirst();
  return row?.etag;
}

/**
 * Removes the photo sets of these owners, inside the caller's transaction (a photo delete, or a
 * directory delete cascading). Only the metadata: their bytes go when nothing names them
 * (photo-sets.ts, collectPhotoBytes).
 */
export async function deletePhotoSets(trx: Db, tenantId: string, ownerIds: string[]): Promise<void> {
  if (ownerIds.length === 0) return;
  await trx
    .deleteFrom('photo_variants')
    .where('tenant_id', '=', tenantId)
    .where('owner_id', 'in', ownerIds)
    .execute();
  await trx
    .deleteFrom('photo_sets')
    .where('tenant_id', '=', tenantId)
    .where('owner_id', 'in', ownerIds)
    .execute();
}

export class SqlPhotoMetadata implements PhotoMetadataStore {
  constructor(private readonly backend: SqlBackend) {}

  async readPhotoSet(tenantId: string, ownerId: string): Promise<PhotoSetInfo | undefined> {
    const rows = await this.backend.db
      .selectFrom('photo_sets as s')
      .innerJoin('photo_variants as v', (join) =>
        join.onRef('v.tenant_id', '=', 's.tenant_id').onRef('v.owner_id', '=', 's.owner_id'),
      )
      .select([
        's.etag',
        's.updated_at',
        's.source_sha256',
        'v.size_id',
        'v.width',
        'v.height',
        'v.content_type',
        'v.byte_length',
      ])
      .where('s.tenant_id', '=', tenantId)
      .where('s.owner_id', '=', ownerId)
      .orderBy('v.width')
      .execute();
    const first = rows[0];
    if (!first) return undefined;
    return {
      etag: first.etag,
      updatedAt: first.updated_at,
      sourceSha256: first.source_sha256,
      variants: rows.map((r) => ({
        sizeId: r.size_id,
        width: r.width,
        height: r.height,
        contentType: r.content_type,
        byteLength: Number(r.byte_length),
      })),
    };
  }

  private readonly variantQuery = (db: Db) =>
    db
      .selectFrom('photo_variants as v')
      .innerJoin('photo_sets as s', (join) =>
        join.onRef('s.tenant_id', '=', 'v.tenant_id').onRef('s.owner_id', '=', 'v.owner_id'),
      )
      .select([
        's.etag',
        'v.size_id',
        'v.width',
        'v.height',
        'v.content_type',
        'v.byte_length',
        'v.blob_key',
      ]);

  private readonly sizedVariant = preparedQuery((db: Db, tenantId: string, ownerId: string, sizeId: string) =>
    this.variantQuery(db)
      .where('v.tenant_id', '=', tenantId)
      .where('v.owner_id', '=', ownerId)
      .where('v.size_id', '=', sizeId),
  );

  private readonly largestVariant = preparedQuery((db: Db, tenantId: string, ownerId: string) =>
    this.variantQuery(db)
      .where('v.tenant_id', '=', tenantId)
      .where('v.owner_id', '=', ownerId)
      .orderBy('v.width', 'desc')
      .limit(sql.lit(1)),
  );

  async readVariantRecord(
    tenantId: string,
    ownerId: string,
    wanted?: string,
  ): Promise<VariantRecord | undefined> {
    const [row] =
      wanted === undefined
        ? await this.largestVariant(this.backend, tenantId, ownerId)
        : await this.sizedVariant(this.backend, tenantId, ownerId, wanted);
    if (!row) return undefined;
    return {
      etag: row.etag,
      sizeId: row.size_id,
      width: row.width,
      height: row.height,
      contentType: row.content_type,
      byteLength: Number(row.byte_length),
      blobKey: row.blob_key,
    };
  }

  async replacePhotoSet(
    tenantId: string,
    ownerId: string,
    variants: NewVariantRecord[],
    options: ReplaceOptions = {},
  ): Promise<PhotoSetInfo> {
    const sorted = [...variants].sort((a, b) => a.width - b.width);
    const sourceSha256 = options.sourceSha256 ?? null;
    return this.backend.writeTransaction(async (trx) => {
      const current = await currentEtag(trx, tenantId, ownerId);
      checkCondition(current, options);
      let etag = newEtag();
      while (etag === current) etag = newEtag();
      const updatedAt = new Date().toISOString();
      await deletePhotoSets(trx, tenantId, [ownerId]);
      await trx
        .insertInto('photo_sets')
        .values({
          tenant_id: tenantId,
          owner_id: ownerId,
          etag,
          updated_at: updatedAt,
          source_sha256: sourceSha256,
        })
        .execute();
      await trx
        .insertInto('photo_variants')
        .values(
          sorted.map((v) => ({
            tenant_id: tenantId,
            owner_id: ownerId,
            size_id: sizeId(v),
            width: v.width,
            height: v.height,
            content_type: v.contentType,
            blob_key: v.blobKey,
            byte_length: v.byteLength,
          })),
        )
        .execute();
      return {
        etag,
        updatedAt,
        sourceSha256,
        variants: sorted.map((v) => ({
          sizeId: sizeId(v),
          width: v.width,
          height: v.height,
          contentType: v.contentType,
          byteLength: v.byteLength,
        })),
      };
    });
  }

  async deletePhotoSet(tenantId: string, ownerId: string, condition: WriteCondition = {}): Promise<boolean> {
    return this.backend.writeTransaction(async (trx) => {
      const current = await currentEtag(trx, tenantId, ownerId);
      checkCondition(current, condition);
      if (current === undefined) return false;
      await deletePhotoSets(trx, tenantId, [ownerId]);
      return true;
    });
  }

  async referencedKeys(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.backend.db
      .selectFrom('photo_variants')
      .select('blob_key')
      .distinct()
      .where('blob_key', 'in', keys)
      .execute();
    return new Set(rows.map((row) => row.blob_key));
  }

  async namedKeys(limit: number, after?: string): Promise<string[]> {
    let query = this.backend.db
      .selectFrom('photo_variants')
      .select('blob_key')
      .distinct()
      .orderBy('blob_key')
      .limit(limit);
    if (after !== undefined) query = query.where('blob_key', '>', after);
    return (await query.execute()).map((row) => row.blob_key);
  }
}
