// Groups and teams (SPEC §6): the one place a group is created (with its owners and members),
// changed, made a team, given or relieved of owners and members, and deleted. The API routes,
// the CLI, the user import and the demo tenant call these; each change is one store transaction
// (a delete with the group's photo and memberships), refused with SPEC §9's Graph errors.
import type { Group, GroupFields } from '../domain/directory.js';
import type { Tenant } from '../domain/tenant.js';
import { directoryBadRequest, GraphError, resourceNotFound } from '../errors.js';
import { checkLengths } from '../graph/property-limits.js';
import type { Store } from '../store/store.js';
import { requireUser } from './users.js';

type Ports = Pick<Store, 'directory' | 'groups'>;

export type Relation = 'owner' | 'member';

/** What a caller gives to create a group: its fields, and owners and members by id or UPN. */
export interface GroupInput extends Partial<GroupFields> {
  displayName: string;
  /** A fixed object id; a new one when absent. */
  id?: string;
  owners?: string[];
  members?: string[];
}

export interface GroupWithMembers {
  group: Group;
  ownerIds: string[];
  memberIds: string[];
}

/** Throws Graph's 400 naming the first property of `fields` that is empty or too long. */
export function checkGroupInput(fields: Partial<GroupFields>): void {
  if (fields.displayName !== undefined && fields.displayName.trim() === '') {
    throw directoryBadRequest(`Invalid value specified for property 'displayName' of resource 'Group'.`);
  }
  checkLengths('Group', fields);
}

/** The group of that id in the tenant (and a team, when `team`), or Graph's 404. */
export async function requireGroup(ports: Ports, tenantId: string, id: string, team = false): Promise<Group> {
  const group = await ports.groups.findGroup(tenantId, id);
  if (!group || (team && !group.isTeam)) throw resourceNotFound(id);
  return group;
}

/**
 * Creates a group in the tenant with its owners and members (each must exist there: Graph's 404
 * otherwise), in one transaction. A person who creates a group owns it when no owner is named,
 * as in Microsoft 365; a `mailNickname` without a mail gives the tenant's address.
 */
export async function createGroup(
  ports: Ports,
  tenant: Tenant,
  input: GroupInput,
  creatorId?: string,
): Promise<GroupWithMembers> {
  const { owners = [], members = [], ...fields } = input;
  checkGroupInput(fields);
  const ids = (keys: string[]) =>
    Promise.all(keys.map(async (key) => (await requireUser(ports.directory, tenant.id, key)).id));
  const ownerIds = await ids(owners);
  const memberIds = await ids(members);
  if (creatorId && ownerIds.length === 0) ownerIds.push(creatorId);
  const mail = fields.mail ?? (fields.mailNickname ? `${fields.mailNickname}@${tenant.name}.example` : null);
  const group = await ports.groups.createGroup({ ...fields, mail, tenantId: tenant.id, ownerIds, memberIds });
  return { group, ownerIds: [...new Set(ownerIds)], memberIds: [...new Set(memberIds)] };
}

export async function updateGroup(ports: Ports, group: Group, change: Partial<GroupFields>): Promise<Group> {
  checkGroupInput(change);
  return ports.groups.updateGroup(group.tenantId, group.id, change);
}

/** `PUT /groups/{id}/team`: the group gets a team; Graph's 409 when it has one. */
export async function makeTeam(ports: Ports, group: Group): Promise<Group> {
  if (group.isTeam) throw new GraphError(409, 'Conflict', 'The group already has a team.');
  return ports.groups.updateGroup(group.tenantId, group.id, { isTeam: true });
}

/** Deletes a group with its photo and its memberships. */
export async function deleteGroup(ports: Ports, group: Group): Promise<void> {
  if (!(await ports.groups.deleteGroup(group.tenantId, group.id))) throw resourceNotFound(group.id);
}

/** Adds an owner or member (id or UPN); Graph's 400 when they already are one. */
export async function addGroupMember(ports: Ports, group: Group, userKey: string, relation: Relation) {
  const user = await requireUser(ports.directory, group.tenantId, userKey);
  if (!(await ports.groups.addGroupMember(group.id, user.id, relation))) {
    throw directoryBadRequest(
      `One or more added object references already exist for the following modified properties: '${relation}s'.`,
    );
  }
}

/** Removes an owner or member (id or UPN); Graph's 404 when they are not one. */
export async function removeGroupMember(ports: Ports, group: Group, userKey: string, relation: Relation) {
  const user = await ports.directory.findUser(group.tenantId, userKey);
  if (!user || !(await ports.groups.removeGroupMember(group.id, user.id, relation))) {
    throw resourceNotFound(userKey);
  }
}

/**
 * The group of that display name (any case), created when there is none, as a bulk import names
 * groups; `created` says which.
 */
export async function groupNamed(
  ports: Ports,
  tenant: Tenant,
  displayName: string,
): Promise<{ group: Group; created: boolean }> {
  const found = await ports.groups.listGroups(tenant.id, {
    top: 1,
    filter: { join: 'and', clauses: [{ property: 'displayName', fn: 'eq', value: displayName }] },
  });
  if (found.items[0]) return { group: found.items[0], created: false };
  return { group: (await createGroup(ports, tenant, { displayName })).group, created: true };
}

/** Adds a member unless they already are one: for imports that run again. */
export async function ensureGroupMember(ports: Ports, group: Group, userId: string): Promise<void> {
  await ports.groups.addGroupMember(group.id, userId, 'member');
}
