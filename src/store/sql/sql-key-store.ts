// Token signing keys and installation settings on any SQL backend: kept with the data, so every
// process on the same store (server, CLI, other nodes) signs and verifies with the same keys.
import type { SigningKeyRecord } from '../../domain/identity.js';
import type { KeyStore } from '../key-store.js';
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
      maxExpiry: Number(r.max_expiry),
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
          max_expiry: record.maxExpiry,
        })
        .execute(),
    );
  }

  async activateSigningKey(kid: string, retiredAt: string): Promise<void> {
    await this.backend.writeTransaction(async (trx) => {
      await trx
        .updateTable('signing_keys')
        .set({ retired_at: retiredAt })
        .where('kid', '!=', kid)
        .where('retired_at', 'is', null)
        .execute();
      await trx.updateTable('signing_keys').set({ retired_at: null }).where('kid', '=', kid).execute();
    });
  }

  async noteTokenExpiry(kid: string, exp: number): Promise<void> {
    await this.backend.writeTransaction((trx) =>
      trx
        .updateTable('signing_keys')
        .set({ max_expiry: exp })
        .where('kid', '=', kid)
        .where('max_expiry', '<', exp)
        .execute(),
    );
  }

  async pruneSigningKeys(now: number): Promise<string[]> {
    return this.backend.writeTransaction(async (trx) => {
      const dead = await trx
        .selectFrom('signing_keys')
        .select('kid')
        .where('retired_at', 'is not', null)
        .where('max_expiry', '<', now)
        .execute();
      if (dead.length > 0) {
        await trx
          .deleteFrom('signing_keys')
          .where(
            'kid',
            'in',
            dead.map((d) => d.kid),
          )
          .execute();
      }
      return dead.map((d) => d.kid);
    });
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
