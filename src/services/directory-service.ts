// Directory operations shared by the CLI, the demo seed and tests: group creation with owners and
// members named by object id or UPN (an unknown one fails with the Graph error a caller would get).
import { resourceNotFound } from '../errors.js';
import type { Group, NewGroup, User } from '../domain/directory.js';
import type { DirectoryStore } from '../store/directory-store.js';
import type { Store } from '../store/store.js';

/** `name@domain`: the shape a userPrincipalName must have, with at most 64 characters before the @. */
export const isUserPrincipalName = (text: string) => /^[^@\s]{1,64}@[^@\s]+$/.test(text);

export async function requireUser(
  directory: DirectoryStore,
  tenantId: string,
  idOrUpn: string,
): Promise<User> {
  const user = await directory.findUser(tenantId, idOrUpn);
  if (!user) throw resourceNotFound(idOrUpn);
  return user;
}

export interface GroupWithMembers {
  group: Group;
  ownerIds: string[];
  memberIds: string[];
}

/** Creates a group whose owners and members are named by object id or userPrincipalName. */
export async function createGroup(
  store: Pick<Store, 'directory' | 'groups'>,
  input: Omit<NewGroup, 'ownerIds' | 'memberIds'> & { owners?: string[]; members?: string[] },
): Promise<GroupWithMembers> {
  const ids = async (keys: string[] = []) =>
    Promise.all(keys.map(async (key) => (await requireUser(store.directory, input.tenantId, key)).id));
  const ownerIds = await ids(input.owners);
  const memberIds = await ids(input.members);
  const { owners: _owners, members: _members, ...fields } = input;
  const group = await store.groups.createGroup({ ...fields, ownerIds, memberIds });
  return { group, ownerIds: [...new Set(ownerIds)], memberIds: [...new Set(memberIds)] };
}
