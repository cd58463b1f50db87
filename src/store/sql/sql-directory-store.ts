// Tenants and users on any SQL backend.
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { NewUser, User, UserFields } from '../../domain/directory.js';
import type { ListQuery, Page } from '../../domain/listing.js';
import {
  DEFAULT_TENANT_SETTINGS,
  type NewTenant,
  type Tenant,
  type TenantSettings,
} from '../../domain/tenant.js';
import type { DirectoryStore, UserCredentials } from '../directory-store.js';
import { DuplicateError } from '../store-errors.js';
import type { Db, SqlBackend, TenantsTable, UsersTable } from './schema.js';
import { indexEmailHashes } from './sql-avatar-store.js';
import { deletePhotoSets } from './sql-photo-store.js';
import { definedOnly, listPage, normaliseId, now, parseJson, preparedQuery } from './sql-support.js';

const toTenant = (row: Selectable<TenantsTable>): Tenant => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at,
  settings: { ...DEFAULT_TENANT_SETTINGS, ...parseJson<Partial<TenantSettings>>(row.settings, {}) },
});

/** Properties kept in the JSON column. */
type UserProperties = Pick<UserFields, 'givenName' | 'surname' | 'jobTitle' | 'accountEnabled'>;

export const toUser = (row: Selectable<UsersTable>): User => {
  const properties = parseJson<Partial<UserProperties>>(row.properties, {});
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userPrincipalName: row.user_principal_name,
    displayName: row.display_name,
    mail: row.mail,
    givenName: properties.givenName ?? null,
    surname: properties.surname ?? null,
    jobTitle: properties.jobTitle ?? null,
    accountEnabled: properties.accountEnabled ?? true,
    directoryRoles: parseJson<string[]>(row.directory_roles, []),
    createdAt: row.created_at,
  };
};

const userColumns = (user: User) => ({
  user_principal_name: user.userPrincipalName,
  upn_lower: user.userPrincipalName.toLowerCase(),
  display_name: user.displayName,
  mail: user.mail,
  directory_roles: JSON.stringify(user.directoryRoles),
  properties: JSON.stringify({
    givenName: user.givenName,
    surname: user.surname,
    jobTitle: user.jobTitle,
    accountEnabled: user.accountEnabled,
  } satisfies UserProperties),
});

async function upnTaken(trx: Db, tenantId: string, upn: string, exceptId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('upn_lower', '=', upn.toLowerCase())
    .where('id', '!=', exceptId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Inserts a user, with their avatar hashes, in the transaction; DuplicateError when taken. */
async function insertUser(trx: Db, input: NewUser, credentials?: UserCredentials): Promise<User> {
  const user: User = {
    id: normaliseId(input.id ?? randomUUID()),
    tenantId: input.tenantId,
    userPrincipalName: input.userPrincipalName,
    displayName: input.displayName,
    mail: input.mail ?? null,
    givenName: input.givenName ?? null,
    surname: input.surname ?? null,
    jobTitle: input.jobTitle ?? null,
    accountEnabled: input.accountEnabled ?? true,
    directoryRoles: input.directoryRoles ?? [],
    createdAt: now(),
  };
  const idTaken = await trx.selectFrom('users').select('id').where('id', '=', user.id).executeTakeFirst();
  if (idTaken || (await upnTaken(trx, user.tenantId, user.userPrincipalName, user.id))) {
    throw new DuplicateError(`A user '${input.userPrincipalName}' already exists in this tenant.`);
  }
  await trx
    .insertInto('users')
    .values({
      id: user.id,
      tenant_id: user.tenantId,
      created_at: user.createdAt,
      password_hash: credentials?.passwordHash ?? null,
      ...userColumns(user),
    })
    .execute();
  await indexEmailHashes(trx, user);
  return user;
}

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
      settings: JSON.stringify(input.settings ?? {}),
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

  private readonly tenantQuery = preparedQuery((db: Db, id: string, name: string) =>
    db
      .selectFrom('tenants')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', id), eb('name_lower', '=', name)]))
      .orderBy('created_at'),
  );

  async findTenant(idOrName: string): Promise<Tenant | undefined> {
    const key = idOrName.toLowerCase();
    const [row] = await this.tenantQuery(this.backend, key, key);
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
      const merged = JSON.stringify({ ...parseJson<Partial<TenantSettings>>(row.settings, {}), ...settings });
      await trx.updateTable('tenants').set({ settings: merged }).where('id', '=', tenantId).execute();
      return toTenant({ ...row, settings: merged });
    });
  }

  async isEmpty(): Promise<boolean> {
    const row = await this.db.selectFrom('tenants').select('id').limit(1).executeTakeFirst();
    return row === undefined;
  }

  createUser(input: NewUser, credentials?: UserCredentials): Promise<User> {
    return this.backend.writeTransaction((trx) => insertUser(trx, input, credentials));
  }

  createUsers(inputs: readonly NewUser[]): Promise<User[]> {
    return this.backend.writeTransaction(async (trx) => {
      const users: User[] = [];
      for (const input of inputs) users.push(await insertUser(trx, input));
      return users;
    });
  }

  private readonly userQuery = preparedQuery((db: Db, tenantId: string, id: string, upn: string) =>
    db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('id', '=', id), eb('upn_lower', '=', upn)])),
  );

  async findUser(tenantId: string, idOrUpn: string): Promise<User | undefined> {
    const key = idOrUpn.toLowerCase();
    const [row] = await this.userQuery(this.backend, tenantId, key, key);
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

  async listUsers(tenantId: string, query: ListQuery): Promise<Page<User>> {
    return listPage(
      this.db,
      this.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId),
      'id',
      query,
      { displayName: 'display_name', userPrincipalName: 'user_principal_name', mail: 'mail' },
      toUser,
    );
  }

  async updateUser(
    tenantId: string,
    userId: string,
    change: Partial<UserFields>,
    credentials?: UserCredentials,
  ): Promise<User> {
    return this.backend.writeTransaction(async (trx) => {
      const row = await trx
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', userId)
        .executeTakeFirstOrThrow();
      const updated: User = { ...toUser(row), ...definedOnly(change) };
      if (change.userPrincipalName && (await upnTaken(trx, tenantId, change.userPrincipalName, userId))) {
        throw new DuplicateError(
          `Another user already has the userPrincipalName '${change.userPrincipalName}'.`,
        );
      }
      await trx
        .updateTable('users')
        .set({
          ...userColumns(updated),
          ...(credentials ? { password_hash: credentials.passwordHash } : {}),
        })
        .where('id', '=', userId)
        .execute();
      if (change.mail !== undefined || change.userPrincipalName !== undefined)
        await indexEmailHashes(trx, updated);
      return updated;
    });
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
}
