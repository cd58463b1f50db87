// Groups, their owners and members, and teams on any SQL backend.
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Group, GroupFields, GroupRelation, NewGroup, User } from '../../domain/directory.js';
import type { ListQuery, Page } from '../../domain/listing.js';
import type { GroupStore } from '../group-store.js';
import type { GroupsTable, SqlBackend, UsersTable } from './schema.js';
import { toUser } from './sql-directory-store.js';
import { deletePhotoSets } from './sql-photo-store.js';
import { definedOnly, listPage, normaliseId, now, parseJson } from './sql-support.js';

type GroupProperties = Pick<
  GroupFields,
  'description' | 'mailNickname' | 'mailEnabled' | 'securityEnabled' | 'groupTypes' | 'visibility'
>;

const toGroup = (row: Selectable<GroupsTable>): Group => {
  const p = parseJson<Partial<GroupProperties>>(row.properties, {});
  return {
    id: row.id,
    tenantId: row.tenant_id,
    displayName: row.display_name,
    description: p.description ?? null,
    mail: row.mail,
    mailNickname: p.mailNickname ?? null,
    mailEnabled: p.mailEnabled ?? true,
    securityEnabled: p.securityEnabled ?? false,
    groupTypes: p.groupTypes ?? ['Unified'],
    visibility: p.visibility ?? null,
    isTeam: Number(row.is_team) === 1,
    createdAt: row.created_at,
  };
};

const groupColumns = (group: Group) => ({
  display_name: group.displayName,
  mail: group.mail,
  is_team: group.isTeam ? 1 : 0,
  properties: JSON.stringify({
    description: group.description,
    mailNickname: group.mailNickname,
    mailEnabled: group.mailEnabled,
    securityEnabled: group.securityEnabled,
    groupTypes: group.groupTypes,
    visibility: group.visibility,
  } satisfies GroupProperties),
});

export class SqlGroupStore implements GroupStore {
  constructor(private readonly backend: SqlBackend) {}

  async createGroup(input: NewGroup): Promise<Group> {
    const group: Group = {
      id: normaliseId(input.id ?? randomUUID()),
      tenantId: input.tenantId,
      displayName: input.displayName,
      description: input.description ?? null,
      mail: input.mail ?? null,
      mailNickname: input.mailNickname ?? null,
      mailEnabled: input.mailEnabled ?? true,
      securityEnabled: input.securityEnabled ?? false,
      groupTypes: input.groupTypes ?? ['Unified'],
      visibility: input.visibility ?? null,
      isTeam: input.isTeam ?? false,
      createdAt: now(),
    };
    const relations = [
      ...[...new Set(input.ownerIds)].map((user_id) => ({
        group_id: group.id,
        user_id,
        relation: 'owner' as const,
      })),
      ...[...new Set(input.memberIds)].map((user_id) => ({
        group_id: group.id,
        user_id,
        relation: 'member' as const,
      })),
    ];
    return this.backend.writeTransaction(async (trx) => {
      await trx
        .insertInto('groups')
        .values({
          id: group.id,
          tenant_id: group.tenantId,
          created_at: group.createdAt,
          ...groupColumns(group),
        })
        .execute();
      if (relations.length > 0) await trx.insertInto('group_members').values(relations).execute();
      return group;
    });
  }

  async findGroup(tenantId: string, groupId: string): Promise<Group | undefined> {
    const row = await this.backend.db
      .selectFrom('groups')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', normaliseId(groupId))
      .executeTakeFirst();
    return row && toGroup(row);
  }

  async listGroups(tenantId: string, query: ListQuery): Promise<Page<Group>> {
    const base = this.backend.db.selectFrom('groups').selectAll().where('tenant_id', '=', tenantId);
    return listPage(
      this.backend.db,
      base,
      'id',
      query,
      { displayName: 'display_name', mail: 'mail' },
      toGroup,
    );
  }

  async updateGroup(tenantId: string, groupId: string, change: Partial<GroupFields>): Promise<Group> {
    return this.backend.writeTransaction(async (trx) => {
      const row = await trx
        .selectFrom('groups')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', groupId)
        .executeTakeFirstOrThrow();
      const updated: Group = { ...toGroup(row), ...definedOnly(change) };
      await trx.updateTable('groups').set(groupColumns(updated)).where('id', '=', groupId).execute();
      return updated;
    });
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

  async groupRelation(groupId: string, userId: string): Promise<GroupRelation> {
    const rows = await this.backend.db
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

  async groupMembers(groupId: string, relation: 'owner' | 'member', query: ListQuery): Promise<Page<User>> {
    const base = this.backend.db
      .selectFrom('users')
      .innerJoin('group_members as m', 'm.user_id', 'users.id')
      .selectAll('users')
      .where('m.group_id', '=', groupId)
      .where('m.relation', '=', relation);
    return listPage(
      this.backend.db,
      base,
      'users.id',
      query,
      {
        displayName: 'users.display_name',
        userPrincipalName: 'users.user_principal_name',
        mail: 'users.mail',
      },
      (row) => toUser(row as Selectable<UsersTable>),
    );
  }

  async addGroupMember(groupId: string, userId: string, relation: 'owner' | 'member'): Promise<boolean> {
    return this.backend.writeTransaction(async (trx) => {
      const existing = await trx
        .selectFrom('group_members')
        .select('user_id')
        .where('group_id', '=', groupId)
        .where('user_id', '=', userId)
        .where('relation', '=', relation)
        .executeTakeFirst();
      if (existing) return false;
      await trx
        .insertInto('group_members')
        .values({ group_id: groupId, user_id: userId, relation })
        .execute();
      return true;
    });
  }

  async removeGroupMember(groupId: string, userId: string, relation: 'owner' | 'member'): Promise<boolean> {
    const result = await this.backend.writeTransaction((trx) =>
      trx
        .deleteFrom('group_members')
        .where('group_id', '=', groupId)
        .where('user_id', '=', userId)
        .where('relation', '=', relation)
        .executeTakeFirst(),
    );
    return Number(result.numDeletedRows) > 0;
  }

  async joinedGroups(tenantId: string, userId: string, query: ListQuery): Promise<Page<Group>> {
    const base = this.backend.db
      .selectFrom('groups')
      .innerJoin('group_members as m', 'm.group_id', 'groups.id')
      .selectAll('groups')
      .where('groups.tenant_id', '=', tenantId)
      .where('m.user_id', '=', userId)
      .where('m.relation', '=', 'member');
    return listPage(
      this.backend.db,
      base,
      'groups.id',
      query,
      { displayName: 'groups.display_name', mail: 'groups.mail' },
      (row) => toGroup(row as Selectable<GroupsTable>),
    );
  }
}
