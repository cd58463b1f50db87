// Tenants, users, groups and contacts on any SQL backend.
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import {
  type Contact,
  type ContactFolder,
  DEFAULT_TENANT_SETTINGS,
  type DirectoryStore,
  DuplicateError,
  type Group,
  type GroupRelation,
  type NewContact,
  type NewGroup,
  type NewTenant,
  type NewUser,
  type Tenant,
  type TenantSettings,
  type User,
} from '../store.js';
import type {
  ContactFoldersTable,
  ContactsTable,
  Db,
  GroupsTable,
  SqlBackend,
  TenantsTable,
  UsersTable,
} from './schema.js';
import { deletePhotoSets } from './sql-photo-store.js';

const now = () => new Date().toISOString();

const toTenant = (row: Selectable<TenantsTable>): Tenant => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at,
  settings: { ...DEFAULT_TENANT_SETTINGS, ...(JSON.parse(row.settings) as Partial<TenantSettings>) },
});

const toUser = (row: Selectable<UsersTable>): User => ({
  id: row.id,
  tenantId: row.tenant_id,
  userPrincipalName: row.user_principal_name,
  displayName: row.display_name,
  mail: row.mail,
  directoryRoles: JSON.parse(row.directory_roles) as string[],
  createdAt: row.created_at,
});

const toGroup = (row: Selectable<GroupsTable>): Group => ({
  id: row.id,
  tenantId: row.tenant_id,
  displayName: row.display_name,
  mail: row.mail,
  isTeam: Number(row.is_team) === 1,
  createdAt: row.created_at,
});

const toContact = (row: Selectable<ContactsTable>): Contact => ({
  id: row.id,
  tenantId: row.tenant_id,
  userId: row.user_id,
  parentFolderId: row.folder_id,
  displayName: row.display_name,
  emailAddress: row.email,
  createdAt: row.created_at,
});

const toContactFolder = (row: Selectable<ContactFoldersTable>): ContactFolder => ({
  id: row.id,
  tenantId: row.tenant_id,
  userId: row.user_id,
  displayName: row.display_name,
});

/** Object ids are GUIDs; matching them case-insensitively, as Graph does. */
const normaliseId = (id: string) => id.toLowerCase();

export class SqlDirectoryStore implements DirectoryStore {
  constructor(private readonly backend: SqlBackend) {}

  private get db(): Db {
    return this.backend.db;
  }

  async createTenant(input: NewTenant): Promise<Tenant> {
    const row = {
      id: normaliseId(input.id ?? randomUUID()),
      name: input.name,
      name_lower: input.name.toLowerCase(),
      settings: JSON.stringify({}),
      created_at: now(),
    };
    return this.backend.writeTransaction(async (trx) => {
      const clash = await trx
        .selectFrom('tenants')
        .select('id')
        .where((eb) => eb.or([eb('id', '=', row.id), eb('name_lower', '=', row.name_lower)]))
        .executeTakeFirst();
      if (clash)
        throw new DuplicateError(`A tenant named '${input.name}' or with id ${row.id} already exists.`);
      await trx.insertInto('tenants').values(row).execute();
      return toTenant(row);
    });
  }

  async findTenant(idOrName: string): Promise<Tenant | undefined> {
    const key = idOrName.toLowerCase();
    const row = await this.db
      .selectFrom('tenants')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', key), eb('name_lower', '=', key)]))
      .orderBy('created_at')
      .executeTakeFirst();
    return row && toTenant(row);
  }

  async listTenants(): Promise<Tenant[]> {
    const rows = await this.db.selectFrom('tenants').selectAll().orderBy('created_at').execute();
    return rows.map(toTenant);
  }

  async updateTenantSettings(tenantId: string, settings: Partial<TenantSettings>): Promise<Tenant> {
    return this.backend.writeTransaction(async (trx) => {
      const row = await trx
        .selectFrom('tenants')
        .selectAll()
        .where('id', '=', tenantId)
        .executeTakeFirstOrThrow();
      const merged = { ...(JSON.parse(row.settings) as Partial<TenantSettings>), ...settings };
      await trx
        .updateTable('tenants')
        .set({ settings: JSON.stringify(merged) })
        .where('id', '=', tenantId)
        .execute();
      return toTenant({ ...row, settings: JSON.stringify(merged) });
    });
  }

  async createUser(input: NewUser): Promise<User> {
    const row = {
      id: normaliseId(input.id ?? randomUUID()),
      tenant_id: input.tenantId,
      user_principal_name: input.userPrincipalName,
      upn_lower: input.userPrincipalName.toLowerCase(),
      display_name: input.displayName,
      mail: input.mail ?? null,
      directory_roles: JSON.stringify(input.directoryRoles ?? []),
      password_hash: null,
      created_at: now(),
    };
    return this.backend.writeTransaction(async (trx) => {
      const clash = await trx
        .selectFrom('users')
        .select('id')
        .where((eb) =>
          eb.or([
            eb('id', '=', row.id),
            eb.and([eb('tenant_id', '=', row.tenant_id), eb('upn_lower', '=', row.upn_lower)]),
          ]),
        )
        .executeTakeFirst();
      if (clash)
        throw new DuplicateError(`A user '${input.userPrincipalName}' already exists in this tenant.`);
      await trx.insertInto('users').values(row).execute();
      return toUser(row);
    });
  }

  async findUser(tenantId: string, idOrUpn: string): Promise<User | undefined> {
    const key = idOrUpn.toLowerCase();
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('id', '=', key), eb('upn_lower', '=', key)]))
      .executeTakeFirst();
    return row && toUser(row);
  }

  async findUserByMail(tenantId: string, mail: string): Promise<User | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb(eb.fn('lower', ['mail']), '=', mail.toLowerCase()))
      .executeTakeFirst();
    return row && toUser(row);
  }

  async setPasswordHash(tenantId: string, userId: string, hash: string | null): Promise<void> {
    await this.backend.writeTransaction((trx) =>
      trx
        .updateTable('users')
        .set({ password_hash: hash })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', userId)
        .execute(),
    );
  }

  async passwordHash(tenantId: string, userId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('users')
      .select('password_hash')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', userId)
      .executeTakeFirst();
    return row?.password_hash ?? null;
  }

  async deleteUser(tenantId: string, userId: string): Promise<boolean> {
    return this.backend.writeTransaction(async (trx) => {
      const contacts = await trx
        .selectFrom('contacts')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .execute();
      const deleted = await trx
        .deleteFrom('users')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', userId)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) return false;
      await deletePhotoSets(trx, tenantId, [userId, ...contacts.map((c) => c.id)]);
      return true;
    });
  }

  async createGroup(input: NewGroup): Promise<Group> {
    const row = {
      id: randomUUID(),
      tenant_id: input.tenantId,
      display_name: input.displayName,
      mail: input.mail ?? null,
      is_team: input.isTeam ? 1 : 0,
      created_at: now(),
    };
    const relations = [
      ...[...new Set(input.ownerIds)].map((user_id) => ({
        group_id: row.id,
        user_id,
        relation: 'owner' as const,
      })),
      ...[...new Set(input.memberIds)].map((user_id) => ({
        group_id: row.id,
        user_id,
        relation: 'member' as const,
      })),
    ];
    return this.backend.writeTransaction(async (trx) => {
      await trx.insertInto('groups').values(row).execute();
      if (relations.length > 0) await trx.insertInto('group_members').values(relations).execute();
      return toGroup(row);
    });
  }

  async findGroup(tenantId: string, groupId: string): Promise<Group | undefined> {
    const row = await this.db
      .selectFrom('groups')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', normaliseId(groupId))
      .executeTakeFirst();
    return row && toGroup(row);
  }

  async groupRelation(groupId: string, userId: string): Promise<GroupRelation> {
    const rows = await this.db
      .selectFrom('group_members')
      .select('relation')
      .where('group_id', '=', groupId)
      .where('user_id', '=', userId)
      .execute();
    return {
      owner: rows.some((r) => r.relation === 'owner'),
      member: rows.some((r) => r.relation === 'member'),
    };
  }

  async deleteGroup(tenantId: string, groupId: string): Promise<boolean> {
    return this.backend.writeTransaction(async (trx) => {
      const deleted = await trx
        .deleteFrom('groups')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', groupId)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) return false;
      await deletePhotoSets(trx, tenantId, [groupId]);
      return true;
    });
  }

  async ensureContactFolder(tenantId: string, userId: string, displayName: string): Promise<ContactFolder> {
    return this.backend.writeTransaction(async (trx) => {
      const existing = await trx
        .selectFrom('contact_folders')
        .selectAll()
        .where('user_id', '=', userId)
        .where('name_lower', '=', displayName.toLowerCase())
        .executeTakeFirst();
      const row = existing ?? {
        id: randomUUID(),
        tenant_id: tenantId,
        user_id: userId,
        display_name: displayName,
        name_lower: displayName.toLowerCase(),
        created_at: now(),
      };
      if (!existing) await trx.insertInto('contact_folders').values(row).execute();
      return toContactFolder(row);
    });
  }

  async findContactFolder(
    tenantId: string,
    userId: string,
    folderId: string,
  ): Promise<ContactFolder | undefined> {
    const row = await this.db
      .selectFrom('contact_folders')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('id', '=', normaliseId(folderId))
      .executeTakeFirst();
    return row && toContactFolder(row);
  }

  async createContact(input: NewContact): Promise<Contact> {
    const row = {
      id: randomUUID(),
      tenant_id: input.tenantId,
      user_id: input.userId,
      folder_id: input.folderId ?? null,
      display_name: input.displayName,
      email: input.emailAddress ?? null,
      created_at: now(),
    };
    await this.backend.writeTransaction((trx) => trx.insertInto('contacts').values(row).execute());
    return toContact(row);
  }

  async findContact(tenantId: string, userId: string, contactId: string): Promise<Contact | undefined> {
    const row = await this.db
      .selectFrom('contacts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('id', '=', normaliseId(contactId))
      .executeTakeFirst();
    return row && toContact(row);
  }

  async isEmpty(): Promise<boolean> {
    const row = await this.db.selectFrom('tenants').select('id').limit(1).executeTakeFirst();
    return row === undefined;
  }
}
