// Token signing keys and installation settings on any SQL backend: kept with the data, so every
// process on the same store (server, CLI, other nodes) signs and verifies with the same keys.
import type { KeyStore, SigningKeyRecord } from '../store.js';
import type { SqlBackend } from './schema.js';

export class SqlKeyStore implements KeyStore {
  constructor(private readonly backend: SqlBackend) {}

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    const rows = await this.backend.db.selectFrom('signing_keys').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      privateJwk: r.private_jwk,
      publicJwk: r.public_jwk,
      createdAt: r.created_at,
      retiredAt: r.retired_at,
    }));
  }

  async addSigningKey(record: SigningKeyRecord): Promise<void> {
    await this.backend.writeTransaction((trx) =>
      trx
        .insertInto('signing_keys')
        .values({
          kid: record.kid,
          alg: record.alg,
          private_jwk: record.privateJwk,
          public_jwk: record.publicJwk,
          created_at: record.createdAt,
          retired_at: record.retiredAt,
        })
        .execute(),
    );
  }

  async installationSetting(name: string, ifAbsent: () => string): Promise<string> {
    return this.backend.writeTransaction(async (trx) => {
      const row = await trx
        .selectFrom('installation')
        .select('value')
        .where('name', '=', name)
        .executeTakeFirst();
      if (row) return row.value;
      const value = ifAbsent();
      await trx.insertInto('installation').values({ name, value }).execute();
      return value;
    });
  }
}
