// The avatar endpoint's email-hash index on any SQL backend: each user's trimmed, lower-cased mail
// and userPrincipalName, as MD5 and SHA-256 hex digests (the two hashes Gravatar-style URLs carry).
// Written inside the directory's own transactions, so the index never lags a user's addresses.
import { createHash } from 'node:crypto';
import type { User } from '../../domain/directory.js';
import type { AvatarCandidate, AvatarStore } from '../avatar-store.js';
import type { Db, SqlBackend } from './schema.js';
import { preparedQuery } from './sql-support.js';

const DIGESTS = ['md5', 'sha256'] as const;

/** Replaces the user's rows in the index; inside the caller's transaction. */
export async function indexEmailHashes(trx: Db, user: User): Promise<void> {
  await trx.deleteFrom('email_hashes').where('user_id', '=', user.id).execute();
  const rows = (
    [
      ['mail', user.mail],
      ['userPrincipalName', user.userPrincipalName],
    ] as const
  ).flatMap(([property, email]) =>
    email
      ? DIGESTS.map((algorithm) => ({
          hash: createHash(algorithm).update(email.trim().toLowerCase()).digest('hex'),
          tenant_id: user.tenantId,
          user_id: user.id,
          property,
        }))
      : [],
  );
  if (rows.length > 0) await trx.insertInto('email_hashes').values(rows).execute();
}

export class SqlAvatarStore implements AvatarStore {
  constructor(private readonly backend: SqlBackend) {}

  private readonly byHash = preparedQuery((db: Db, hash: string) =>
    db
      .selectFrom('email_hashes as h')
      .innerJoin('users as u', 'u.id', 'h.user_id')
      .select(['h.tenant_id', 'h.user_id', 'h.property', 'u.display_name'])
      .where('h.hash', '=', hash),
  );

  async findByEmailHash(hash: string): Promise<AvatarCandidate[]> {
    const rows = await this.byHash(this.backend, hash);
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      userId: row.user_id,
      displayName: row.display_name,
      matchedOn: row.property,
    }));
  }
}
