// Directory objects as Graph shows them (the API, and `portrait … --json`), with the properties
// each entity set lets $select and $filter name.
import { roleName } from '../auth/directory-roles.js';
import type { AppRegistration, Contact, ContactFolder, Group, Tenant, User } from '../store/store.js';
import type { EntityShape } from './odata-query.js';

export const tenantJson = (tenant: Tenant) => ({
  id: tenant.id,
  name: tenant.name,
  createdDateTime: tenant.createdAt,
  settings: tenant.settings,
});

/** Graph's user, in the order of its default properties; accountEnabled only when selected. */
export const graphUser = (user: User) => ({
  businessPhones: [] as string[],
  displayName: user.displayName,
  givenName: user.givenName,
  jobTitle: user.jobTitle,
  mail: user.mail,
  mobilePhone: null,
  officeLocation: null,
  preferredLanguage: null,
  surname: user.surname,
  userPrincipalName: user.userPrincipalName,
  id: user.id,
  accountEnabled: user.accountEnabled,
});

const USER_PROPERTIES = Object.keys(graphUser({} as User));

export const USER_SHAPE: EntityShape = {
  type: 'microsoft.graph.user',
  properties: USER_PROPERTIES,
  filterable: ['displayName', 'userPrincipalName', 'mail'],
  defaults: USER_PROPERTIES.filter((p) => p !== 'accountEnabled'),
};

/** What Graph returns for a user without $select. */
export const defaultUser = (user: User) => {
  const { accountEnabled: _hidden, ...defaults } = graphUser(user);
  return defaults;
};

/** As owners and members are listed: directory objects typed by `@odata.type`. */
export const directoryObject = (user: User) => ({
  '@odata.type': '#microsoft.graph.user',
  ...defaultUser(user),
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
  properties: Object.keys(graphGroup({ groupTypes: [] } as unknown as Group)),
  filterable: ['displayName', 'mail'],
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
