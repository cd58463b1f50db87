// Directory objects as Graph (and `portrait … --json`) show them.
import { roleName } from '../auth/directory-roles.js';
import type { AppRegistration, Contact, Group, Tenant, User } from '../store/store.js';

export const tenantJson = (tenant: Tenant) => ({
  id: tenant.id,
  name: tenant.name,
  createdDateTime: tenant.createdAt,
  settings: tenant.settings,
});

export const userJson = (user: User) => ({
  id: user.id,
  userPrincipalName: user.userPrincipalName,
  displayName: user.displayName,
  mail: user.mail,
  tenantId: user.tenantId,
  directoryRoles: user.directoryRoles.map((id) => ({ displayName: roleName(id), roleTemplateId: id })),
});

export const groupJson = (group: Group, relations?: { ownerIds: string[]; memberIds: string[] }) => ({
  id: group.id,
  displayName: group.displayName,
  mail: group.mail,
  tenantId: group.tenantId,
  // How Graph marks a group that has a team.
  resourceProvisioningOptions: group.isTeam ? ['Team'] : [],
  isTeam: group.isTeam,
  ...(relations ? { owners: relations.ownerIds, members: relations.memberIds } : {}),
});

export const contactJson = (contact: Contact) => ({
  id: contact.id,
  displayName: contact.displayName,
  parentFolderId: contact.parentFolderId,
  emailAddresses: contact.emailAddress ? [{ name: contact.displayName, address: contact.emailAddress }] : [],
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
