// The least-privilege matrix of SPEC §5 as data, least privileged permission first in each cell.
// Enforcement (authorize.ts), the permissions explorer, the docs and the tests all read this.
import type { OwnerKind } from '../graph/endpoint-matrix.js';
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

/** The three columns of the matrix: how the caller signed in. */
export type PermissionColumn = 'delegated' | 'personal' | 'application';

export interface PermissionRule {
  action: PhotoAction;
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
}

const R = DIRECTORY_ROLES;

export const PERMISSION_MATRIX: readonly PermissionRule[] = [
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

export function permissionRule(action: PhotoAction): PermissionRule {
  const rule = PERMISSION_MATRIX.find((r) => r.action === action);
  if (!rule) throw new TypeError(`unknown photo action '${action}'`);
  return rule;
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
