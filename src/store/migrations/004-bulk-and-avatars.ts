// Bulk tooling and the avatar endpoint. A photo set remembers the SHA-256 of the bytes it was made
// from, so a re-run import skips what has not changed. Users are indexed by the MD5 and SHA-256 of
// their trimmed, lower-cased mail and userPrincipalName, the keys Gravatar-style avatar URLs carry;
// existing users are indexed here, later writes keep the index (sql/sql-avatar-store.ts).
import { createHash } from 'node:crypto';
import { type Kysely, type Migration, sql } from 'kysely';

const digests = (email: string) => {
  const normal = email.trim().toLowerCase();
  return ['md5', 'sha256'].map((algorithm) => createHash(algorithm).update(normal).digest('hex'));
};

export const bulkAndAvatarsSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('photo_sets').addColumn('source_sha256', 'text').execute();

    await db.schema
      .createTable('email_hashes')
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('property', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('email_hashes_pk', ['hash', 'user_id', 'property'])
      .execute();
    await db.schema.createIndex('email_hashes_user').on('email_hashes').columns(['user_id']).execute();

    const { rows } = await sql<{
      id: string;
      tenant_id: string;
      user_principal_name: string;
      mail: string | null;
    }>`select id, tenant_id, user_principal_name, mail from users`.execute(db);
    for (const user of rows) {
      const emails: [string, string | null][] = [
        ['mail', user.mail],
        ['userPrincipalName', user.user_principal_name],
      ];
      for (const [property, email] of emails) {
        if (!email) continue;
        for (const hash of digests(email)) {
          await sql`insert into email_hashes (hash, tenant_id, user_id, property) values (${hash}, ${user.tenant_id}, ${user.id}, ${property})`.execute(
            db,
          );
        }
      }
    }
  },
};
