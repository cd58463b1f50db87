// Contact folders and contacts of users' mailboxes on any SQL backend.
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Contact, ContactFields, ContactFolder, NewContact } from '../../domain/directory.js';
import type { ListQuery, Page } from '../../domain/listing.js';
import type { MailboxStore } from '../mailbox-store.js';
import { DuplicateError } from '../store-errors.js';
import type { ContactFoldersTable, ContactsTable, Db, SqlBackend } from './schema.js';
import { deletePhotoSets } from './sql-photo-store.js';
import { definedOnly, listPage, normaliseId, now, parseJson } from './sql-support.js';

type ContactProperties = Pick<ContactFields, 'givenName' | 'surname'>;

const toContact = (row: Selectable<ContactsTable>): Contact => {
  const p = parseJson<Partial<ContactProperties>>(row.properties, {});
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    parentFolderId: row.folder_id,
    displayName: row.display_name,
    givenName: p.givenName ?? null,
    surname: p.surname ?? null,
    emailAddress: row.email,
    createdAt: row.created_at,
  };
};

const contactColumns = (contact: Contact) => ({
  display_name: contact.displayName,
  email: contact.emailAddress,
  properties: JSON.stringify({
    givenName: contact.givenName,
    surname: contact.surname,
  } satisfies ContactProperties),
});

const toFolder = (row: Selectable<ContactFoldersTable>): ContactFolder => ({
  id: row.id,
  tenantId: row.tenant_id,
  userId: row.user_id,
  displayName: row.display_name,
});

export class SqlMailboxStore implements MailboxStore {
  constructor(private readonly backend: SqlBackend) {}

  private async insertFolder(trx: Db, tenantId: string, userId: string, displayName: string, id?: string) {
    const row = {
      id: normaliseId(id ?? randomUUID()),
      tenant_id: tenantId,
      user_id: userId,
      display_name: displayName,
      name_lower: displayName.toLowerCase(),
      created_at: now(),
    };
    await trx.insertInto('contact_folders').values(row).execute();
    return toFolder(row);
  }

  /** A user's folder of that name (names are unique per mailbox, without regard to case). */
  private folderNamed(trx: Db, userId: string, displayName: string) {
    return trx
      .selectFrom('contact_folders')
      .selectAll()
      .where('user_id', '=', userId)
      .where('name_lower', '=', displayName.toLowerCase())
      .executeTakeFirst();
  }

  async ensureContactFolder(tenantId: string, userId: string, displayName: string): Promise<ContactFolder> {
    return this.backend.writeTransaction(async (trx) => {
      const existing = await this.folderNamed(trx, userId, displayName);
      if (existing) return toFolder(existing);
      return this.insertFolder(trx, tenantId, userId, displayName);
    });
  }

  async createContactFolder(tenantId: string, userId: string, displayName: string): Promise<ContactFolder> {
    return this.backend.writeTransaction(async (trx) => {
      if (await this.folderNamed(trx, userId, displayName))
        throw new DuplicateError(`A contact folder named '${displayName}' already exists.`);
      return this.insertFolder(trx, tenantId, userId, displayName);
    });
  }

  async findContactFolder(
    tenantId: string,
    userId: string,
    folderId: string,
  ): Promise<ContactFolder | undefined> {
    const row = await this.backend.db
      .selectFrom('contact_folders')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('id', '=', normaliseId(folderId))
      .executeTakeFirst();
    return row && toFolder(row);
  }

  async listContactFolders(tenantId: string, userId: string): Promise<ContactFolder[]> {
    const rows = await this.backend.db
      .selectFrom('contact_folders')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    return rows.map(toFolder);
  }

  async deleteContactFolder(tenantId: string, userId: string, folderId: string): Promise<boolean> {
    return this.backend.writeTransaction(async (trx) => {
      const contacts = await trx
        .selectFrom('contacts')
        .select('id')
        .where('folder_id', '=', folderId)
        .execute();
      const deleted = await trx
        .deleteFrom('contact_folders')
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('id', '=', folderId)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) return false;
      await deletePhotoSets(
        trx,
        tenantId,
        contacts.map((c) => c.id),
      );
      return true;
    });
  }

  async createContact(input: NewContact): Promise<Contact> {
    const contact: Contact = {
      id: normaliseId(input.id ?? randomUUID()),
      tenantId: input.tenantId,
      userId: input.userId,
      parentFolderId: input.folderId ?? null,
      displayName: input.displayName,
      givenName: input.givenName ?? null,
      surname: input.surname ?? null,
      emailAddress: input.emailAddress ?? null,
      createdAt: now(),
    };
    return this.backend.writeTransaction(async (trx) => {
      if (input.folderName !== undefined) {
        const folder =
          (await this.folderNamed(trx, input.userId, input.folderName)) ??
          (await this.insertFolder(trx, input.tenantId, input.userId, input.folderName, input.newFolderId));
        contact.parentFolderId = folder.id;
      }
      await trx
        .insertInto('contacts')
        .values({
          id: contact.id,
          tenant_id: contact.tenantId,
          user_id: contact.userId,
          folder_id: contact.parentFolderId,
          created_at: contact.createdAt,
          ...contactColumns(contact),
        })
        .execute();
      return contact;
    });
  }

  async findContact(tenantId: string, userId: string, contactId: string): Promise<Contact | undefined> {
    const row = await this.backend.db
      .selectFrom('contacts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('id', '=', normaliseId(contactId))
      .executeTakeFirst();
    return row && toContact(row);
  }

  async listContacts(
    tenantId: string,
    userId: string,
    folderId: string | null,
    query: ListQuery,
  ): Promise<Page<Contact>> {
    let base = this.backend.db
      .selectFrom('contacts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId);
    base = folderId === null ? base.where('folder_id', 'is', null) : base.where('folder_id', '=', folderId);
    return listPage(this.backend.db, base, 'id', query, { displayName: 'display_name' }, toContact);
  }

  async updateContact(
    tenantId: string,
    userId: string,
    contactId: string,
    change: Partial<ContactFields>,
  ): Promise<Contact> {
    return this.backend.writeTransaction(async (trx) => {
      const row = await trx
        .selectFrom('contacts')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('id', '=', contactId)
        .executeTakeFirstOrThrow();
      const updated: Contact = { ...toContact(row), ...definedOnly(change) };
      await trx.updateTable('contacts').set(contactColumns(updated)).where('id', '=', contactId).execute();
      return updated;
    });
  }

  async deleteContact(tenantId: string, userId: string, contactId: string): Promise<boolean> {
    return this.backend.writeTransaction(async (trx) => {
      const deleted = await trx
        .deleteFrom('contacts')
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('id', '=', contactId)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) return false;
      await deletePhotoSets(trx, tenantId, [contactId]);
      return true;
    });
  }
}
