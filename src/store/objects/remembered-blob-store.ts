// The SQL store remembers which blob store holds its photos' bytes (SPEC §14), so a node started
// with another `--blob-store` (or none) is refused, naming both, instead of serving photos whose
// bytes it cannot find. A store with no photo bytes yet simply takes the new one.
import type { Db, SqlBackend } from '../sql/schema.js';

const SETTING = 'blobStore';

export class BlobStoreMismatchError extends Error {
  readonly code = 'BlobStoreMismatch';
}

async function holdsPhotoBytes(db: Db): Promise<boolean> {
  const [blob] = await db.selectFrom('photo_blobs').select('key').limit(1).execute();
  const [object] = await db.selectFrom('blob_objects').select('key').limit(1).execute();
  return blob !== undefined || object !== undefined;
}

/** The blob store the store was last used with; `database` for one made before blob stores. */
export async function rememberedBlobStore(db: Db): Promise<string | undefined> {
  const row = await db
    .selectFrom('installation')
    .select('value')
    .where('name', '=', SETTING)
    .executeTakeFirst();
  return row?.value;
}

/** Makes `name` the store's blob store (`store copy` names the target's). */
export async function setBlobStore(db: Db, name: string): Promise<void> {
  await db
    .insertInto('installation')
    .values({ name: SETTING, value: name })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: name }))
    .execute();
}

/** Records `name` on first use; refuses a different one while the remembered one holds bytes. */
export async function rememberBlobStore(backend: SqlBackend, name: string): Promise<void> {
  const remembered = await rememberedBlobStore(backend.db);
  if (remembered === name) return;
  await backend.writeTransaction(async (trx) => {
    const current = (await rememberedBlobStore(trx)) ?? 'database';
    if (current !== name && (await holdsPhotoBytes(trx)))
      throw new BlobStoreMismatchError(
        `this store keeps its photos in the blob store ${current}, not ${name}: give --blob-store ${current}, ` +
          `or move them to ${name} with portrait store copy --from-blobs ${current} --to-blobs ${name} (into a new store)`,
      );
    await setBlobStore(trx, name);
  });
}
