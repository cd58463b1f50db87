// The permissions explorer's data (SPEC §8) against the server's own enforcement, from outside:
// for every permission Portrait knows and each of its columns, every method the explorer lists
// works with a token holding only that permission (the caller's own objects, an admin role, an
// owned group), and every photo method of the matrix it does not list is refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import { GRAPH_PERMISSIONS } from '../../src/auth/graph-permissions.js';
import { API_VERSIONS, type ApiVersion, endpointLines } from '../../src/graph/endpoint-matrix.js';
import { SETTINGS_ENDPOINTS } from '../../src/graph/settings-endpoints.js';
import type { Contact, ContactFolder, Group, User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';

let h: Harness;
let tenant: Tenant;
/** The delegated caller: a Global Administrator who owns and belongs to the group and the team. */
let caller: User;
/** Whom app-only tokens act on. */
let target: User;
let group: Group;
let team: Group;
const contacts = new Map<string, { contact: Contact; folderContact: Contact; folder: ContactFolder }>();
let small: Buffer;

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('explorer');
  caller = await h.user(tenant, 'caller', [DIRECTORY_ROLES.globalAdministrator.templateId]);
  target = await h.user(tenant, 'target');
  group = await h.group(tenant, { owners: [caller], members: [caller] });
  team = await h.group(tenant, { team: true, owners: [caller], members: [caller] });
  for (const user of [caller, target]) {
    const folder = await h.store.mailbox.ensureContactFolder(tenant.id, user.id, 'Suppliers');
    const contact = await h.contact(tenant, user);
    const folderContact = await h.store.mailbox.createContact({
      tenantId: tenant.id,
      userId: user.id,
      folderId: folder.id,
      displayName: 'In a folder',
    });
    contacts.set(user.id, { contact, folderContact, folder });
  }
  // Under 48 px: stored as it is, so the hundreds of uploads below stay quick.
  small = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#3a7' } })
    .png()
    .toBuffer();
});

after(() => h.close());

/** Every owner starts a round with a photo, so reads succeed when allowed. */
async function resetPhotos() {
  const set = [{ width: 20, height: 20, contentType: 'image/png', bytes: small }];
  const owners = [caller.id, target.id, group.id, team.id];
  for (const { contact, folderContact } of contacts.values()) owners.push(contact.id, folderContact.id);
  for (const owner of owners) await h.store.photos.replacePhotoSet(tenant.id, owner, set);
}

/** The documented path filled in: the caller's own objects for delegated tokens, `target`'s for apps. */
function concrete(ownerPath: string, resource: string, column: 'delegated' | 'application'): string {
  const user = column === 'delegated' ? caller : target;
  const { contact, folderContact, folder } = contacts.get(user.id)!;
  const owner = ownerPath
    .replace(
      '/users/{id | userPrincipalName}/contactfolders/{contactFolderId}/contacts/{id}',
      `/users/${user.id}/contactfolders/${folder.id}/contacts/${folderContact.id}`,
    )
    .replace(
      '/me/contactfolders/{contactFolderId}/contacts/{id}',
      `/me/contactfolders/${folder.id}/contacts/${folderContact.id}`,
    )
    .replace('/users/{id | userPrincipalName}/contacts/{id}', `/users/${user.id}/contacts/${contact.id}`)
    .replace('/me/contacts/{id}', `/me/contacts/${contact.id}`)
    .replace(
      '/users/{id | userPrincipalName}/joinedGroups/{id}',
      `/users/${caller.id}/joinedGroups/${group.id}`,
    )
    .replace('/users/{id | userPrincipalName}', `/users/${user.userPrincipalName}`)
    .replace('/groups/{id}', `/groups/${group.id}`)
    .replace('/teams/{id}', `/teams/${team.id}`);
  assert.doesNotMatch(owner, /\{/, `a placeholder left in ${owner}`);
  return `${owner}/${resource.replace('{size}', '20X20')}`;
}

interface Call {
  line: string;
  method: string;
  path: string;
  body?: { bytes: Buffer; type: string };
}

/** Every method of the photo matrix and the settings table in a version, as a concrete request. */
function calls(version: ApiVersion, column: 'delegated' | 'application'): Call[] {
  const photos = endpointLines(version).map((line) => ({
    line: line.line,
    method: line.rule.method,
    path: `/${version}${concrete(line.ownerPath, line.rule.resource, column)}`,
    ...(line.rule.method === 'PUT' || line.rule.method === 'PATCH'
      ? { body: { bytes: small, type: 'image/png' } }
      : {}),
  }));
  const settings = SETTINGS_ENDPOINTS.filter((e) => e.versions.includes(version)).flatMap((endpoint) =>
    Object.keys(endpoint.methods).map((method) => ({
      line: `${method} ${endpoint.path}`,
      method,
      path: `/${version}${endpoint.path}`,
      // No roles: the policy stays off for the photo calls of later rounds.
      ...(method === 'PATCH'
        ? { body: { bytes: Buffer.from('{"allowedRoles": []}'), type: 'application/json' } }
        : {}),
    })),
  );
  return [...photos, ...settings];
}

describe('the explorer API', () => {
  it('lists every permission Portrait knows, each in the shape SPEC §8 gives', async () => {
    const names = (await h.request('GET', '/explorer/api/permissions')).json();
    assert.deepEqual(
      names,
      GRAPH_PERMISSIONS.map((p) => p.name),
    );
    const reply = await h.request('GET', '/explorer/api/permissions/profilephoto.readwrite.all');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['odata-version'], '4.0');
    const body = reply.json();
    assert.deepEqual(Object.keys(body), ['name', 'delegated', 'application', 'methods', 'powershell']);
    assert.equal(body.name, 'ProfilePhoto.ReadWrite.All');
    assert.deepEqual(Object.keys(body.delegated), ['title', 'description', 'adminConsent']);
    assert.equal(body.delegated.adminConsent, true);
    assert.deepEqual(Object.keys(body.application), ['title', 'description']);
    assert.ok(body.methods['v1.0'].application.includes('PUT /users/{id | userPrincipalName}/photo/$value'));
    assert.ok(body.methods.beta.delegated.includes('GET /me/photo/$value'));
    assert.ok(!body.methods.beta.delegated.includes('PATCH /me/photo/$value'), 'beta has no PATCH for users');
    assert.ok(body.powershell.some((c: { cmdlet: string }) => c.cmdlet === 'Set-MgUserPhotoContent'));
    assert.equal((await h.request('GET', '/explorer/api/permissions/User.Read')).json().application, null);
  });

  it('answers an unknown permission with a Graph 404 naming it', async () => {
    const reply = await h.request('GET', '/explorer/api/permissions/Photo.Steal.All');
    assert.equal(reply.status, 404);
    assert.match(reply.json().error.message, /Photo\.Steal\.All/);
  });
});

describe('every method the explorer lists works with only that permission; no other does', () => {
  for (const permission of GRAPH_PERMISSIONS) {
    for (const column of ['delegated', 'application'] as const) {
      if (!permission[column]) continue;
      it(`${permission.name}, ${column}`, async () => {
        const data = (await h.request('GET', `/explorer/api/permissions/${permission.name}`)).json();
        const token =
          column === 'delegated'
            ? await h.delegatedToken(tenant, caller, [permission.name])
            : await h.appToken(tenant, [permission.name], `app-${permission.name}`);
        const wrong: string[] = [];
        for (const version of API_VERSIONS) {
          await resetPhotos(); // the previous version's DELETEs removed them
          const listed = new Set<string>(data.methods[version][column]);
          for (const call of calls(version, column)) {
            // `/me` and `/users/{caller}` are one photo: the first DELETE must not leave the second nothing.
            if (call.method === 'DELETE') await resetPhotos();
            const reply = await h.request(call.method, call.path, {
              token,
              ...(call.body ? { body: call.body.bytes, headers: { 'content-type': call.body.type } } : {}),
            });
            const works = reply.status < 300;
            // App-only tokens have no /me: Graph answers 400 there, not 403.
            const refused = reply.status === 403 || (reply.status === 400 && call.path.includes('/me/'));
            if (listed.has(call.line) ? !works : !refused) {
              wrong.push(
                `${listed.has(call.line) ? 'listed' : 'unlisted'} ${version} ${call.line} → ${reply.status} ${reply.body.toString().slice(0, 120)}`,
              );
            }
          }
        }
        assert.deepEqual(wrong, []);
      });
    }
  }
});
