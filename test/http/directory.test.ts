// The Graph-shaped directory of SPEC §6 over HTTPS: users, groups and teams, contacts and
// folders, with $select, $top/@odata.nextLink and $filter, the matching permissions, and photos
// that go with what is deleted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';
import { solidJpeg } from '../support/images.js';

let h: Harness;
let tenant: Tenant;
let admin: User;
let plain: User;
let adminToken: string;
let appToken: string;

const json = (body: unknown) => ({
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});
const photo = async () => [
  { width: 48, height: 48, contentType: 'image/jpeg', bytes: await solidJpeg(48, 48) },
];

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('northwind');
  admin = await h.user(tenant, 'admin', [DIRECTORY_ROLES.globalAdministrator.templateId]);
  plain = await h.user(tenant, 'plain');
  adminToken = await h.delegatedToken(tenant, admin, [
    'User.ReadWrite.All',
    'Group.ReadWrite.All',
    'Contacts.ReadWrite',
  ]);
  appToken = await h.appToken(tenant, ['User.ReadWrite.All', 'Group.ReadWrite.All', 'Contacts.ReadWrite']);
});

after(() => h.close());

describe('users', () => {
  it('creates a user with POST /users and reads it back by id and UPN, in any case', async () => {
    const created = await h.request('POST', '/v1.0/users', {
      token: appToken,
      ...json({
        accountEnabled: true,
        displayName: 'Alice Anders',
        mailNickname: 'alice',
        userPrincipalName: 'alice@northwind.example',
        givenName: 'Alice',
        passwordProfile: { password: 'a good long password' },
      }),
    });
    assert.equal(created.status, 201, created.body.toString());
    const user = created.json();
    assert.equal(user['@odata.context'], `${h.url}/v1.0/$metadata#users/$entity`);
    assert.equal(user.userPrincipalName, 'alice@northwind.example');
    assert.equal(user.givenName, 'Alice');
    assert.deepEqual(user.businessPhones, []);
    for (const path of [`/v1.0/users/${user.id}`, '/V1.0/Users/ALICE@northwind.example']) {
      const read = await h.request('GET', path, { token: appToken });
      assert.equal(read.status, 200, path);
      assert.equal(read.json().id, user.id);
    }
    assert.ok(await h.store.directory.passwordHash(tenant.id, user.id), 'the password is set, as a hash');
    const again = await h.request('POST', '/v1.0/users', {
      token: appToken,
      ...json({ displayName: 'Twin', userPrincipalName: 'ALICE@northwind.example' }),
    });
    assert.equal(again.status, 400);
    assert.equal(again.json().error.code, 'Request_BadRequest');
    assert.match(again.json().error.message, /already exists/);
  });

  it('refuses bad bodies with the property named', async () => {
    for (const [body, mentions] of [
      [{ displayName: 'No UPN' }, /userPrincipalName/],
      [{ displayName: 'X', userPrincipalName: 'not-an-upn' }, /userPrincipalName/],
      [{ displayName: 'X', userPrincipalName: 'x@y.z', favouriteColour: 'blue' }, /favouriteColour/],
    ] as const) {
      const reply = await h.request('POST', '/v1.0/users', { token: appToken, ...json(body) });
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.match(reply.json().error.message, mentions);
    }
    const notJson = await h.request('POST', '/v1.0/users', {
      token: appToken,
      body: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json().error.code, 'BadRequest');
  });

  it('lists users a page at a time, following @odata.nextLink to the end', async () => {
    for (let i = 0; i < 7; i++) await h.user(tenant, `pager-${i}`);
    const all = await h.store.directory.listUsers(tenant.id, { top: 999 });
    const seen: string[] = [];
    let url: string | undefined = '/v1.0/users?$top=3&$select=id,displayName';
    while (url) {
      const page: ReturnType<typeof JSON.parse> = (await h.request('GET', url, { token: appToken })).json();
      assert.ok(page.value.length <= 3);
      for (const item of page.value) assert.deepEqual(Object.keys(item).sort(), ['displayName', 'id']);
      seen.push(...page.value.map((u: { id: string }) => u.id));
      url = page['@odata.nextLink']?.slice(h.url.length);
      if (url) assert.match(url, /\$top=3/);
    }
    assert.deepEqual(seen.sort(), all.items.map((u) => u.id).sort());
  });

  it('filters with eq and startswith on userPrincipalName, mail and displayName', async () => {
    const filter = async (expression: string) =>
      (await h.request('GET', `/v1.0/users?$filter=${encodeURIComponent(expression)}`, { token: appToken }))
        .json()
        .value.map((u: { userPrincipalName: string }) => u.userPrincipalName)
        .sort();
    assert.deepEqual(await filter("userPrincipalName eq 'PLAIN@northwind.example'"), [
      'plain@northwind.example',
    ]);
    assert.deepEqual(await filter("startswith(displayName,'pager-1')"), ['pager-1@northwind.example']);
    assert.deepEqual(await filter("startswith(displayName,'admin') or startswith(displayName,'plain')"), [
      'admin@northwind.example',
      'plain@northwind.example',
    ]);
    assert.deepEqual(await filter("mail eq 'nobody@nowhere'"), []);
    const unsupported = await h.request(
      'GET',
      `/v1.0/users?$filter=${encodeURIComponent("jobTitle eq 'x'")}`,
      { token: appToken },
    );
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.json().error.code, 'Request_UnsupportedQuery');
    for (const query of [
      '$select=favouriteColour',
      '$top=0',
      '$top=1000',
      '$orderby=mail',
      '$orderby=displayName desc',
      '$skiptoken=garbage',
      '$top=1&$top=2',
      '$select=id&$SELECT=displayName',
    ]) {
      assert.equal((await h.request('GET', `/v1.0/users?${query}`, { token: appToken })).status, 400, query);
    }
    const me = await h.request('GET', `/v1.0/users/${plain.id}?$select=id&$select=mail`, { token: appToken });
    assert.equal(me.status, 400, 'an entity refuses a repeated $select too');
    assert.match(me.json().error.message, /'\$select' was specified more than once/);
  });

  it('lets people read and update themselves, and only admins manage others', async () => {
    const self = await h.delegatedToken(tenant, plain, ['User.ReadWrite']);
    const me = await h.request('GET', '/v1.0/me?$select=displayName', { token: self });
    assert.deepEqual(me.json(), {
      '@odata.context': `${h.url}/v1.0/$metadata#users/$entity`,
      displayName: 'plain',
    });
    assert.equal(
      (await h.request('PATCH', '/v1.0/me', { token: self, ...json({ jobTitle: 'Buyer' }) })).status,
      204,
    );
    assert.equal(
      (await h.request('GET', `/v1.0/users/${plain.id}`, { token: appToken })).json().jobTitle,
      'Buyer',
    );
    const rename = await h.request('PATCH', '/v1.0/me', {
      token: self,
      ...json({ userPrincipalName: 'boss@northwind.example' }),
    });
    assert.equal(rename.status, 403, 'a UPN change is for administrators');
    assert.equal((await h.request('GET', '/v1.0/users', { token: self })).status, 403);
    const notAdmin = await h.delegatedToken(tenant, plain, ['User.ReadWrite.All']);
    const create = await h.request('POST', '/v1.0/users', {
      token: notAdmin,
      ...json({ displayName: 'X', userPrincipalName: 'x@northwind.example' }),
    });
    assert.equal(create.status, 403);
    assert.ok(create.json().error.innerError.requiredRoles.includes('User Administrator'));
    assert.equal(
      (await h.request('GET', '/v1.0/me', { token: appToken })).status,
      400,
      '/me with an app token',
    );
  });

  it('deletes a user with their photo and contacts', async () => {
    const leaver = await h.user(tenant, 'leaver');
    const contact = await h.contact(tenant, leaver);
    await h.store.photos.replacePhotoSet(tenant.id, leaver.id, await photo());
    await h.store.photos.replacePhotoSet(tenant.id, contact.id, await photo());
    assert.equal(
      (await h.request('DELETE', `/v1.0/users/${leaver.userPrincipalName}`, { token: adminToken })).status,
      204,
    );
    assert.equal((await h.request('GET', `/v1.0/users/${leaver.id}`, { token: appToken })).status, 404);
    assert.equal(await h.store.photos.readPhotoSet(tenant.id, leaver.id), undefined);
    assert.equal(await h.store.photos.readPhotoSet(tenant.id, contact.id), undefined);
  });

  it('answers a method a resource lacks with 405 and Allow', async () => {
    const reply = await h.request('PUT', '/v1.0/users', { token: appToken, ...json({}) });
    assert.equal(reply.status, 405);
    assert.equal(reply.headers['allow'], 'GET, HEAD, POST');
  });
});

describe('groups and teams', () => {
  let groupId: string;

  it('creates a group whose delegated creator owns it, with members bound by reference', async () => {
    const created = await h.request('POST', '/v1.0/groups', {
      token: adminToken,
      ...json({
        displayName: 'Buyers',
        mailNickname: 'buyers',
        mailEnabled: true,
        securityEnabled: false,
        groupTypes: ['Unified'],
        'members@odata.bind': [`https://graph.microsoft.com/v1.0/users/${plain.id}`],
      }),
    });
    assert.equal(created.status, 201, created.body.toString());
    groupId = created.json().id;
    const owners = (await h.request('GET', `/v1.0/groups/${groupId}/owners`, { token: appToken })).json();
    assert.deepEqual(
      owners.value.map((o: { id: string }) => o.id),
      [admin.id],
    );
    assert.equal(owners.value[0]['@odata.type'], '#microsoft.graph.user');
    const listed = await h.request(
      'GET',
      `/v1.0/groups?$filter=${encodeURIComponent("displayName eq 'buyers'")}`,
      { token: appToken },
    );
    assert.deepEqual(
      listed.json().value.map((g: { id: string }) => g.id),
      [groupId],
    );
    const joined = await h.request('GET', '/v1.0/me/joinedGroups', {
      token: await h.delegatedToken(tenant, plain, ['User.Read']),
    });
    assert.ok(joined.json().value.some((g: { id: string }) => g.id === groupId));
  });

  it('adds and removes members by $ref, refusing duplicates and strangers', async () => {
    const newcomer = await h.user(tenant, 'newcomer');
    const ref = json({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${newcomer.id}` });
    assert.equal(
      (await h.request('POST', `/v1.0/groups/${groupId}/members/$ref`, { token: adminToken, ...ref })).status,
      204,
    );
    const twice = await h.request('POST', `/v1.0/groups/${groupId}/members/%24ref`, {
      token: adminToken,
      ...ref,
    });
    assert.equal(twice.status, 400);
    assert.match(twice.json().error.message, /already exist/);
    const garbled = await h.request('POST', `/v1.0/groups/${groupId}/members/$ref`, {
      token: adminToken,
      ...json({ '@odata.id': 'https://graph.microsoft.com/v1.0/users/%E0%A4%A' }),
    });
    assert.equal(garbled.status, 400, 'a reference with a malformed %-escape');
    assert.equal(garbled.json().error.code, 'Request_BadRequest');
    const members = (
      await h.request('GET', `/v1.0/groups/${groupId}/members?$select=userPrincipalName`, { token: appToken })
    ).json();
    assert.ok(
      members.value.some(
        (m: { userPrincipalName: string }) => m.userPrincipalName === newcomer.userPrincipalName,
      ),
    );
    const stranger = await h.delegatedToken(tenant, plain, ['GroupMember.ReadWrite.All']);
    assert.equal(
      (await h.request('DELETE', `/v1.0/groups/${groupId}/members/${newcomer.id}/$ref`, { token: stranger }))
        .status,
      403,
      'a member who does not own the group',
    );
    assert.equal(
      (
        await h.request('DELETE', `/v1.0/groups/${groupId}/members/${newcomer.id}/$ref`, {
          token: adminToken,
        })
      ).status,
      204,
    );
    assert.equal(
      (
        await h.request('DELETE', `/v1.0/groups/${groupId}/members/${newcomer.id}/$ref`, {
          token: adminToken,
        })
      ).status,
      404,
    );
  });

  it('updates a group, makes it a team once, and shares the photo with the team', async () => {
    assert.equal(
      (
        await h.request('PATCH', `/v1.0/groups/${groupId}`, {
          token: adminToken,
          ...json({ description: 'People who buy' }),
        })
      ).status,
      204,
    );
    assert.equal(
      (await h.request('GET', `/v1.0/teams/${groupId}`, { token: appToken })).status,
      404,
      'not a team yet',
    );
    const team = await h.request('PUT', `/v1.0/groups/${groupId}/team`, { token: adminToken, ...json({}) });
    assert.equal(team.status, 201);
    assert.equal(team.json().description, 'People who buy');
    assert.equal(
      (await h.request('PUT', `/v1.0/groups/${groupId}/team`, { token: adminToken, ...json({}) })).status,
      409,
    );
    const teamToken = await h.appToken(tenant, ['Team.ReadBasic.All']);
    assert.equal(
      (await h.request('GET', `/v1.0/teams/${groupId}`, { token: teamToken })).json().isArchived,
      false,
    );
    await h.store.photos.replacePhotoSet(tenant.id, groupId, await photo());
    assert.equal(
      (await h.request('GET', `/v1.0/teams/${groupId}/photo/$value`, { token: teamToken })).status,
      200,
    );
  });

  it('deletes a group with its photo', async () => {
    assert.equal((await h.request('DELETE', `/v1.0/groups/${groupId}`, { token: adminToken })).status, 204);
    assert.equal((await h.request('GET', `/v1.0/groups/${groupId}`, { token: appToken })).status, 404);
    assert.equal(await h.store.photos.readPhotoSet(tenant.id, groupId), undefined);
  });
});

describe('contacts and contact folders', () => {
  it('creates, lists, updates and deletes contacts in the default folder and in named ones', async () => {
    const token = await h.delegatedToken(tenant, plain, ['Contacts.ReadWrite']);
    const created = await h.request('POST', '/v1.0/me/contacts', {
      token,
      ...json({
        givenName: 'Pavel',
        surname: 'Bansky',
        emailAddresses: [{ address: 'pavel@fabrikam.example', name: 'Pavel' }],
      }),
    });
    assert.equal(created.status, 201, created.body.toString());
    assert.equal(created.json().displayName, 'Pavel Bansky');
    const contactId = created.json().id;

    const folder = await h.request('POST', '/v1.0/me/contactFolders', {
      token,
      ...json({ displayName: 'Suppliers' }),
    });
    assert.equal(folder.status, 201);
    const duplicate = await h.request('POST', '/v1.0/me/contactfolders', {
      token,
      ...json({ displayName: 'suppliers' }),
    });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.json().error.code, 'ErrorFolderExists');
    const filed = await h.request('POST', `/v1.0/me/contactFolders/${folder.json().id}/contacts`, {
      token,
      ...json({ displayName: 'Isaiah Langer' }),
    });
    assert.equal(filed.json().parentFolderId, folder.json().id);

    const inDefault = (await h.request('GET', '/v1.0/me/contacts', { token }))
      .json()
      .value.map((c: { id: string }) => c.id);
    assert.deepEqual(inDefault, [contactId]);
    const inFolder = await h.request(
      'GET',
      `/v1.0/users/${plain.id}/contactFolders/${folder.json().id}/contacts`,
      { token },
    );
    assert.deepEqual(
      inFolder.json().value.map((c: { displayName: string }) => c.displayName),
      ['Isaiah Langer'],
    );

    const patched = await h.request('PATCH', `/v1.0/me/contacts/${contactId}`, {
      token,
      ...json({ displayName: 'Pavel B.' }),
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.json().displayName, 'Pavel B.');

    await h.store.photos.replacePhotoSet(tenant.id, contactId, await photo());
    assert.equal((await h.request('DELETE', `/v1.0/me/contacts/${contactId}`, { token })).status, 204);
    assert.equal(await h.store.photos.readPhotoSet(tenant.id, contactId), undefined);
    assert.equal(
      (await h.request('GET', `/v1.0/me/contacts/${contactId}`, { token })).json().error.code,
      'ErrorItemNotFound',
    );

    assert.equal(
      (await h.request('DELETE', `/v1.0/me/contactFolders/${folder.json().id}`, { token })).status,
      204,
    );
    assert.equal(
      (await h.request('GET', `/v1.0/me/contacts/${filed.json().id}`, { token })).status,
      404,
      'its contacts went with it',
    );
  });

  it("keeps delegated callers to their own mailbox; apps read anyone's", async () => {
    const someoneElse = await h.contact(tenant, admin);
    const mine = await h.delegatedToken(tenant, plain, ['Contacts.ReadWrite']);
    assert.equal((await h.request('GET', `/v1.0/users/${admin.id}/contacts`, { token: mine })).status, 403);
    const app = await h.appToken(tenant, ['Contacts.Read']);
    const read = await h.request('GET', `/v1.0/users/${admin.id}/contacts/${someoneElse.id}`, { token: app });
    assert.equal(read.status, 200);
    assert.equal(
      (await h.request('DELETE', `/v1.0/users/${admin.id}/contacts/${someoneElse.id}`, { token: app }))
        .status,
      403,
    );
  });
});
