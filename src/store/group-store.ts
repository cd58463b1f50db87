// The groups port: groups and teams, owners and members.
import type { Group, GroupFields, GroupRelation, NewGroup, User } from '../domain/directory.js';
import type { ListQuery, Page } from '../domain/listing.js';

export interface GroupStore {
  createGroup(input: NewGroup): Promise<Group>;
  findGroup(tenantId: string, groupId: string): Promise<Group | undefined>;
  listGroups(tenantId: string, query: ListQuery): Promise<Page<Group>>;
  updateGroup(tenantId: string, groupId: string, change: Partial<GroupFields>): Promise<Group>;
  /** Deletes the group with its photo and memberships. */
  deleteGroup(tenantId: string, groupId: string): Promise<boolean>;
  groupRelation(groupId: string, userId: string): Promise<GroupRelation>;
  /** The group's owners or members, in id order. */
  groupMembers(groupId: string, relation: 'owner' | 'member', query: ListQuery): Promise<Page<User>>;
  /** False when the user already had that relation. */
  addGroupMember(groupId: string, userId: string, relation: 'owner' | 'member'): Promise<boolean>;
  /** False when the user did not have that relation. */
  removeGroupMember(groupId: string, userId: string, relation: 'owner' | 'member'): Promise<boolean>;
  /** Groups the user is a member of. */
  joinedGroups(tenantId: string, userId: string, query: ListQuery): Promise<Page<Group>>;
}
