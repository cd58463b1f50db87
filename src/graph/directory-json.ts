// Directory objects as Graph shows them (the API, and `portrait … --json`), with the properties
// each entity set lets $select and $filter name.
import { roleName } from '../auth/directory-roles.js';
import type { Contact, ContactFolder, Group, User } from '../domain/directory.js';
import type { AppRegistration } from '../domain/identity.js';
import type { Tenant } from '../domain/tenant.js';
import { GROUP_DEFAULTS, GROUP_PROPERTIES, USER_DEFAULTS, USER_PROPERTIES } from './graph-properties.js';
import type { EntityShape } from './odata-query.js';

export const tenantJson = (tenant: Tenant) => ({
  id: tenant.id,
  name: tenant.name,
  createdDateTime: tenant.createdAt,
  settings: tenant.settings,
});

/**
 * Graph's user, with the properties Portrait keeps or knows; `project` answers the rest of Graph's
 * user properties with null and picks what a request selected (or Graph's defaults).
 */
export const graphUser = (user: User) => ({
  id: user.id,
  accountEnabled: user.accountEnabled,
  // Portrait keeps no phone numbers; Graph's empty collection.
  businessPhones: [] as string[],
  createdDateTime: user.createdAt,
  displayName: user.displayName,
  givenName: user.givenName,
  jobTitle: user.jobTitle,
  mail: user.mail,
  surname: user.surname,
  userPrincipalName: user.userPrincipalName,
  // There are no guests in a Portrait tenant.
  userType: 'Member',
});

export const USER_SHAPE: EntityShape = {
  type: 'microsoft.graph.user',
  properties: USER_PROPERTIES.names,
  collections: USER_PROPERTIES.collections,
  filterable: ['displayName', 'userPrincipalName', 'mail'],
  searchable: ['displayName', 'userPrincipalName', 'mail'],
  defaults: USER_DEFAULTS,
};

/** As owners and members are listed: directory objects typed by `@odata.type`. */
export const directoryObject = (user: User) => ({
  '@odata.type': '#microsoft.graph.user',
  ...graphUser(user),
});

export const graphGroup = (group: Group) => ({
  id: group.id,
  createdDateTime: group.createdAt,
  description: group.description,
  displayName: group.displayName,
  groupTypes: group.groupTypes,
  mail: group.mail,
  mailEnabled: group.mailEnabled,
  mailNickname: group.mailNickname,
  // How Graph marks a group that has a team.
  resourceProvisioningOptions: group.isTeam ? ['Team'] : [],
  securityEnabled: group.securityEnabled,
  visibility: group.visibility,
});

export const GROUP_SHAPE: EntityShape = {
  type: 'microsoft.graph.group',
  properties: GROUP_PROPERTIES.names,
  collections: GROUP_PROPERTIES.collections,
  filterable: ['displayName', 'mail'],
  searchable: ['displayName', 'mail'],
  defaults: GROUP_DEFAULTS,
};

export const graphTeam = (group: Group) => ({
  id: group.id,
  createdDateTime: group.createdAt,
  displayName: group.displayName,
  description: group.description,
  isArchived: false,
  visibility: group.visibility,
});

export const TEAM_SHAPE: EntityShape = {
  type: 'microsoft.graph.team',
  properties: Object.keys(graphTeam({} as Group)),
  filterable: [],
};

export const graphContact = (contact: Contact) => ({
  id: contact.id,
  createdDateTime: contact.createdAt,
  parentFolderId: contact.parentFolderId,
  displayName: contact.displayName,
  givenName: contact.givenName,
  surname: contact.surname,
  emailAddresses: contact.emailAddress ? [{ name: contact.displayName, address: contact.emailAddress }] : [],
});

export const CONTACT_SHAPE: EntityShape = {
  type: 'microsoft.graph.contact',
  properties: Object.keys(graphContact({} as Contact)),
  filterable: ['displayName'],
};

export const graphContactFolder = (folder: ContactFolder) => ({
  id: folder.id,
  displayName: folder.displayName,
  parentFolderId: null,
});

export const CONTACT_FOLDER_SHAPE: EntityShape = {
  type: 'microsoft.graph.contactFolder',
  properties: Object.keys(graphContactFolder({} as ContactFolder)),
  filterable: [],
};

/** `portrait user … --json`: Graph's user with the tenant and directory roles. */
export const userJson = (user: User) => ({
  ...graphUser(user),
  tenantId: user.tenantId,
  directoryRoles: user.directoryRoles.map((id) => ({ displayName: roleName(id), roleTemplateId: id })),
});

export const groupJson = (group: Group, relations?: { ownerIds: string[]; memberIds: string[] }) => ({
  ...graphGroup(group),
  tenantId: group.tenantId,
  isTeam: group.isTeam,
  ...(relations ? { owners: relations.ownerIds, members: relations.memberIds } : {}),
});

export const contactJson = (contact: Contact) => ({
  ...graphContact(contact),
  userId: contact.userId,
  tenantId: contact.tenantId,
});

export const appJson = (app: AppRegistration) => ({
  id: app.id,
  appId: app.appId,
  displayName: app.displayName,
  tenantId: app.tenantId,
  publicClient: app.publicClient,
  redirectUris: app.redirectUris,
  requestedRoles: app.requestedRoles,
  grantedRoles: app.grantedRoles,
  grantedScopes: app.grantedScopes,
});
