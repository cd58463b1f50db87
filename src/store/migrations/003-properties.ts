// Graph properties beyond the ones Portrait filters on (givenName, description, groupTypes …), kept
// as JSON beside the indexed columns; and an index for listing users by mail.
import { type Kysely, type Migration, sql } from 'kysely';

export const propertiesSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const table of ['users', 'groups', 'contacts']) {
      await db.schema
        .alterTable(table)
        .addColumn('properties', 'text', (c) => c.notNull().defaultTo(sql`'{}'`))
        .execute();
    }
    await db.schema.createIndex('users_tenant_mail').on('users').columns(['tenant_id', 'mail']).execute();
    await db.schema.createIndex('contacts_folder').on('contacts').columns(['folder_id']).execute();
  },
};
