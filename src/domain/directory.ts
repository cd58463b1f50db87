// The directory's objects (SPEC §6): users, groups and teams, contact folders and contacts, with
// the fields a caller may set and the shapes they are created from.

export interface User extends UserFields {
  id: string;
  tenantId: string;
  createdAt: string;
}

export interface Group extends GroupFields {
  id: string;
  tenantId: string;
  createdAt: string;
}

export interface ContactFolder {
  id: string;
  tenantId: string;
  userId: string;
  displayName: string;
}

export interface Contact {
  id: string;
  tenantId: string;
  userId: string;
  parentFolderId: string | null;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  emailAddress: string | null;
  createdAt: string;
}

/** The properties of a user a caller may set (create and update). */
export interface UserFields {
  userPrincipalName: string;
  displayName: string;
  mail: string | null;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  accountEnabled: boolean;
  /** Directory role template ids; tokens minted for the user carry them as `wids`. */
  directoryRoles: string[];
}

export type NewUser = {
  tenantId: string;
  id?: string;
  userPrincipalName: string;
  displayName: string;
} & Partial<UserFields>;

export interface GroupFields {
  displayName: string;
  description: string | null;
  mail: string | null;
  mailNickname: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  /** `Unified` for Microsoft 365 groups. */
  groupTypes: string[];
  visibility: string | null;
  /** The group has a team: `/teams/{id}` reaches it, and its photo is the team's photo. */
  isTeam: boolean;
}

export type NewGroup = {
  tenantId: string;
  id?: string;
  displayName: string;
  ownerIds?: string[];
  memberIds?: string[];
} & Partial<GroupFields>;

export interface ContactFields {
  displayName: string;
  givenName: string | null;
  surname: string | null;
  emailAddress: string | null;
}

export type NewContact = {
  tenantId: string;
  userId: string;
  id?: string;
  /** The folder it goes in (null: the default Contacts folder); or by name, created when missing. */
  folderId?: string | null;
  folderName?: string;
  /** The id a folder named by `folderName` gets if it is made now (fixtures); a new one when absent. */
  newFolderId?: string;
  displayName: string;
} & Partial<ContactFields>;

export interface GroupRelation {
  owner: boolean;
  member: boolean;
}
