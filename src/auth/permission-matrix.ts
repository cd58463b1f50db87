// The least-privilege matrix of SPEC §5 as data, least privileged permission first in each cell.
// Enforcement (authorize.ts), the permissions explorer, the docs and the tests all read this.
import type { OwnerKind } from '../domain/owner-kind.js';
import { DIRECTORY_ROLES, type DirectoryRole } from './directory-roles.js';

export type PhotoAction =
  | 'userPhoto.read.self'
  | 'userPhoto.read.other'
  | 'userPhoto.write.self'
  | 'userPhoto.write.other'
  | 'groupPhoto.read'
  | 'groupPhoto.write'
  | 'teamPhoto.read'
  | 'teamPhoto.write'
  | 'contactPhoto.read'
  | 'contactPhoto.write';

/** The directory endpoints of SPEC §6. */
export type DirectoryAction =
  | 'users.read.self'
  | 'users.read'
  | 'users.write.self'
  | 'users.write'
  | 'groups.read'
  | 'groups.create'
  | 'groups.write'
  | 'groups.members.write'
  | 'teams.read'
  | 'contacts.read'
  | 'contacts.write';

/** Tenant-wide settings: Graph beta's photoUpdateSettings (SPEC §8). */
export type SettingsAction = 'peopleSettings.read' | 'peopleSettings.write';

export type Action = PhotoAction | DirectoryAction | SettingsAction;

/** The three columns of the matrix: how the caller signed in. */
export type PermissionColumn = 'delegated' | 'personal' | 'application';

export interface PermissionRule<A extends Action = Action> {
  action: A;
  /** The row's wording in SPEC §5. */
  label: string;
  /** Permissions that grant the action, least privileged first; `null` where it is not supported. */
  delegated: readonly string[] | null;
  personal: readonly string[] | null;
  application: readonly string[] | null;
  /** Delegated callers also need one of these roles (`wids`), or to own the object where `orOwner`. */
  delegatedAlsoNeeds?: { roles: readonly DirectoryRole[]; orOwner: boolean };
  /** Delegated and personal callers reach only the signed-in user's own mailbox. */
  ownMailboxOnly?: boolean;
  /**
   * The tenant's photo update policy applies (Graph beta's photoUpdateSettings): when its
   * `allowedRoles` is not empty, delegated callers also need one of those roles — for their own
   * photo too. App-only callers are not affected.
   */
  photoUpdatePolicy?: boolean;
}

const R = DIRECTORY_ROLES;

export const PERMISSION_MATRIX: readonly PermissionRule<PhotoAction>[] = [
  {
    action: 'userPhoto.read.self',
    label: 'read user photo, self',
    delegated: [
      'User.Read',
      'User.ReadWrite',
      'User.ReadBasic.All',
      'User.Read.All',
      'User.ReadWrite.All',
      'ProfilePhoto.Read.All',
      'ProfilePhoto.ReadWrite.All',
    ],
    personal: ['User.Read', 'User.ReadWrite'],
    application: null,
  },
  {
    action: 'userPhoto.read.other',
    label: 'read user photo, other',
    delegated: [
      'ProfilePhoto.Read.All',
      'ProfilePhoto.ReadWrite.All',
      'User.ReadBasic.All',
      'User.Read.All',
      'User.ReadWrite.All',
    ],
    personal: null,
    application: [
      'ProfilePhoto.Read.All',
      'ProfilePhoto.ReadWrite.All',
      'User.ReadBasic.All',
      'User.Read.All',
      'User.ReadWrite.All',
    ],
  },
  {
    action: 'userPhoto.write.self',
    label: 'write/delete user photo, self',
    delegated: ['User.ReadWrite', 'ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All'],
    personal: ['User.ReadWrite'],
    application: null,
    photoUpdatePolicy: true,
  },
  {
    action: 'userPhoto.write.other',
    label: 'write/delete user photo, other',
    delegated: ['ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All'],
    personal: null,
    application: ['ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All'],
    delegatedAlsoNeeds: {
      roles: [R.globalAdministrator, R.userAdministrator, R.peopleAdministrator],
      orOwner: false,
    },
    photoUpdatePolicy: true,
  },
  {
    action: 'groupPhoto.read',
    label: 'read group photo',
    delegated: [
      'ProfilePhoto.Read.All',
      'ProfilePhoto.ReadWrite.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
    ],
    personal: null,
    application: [
      'ProfilePhoto.Read.All',
      'ProfilePhoto.ReadWrite.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
    ],
  },
  {
    action: 'groupPhoto.write',
    label: 'write/delete group photo',
    delegated: ['ProfilePhoto.ReadWrite.All', 'Group.ReadWrite.All'],
    personal: null,
    application: ['ProfilePhoto.ReadWrite.All', 'Group.ReadWrite.All'],
    delegatedAlsoNeeds: { roles: [R.globalAdministrator, R.groupsAdministrator], orOwner: true },
  },
  {
    action: 'teamPhoto.read',
    label: 'read team photo',
    delegated: ['Team.ReadBasic.All', 'TeamSettings.Read.All', 'TeamSettings.ReadWrite.All'],
    personal: null,
    application: ['Team.ReadBasic.All', 'TeamSettings.Read.All', 'TeamSettings.ReadWrite.All'],
  },
  {
    action: 'teamPhoto.write',
    label: 'write team photo',
    delegated: ['TeamSettings.ReadWrite.All'],
    personal: null,
    application: ['TeamSettings.ReadWrite.All'],
    delegatedAlsoNeeds: { roles: [R.globalAdministrator, R.teamsAdministrator], orOwner: true },
  },
  {
    action: 'contactPhoto.read',
    label: 'read contact photo',
    delegated: ['Contacts.Read', 'Contacts.ReadWrite'],
    personal: ['Contacts.Read', 'Contacts.ReadWrite'],
    application: ['Contacts.Read', 'Contacts.ReadWrite'],
    ownMailboxOnly: true,
  },
  {
    action: 'contactPhoto.write',
    label: 'write contact photo',
    delegated: ['Contacts.ReadWrite'],
    personal: null,
    application: ['Contacts.ReadWrite'],
    ownMailboxOnly: true,
  },
];

const ADMINS_OF_USERS = [R.globalAdministrator, R.userAdministrator];
const ADMINS_OF_GROUPS = [R.globalAdministrator, R.groupsAdministrator];

/** The directory endpoints' permissions, as Graph's user, group, team and contact pages list them. */
export const DIRECTORY_PERMISSION_MATRIX: readonly PermissionRule<DirectoryAction>[] = [
  {
    action: 'users.read.self',
    label: 'read the signed-in user',
    delegated: [
      'User.Read',
      'User.ReadWrite',
      'User.ReadBasic.All',
      'User.Read.All',
      'User.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ],
    personal: ['User.Read', 'User.ReadWrite'],
    application: null,
  },
  {
    action: 'users.read',
    label: 'read users',
    delegated: [
      'User.ReadBasic.All',
      'User.Read.All',
      'User.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ],
    personal: null,
    application: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  },
  {
    action: 'users.write.self',
    label: 'update the signed-in user',
    delegated: ['User.ReadWrite', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
    personal: ['User.ReadWrite'],
    application: null,
  },
  {
    action: 'users.write',
    label: 'create, update and delete users',
    delegated: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
    personal: null,
    application: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegatedAlsoNeeds: { roles: ADMINS_OF_USERS, orOwner: false },
  },
  {
    action: 'groups.read',
    label: 'read groups and their members',
    delegated: [
      'GroupMember.Read.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ],
    personal: null,
    application: [
      'GroupMember.Read.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ],
  },
  {
    action: 'groups.create',
    label: 'create groups',
    delegated: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    personal: null,
    application: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    action: 'groups.write',
    label: 'update and delete groups, add teams',
    delegated: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    personal: null,
    application: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegatedAlsoNeeds: { roles: ADMINS_OF_GROUPS, orOwner: true },
  },
  {
    action: 'groups.members.write',
    label: 'add and remove group owners and members',
    delegated: ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    personal: null,
    application: ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegatedAlsoNeeds: { roles: ADMINS_OF_GROUPS, orOwner: true },
  },
  {
    action: 'teams.read',
    label: 'read teams',
    delegated: [
      'Team.ReadBasic.All',
      'TeamSettings.Read.All',
      'TeamSettings.ReadWrite.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
    ],
    personal: null,
    application: [
      'Team.ReadBasic.All',
      'TeamSettings.Read.All',
      'TeamSettings.ReadWrite.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
    ],
  },
  {
    action: 'contacts.read',
    label: 'read contacts and contact folders',
    delegated: ['Contacts.Read', 'Contacts.ReadWrite'],
    personal: ['Contacts.Read', 'Contacts.ReadWrite'],
    application: ['Contacts.Read', 'Contacts.ReadWrite'],
    ownMailboxOnly: true,
  },
  {
    action: 'contacts.write',
    label: 'create, update and delete contacts and contact folders',
    delegated: ['Contacts.ReadWrite'],
    personal: ['Contacts.ReadWrite'],
    application: ['Contacts.ReadWrite'],
    ownMailboxOnly: true,
  },
];

/**
 * GET/PATCH /beta/admin/people/photoUpdateSettings. People Administrator is the least privileged
 * role for delegated callers (Graph's reference page); Global Reader may read.
 */
export const SETTINGS_PERMISSION_MATRIX: readonly PermissionRule<SettingsAction>[] = [
  {
    action: 'peopleSettings.read',
    label: 'read the photo update settings',
    delegated: ['PeopleSettings.Read.All', 'PeopleSettings.ReadWrite.All'],
    personal: null,
    application: ['PeopleSettings.Read.All', 'PeopleSettings.ReadWrite.All'],
    delegatedAlsoNeeds: {
      roles: [R.peopleAdministrator, R.globalReader, R.globalAdministrator],
      orOwner: false,
    },
  },
  {
    action: 'peopleSettings.write',
    label: 'change the photo update settings',
    delegated: ['PeopleSettings.ReadWrite.All'],
    personal: null,
    application: ['PeopleSettings.ReadWrite.All'],
    delegatedAlsoNeeds: { roles: [R.peopleAdministrator, R.globalAdministrator], orOwner: false },
  },
];

export function permissionRule(action: Action): PermissionRule {
  const rule =
    PERMISSION_MATRIX.find((r) => r.action === action) ??
    DIRECTORY_PERMISSION_MATRIX.find((r) => r.action === action) ??
    SETTINGS_PERMISSION_MATRIX.find((r) => r.action === action);
  if (!rule) throw new TypeError(`unknown photo action '${action}'`);
  return rule;
}

/** A matrix cell: an action, for callers of one column. */
export interface MatrixCell {
  action: Action;
  column: PermissionColumn;
}

/**
 * The least privileged permissions that allow every cell: each cell's least privileged
 * permission, then without any that others already cover (a read that ProfilePhoto.ReadWrite.All
 * allows needs no ProfilePhoto.Read.All beside it). The least-privilege report suggests this.
 */
export function leastPrivilegedSet(cells: readonly MatrixCell[]): string[] {
  const covers = (permission: string, cell: MatrixCell) =>
    permissionRule(cell.action)[cell.column]?.includes(permission) ?? false;
  let chosen: string[] = [];
  for (const cell of cells) {
    const first = permissionRule(cell.action)[cell.column]?.[0];
    if (first && !chosen.includes(first)) chosen.push(first);
  }
  for (const permission of [...chosen]) {
    const others = chosen.filter((p) => p !== permission);
    const coverable = cells.filter((cell) => chosen.some((p) => covers(p, cell)));
    if (coverable.every((cell) => others.some((p) => covers(p, cell)))) chosen = others;
  }
  return chosen;
}

/** The matrix row a photo call falls in: by owner kind, read or write, and whether it is the caller's own photo. */
export function photoAction(owner: OwnerKind, access: 'read' | 'write', self: boolean): PhotoAction {
  switch (owner) {
    case 'user':
      return `userPhoto.${access}.${self ? 'self' : 'other'}`;
    case 'group':
    case 'joinedGroup':
      return `groupPhoto.${access}`;
    case 'team':
      return `teamPhoto.${access}`;
    case 'contact':
      return `contactPhoto.${access}`;
  }
}
