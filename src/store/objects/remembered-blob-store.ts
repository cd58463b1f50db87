// The SQL store remembers which blob store holds its photos' bytes (SPEC §14), so a node started
// with another `--blob-store` (or none) is refused, naming both, instead of serving photos whose
// bytes it cannot find. It is set by the first use and by `store copy`, and never switched by a
// node on its own: even a store without photos may have a node running that writes them elsewhere.
import type { Db, SqlBackend } from '../sql/schema.js';
import { DATABASE_BLOBS } from './blob-store-url.js';

const SETTING = 'blobStore';

export class BlobStoreMismatchError extends Error {
  readonly code = 'BlobStoreMismatch';
}

/** A store made before blob stores has its bytes, if any, in the database. */
async function holdsDatabaseBytes(db: Db): Promise<boolean> {
  const [blob] = await db.selectFrom('photo_blobs').select('key').limit(1).execute();
  return blob !== undefined;
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

/** The blob store the store holds its bytes in, by its setting or, before one, by its rows. */
async function currentBlobStore(db: Db): Promise<string | undefined> {
  return (await rememberedBlobStore(db)) ?? ((await holdsDatabaseBytes(db)) ? DATABASE_BLOBS : undefined);
}

const mismatch = (current: string, name: string) =>
  new BlobStoreMismatchError(
    `this store keeps its photos in the blob store ${current}, not ${name}: give --blob-store ${current}, ` +
      `or move them to ${name} with portrait store copy --from-blobs ${current} --to-blobs ${name} (into a new store)`,
  );

/**
 * Records `name` on first use, after `check` proves it usable (a mistyped bucket must not become
 * the one every later start is held to); refuses a different one after.
 */
export async function rememberBlobStore(
  backend: SqlBackend,
  name: string,
  check: () => Promise<void>,
): Promise<void> {
  const current = await currentBlobStore(backend.db);
  if (current === name) return;
  if (current !== undefined) throw mismatch(current, name);
  // Outside the write transaction: the check calls the provider, which may take seconds.
  await check();
  await backend.writeTransaction(async (trx) => {
    const now = (await currentBlobStore(trx)) ?? name;
    if (now !== name) throw mismatch(now, name);
    await setBlobStore(trx, name);
  });
}
