// The demo tenant `npm start` creates in an empty store (SPEC §1): a few users with roles, a group,
// a team and contacts, some with photos, so every endpoint has something to answer with. The
// photos are generated portraits (a landscape for the team), never initials: those are what a
// console shows for "no photo".
import { DIRECTORY_ROLES } from '../auth/directory-roles.js';
import { demoLandscapeSvg, demoPortraitSvg, renderDemoPhoto } from '../image/demo-portrait.js';
import type { User } from '../domain/directory.js';
import { DEMO_TENANT_NAME, type Tenant } from '../domain/tenant.js';
import type { Store } from '../store/store.js';
import { createContact } from './contacts.js';
import { createGroup } from './groups.js';
import { type PhotoServiceDeps, replacePhoto } from './photo-service.js';
import { createTenant } from './tenants.js';
import { createUser } from './users.js';

const DOMAIN = 'contoso.onmicrosoft.com';

const DEMO_USERS = [
  {
    alias: 'megan',
    name: 'Megan Bowen',
    roles: [DIRECTORY_ROLES.globalAdministrator.templateId],
    photo: true,
  },
  { alias: 'adele', name: 'Adele Vance', roles: [], photo: true },
  { alias: 'alex', name: 'Alex Wilber', roles: [], photo: false },
  { alias: 'diego', name: 'Diego Siciliani', roles: [], photo: true },
  {
    alias: 'lidia',
    name: 'Lidia Holloway',
    roles: [DIRECTORY_ROLES.userAdministrator.templateId],
    photo: false,
  },
];

async function seedPhoto(
  deps: PhotoServiceDeps,
  tenantId: string,
  ownerId: string,
  name: string,
  picture: 'portrait' | 'landscape' = 'portrait',
) {
  const svg = picture === 'portrait' ? demoPortraitSvg(name) : demoLandscapeSvg(name);
  await replacePhoto(deps, { tenantId, photoOwnerId: ownerId }, await renderDemoPhoto(svg, name));
}

/** Creates the demo tenant; returns it, with the UPNs of its users. */
export async function seedDemoTenant(
  store: Store,
  photos: PhotoServiceDeps,
): Promise<{ tenant: Tenant; upns: string[] }> {
  const tenant = await createTenant(store.directory, { name: DEMO_TENANT_NAME });
  const users = new Map<string, User>();
  for (const spec of DEMO_USERS) {
    const upn = `${spec.alias}@${DOMAIN}`;
    const user = await createUser(store.directory, tenant.id, {
      userPrincipalName: upn,
      displayName: spec.name,
      mail: upn,
      directoryRoles: spec.roles,
    });
    users.set(spec.alias, user);
    if (spec.photo) await seedPhoto(photos, tenant.id, user.id, spec.name);
  }
  const team = await createGroup(store, tenant, {
    displayName: 'Mark 8 Project Team',
    mail: `mark8@${DOMAIN}`,
    isTeam: true,
    owners: [`megan@${DOMAIN}`],
    members: ['megan', 'adele', 'alex', 'diego'].map((a) => `${a}@${DOMAIN}`),
  });
  await seedPhoto(photos, tenant.id, team.group.id, 'Mark 8 Project Team', 'landscape');
  await createGroup(store, tenant, {
    displayName: 'Retail',
    mail: `retail@${DOMAIN}`,
    owners: [`diego@${DOMAIN}`],
    members: [`diego@${DOMAIN}`, `lidia@${DOMAIN}`],
  });
  const adele = users.get('adele')!;
  const patti = await createContact(store.mailbox, adele, {
    displayName: 'Patti Fernandez',
    emailAddress: 'patti@fabrikam.example',
  });
  await seedPhoto(photos, tenant.id, patti.id, 'Patti Fernandez');
  await createContact(store.mailbox, adele, {
    folderName: 'Suppliers',
    displayName: 'Isaiah Langer',
    emailAddress: 'isaiah@northwind.example',
  });
  return { tenant, upns: [...users.keys()].map((a) => `${a}@${DOMAIN}`) };
}
