// The least-privilege matrix of SPEC §5, end to end over HTTPS: every action is allowed with
// each permission its cell lists, refused with every other permission the matrix knows (the
// closest ones included), and another tenant's objects are 404 whatever the token holds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONSUMER_TENANT_ID } from '../../src/auth/caller.js';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import {
  PERMISSION_MATRIX,
  type PermissionColumn,
  type PhotoAction,
} from '../../src/auth/permission-matrix.js';
import type { Contact, Group, User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';
import { solidJpeg } from '../support/images.js';

/** Every permission the matrix names, plus near misses it does not (wrong resource, shared mailbox). */
const KNOWN_PERMISSIONS = [
  ...new Set([
    ...PERMISSION_MATRIX.flatMap((r) => [
      ...(r.delegated ?? []),
      ...(r.application ?? []),
      ...(r.personal ?? []),
    ]),
    'Contacts.Read.Shared',
    'Contacts.ReadWrite.Shared',
    'GroupMember.Read.All',
    'Directory.Read.All',
    'Mail.Read',
  ]),
];

interface World {
  tenant: Tenant;
  caller: User;
  other: User;
  group: Group;
  team: Group;
  ownContact: Contact;
  othersContact: Contact;
}

let h: Harness;
let world: World;
let jpeg: Buffer;

/** The request that performs an action, for a caller of a column. */
function requestFor(
  action: PhotoAction,
  column: PermissionColumn,
  w: World,
): { method: string; path: string } {
  const appOrSelf = column === 'application' ? `/users/${w.caller.id}` : '/me';
  const paths: Record<PhotoAction, [string, string]> = {
    'userPhoto.read.self': ['GET', '/v1.0/me/photo/$value'],
    'userPhoto.read.other': ['GET', `/v1.0/users/${w.other.userPrincipalName}/photo/$value`],
    'userPhoto.write.self': ['PUT', '/v1.0/me/photo/$value'],
    'userPhoto.write.other': ['PUT', `/v1.0/users/${w.other.id}/photo/$value`],
    'groupPhoto.read': ['GET', `/v1.0/groups/${w.group.id}/photo/$value`],
    'groupPhoto.write': ['PUT', `/v1.0/groups/${w.group.id}/photo/$value`],
    'teamPhoto.read': ['GET', `/v1.0/teams/${w.team.id}/photo/$value`],
    'teamPhoto.write': ['PUT', `/v1.0/teams/${w.team.id}/photo/$value`],
    'contactPhoto.read': ['GET', `/v1.0${appOrSelf}/contacts/${w.ownContact.id}/photo/$value`],
    'contactPhoto.write': ['PUT', `/v1.0${appOrSelf}/contacts/${w.ownContact.id}/photo/$value`],
  };
  const [method, path] = paths[action];
  return { method, path };
}

async function call(action: PhotoAction, column: PermissionColumn, w: World, token: string) {
  const { method, path } = requestFor(action, column, w);
  return h.request(method, path, {
    token,
    ...(method === 'PUT' ? { body: jpeg, headers: { 'content-type': 'image/jpeg' } } : {}),
  });
}

async function populate(tenant: Tenant): Promise<World> {
  // The caller holds Global Administrator so the role condition never masks the permission check;
  // role conditions have their own tests below.
  const caller = await h.user(tenant, 'caller', [DIRECTORY_ROLES.globalAdministrator.templateId]);
  const other = await h.user(tenant, 'other');
  const group = await h.group(tenant, { owners: [caller], members: [caller, other] });
  const team = await h.group(tenant, { team: true, owners: [caller], members: [caller] });
  const ownContact = await h.contact(tenant, caller);
  const othersContact = await h.contact(tenant, other);
  for (const owner of [caller, other, group, team, ownContact, othersContact]) {
    await h.store.photos.replacePhotoSet(tenant.id, owner.id, [
      { width: 48, height: 48, contentType: 'image/jpeg', bytes: await solidJpeg(48, 48) },
    ]);
  }
  return { tenant, caller, other, group, team, ownContact, othersContact };
}

const token = (column: PermissionColumn, w: World, permissions: string[]) =>
  column === 'application'
    ? h.appToken(w.tenant, permissions)
    : h.delegatedToken(w.tenant, w.caller, permissions);

before(async () => {
  h = await Harness.start();
  jpeg = await solidJpeg(64, 64);
  world = await populate(await h.tenant('fabrikam'));
});

after(() => h.close());

for (const rule of PERMISSION_MATRIX) {
  for (const column of ['delegated', 'application'] as const) {
    const accepted = rule[column];
    describe(`${rule.label}, ${column}`, () => {
      if (!accepted) {
        it('is not supported with any permission', async () => {
          const all = await token(column, world, KNOWN_PERMISSIONS);
          const reply = await call(rule.action, column, world, all);
          // Self rows have no app-only form: /me with an app token is a 400; the rest are 403.
          assert.ok([400, 403].includes(reply.status), `status ${reply.status}`);
        });
        return;
      }
      for (const permission of accepted) {
        it(`is allowed with ${permission}`, async () => {
          const reply = await call(rule.action, column, world, await token(column, world, [permission]));
          assert.ok([200, 204].includes(reply.status), `${permission}: ${reply.status} ${reply.body}`);
        });
      }
      it('is refused with every other permission, naming the least privileged one that works', async () => {
        for (const permission of KNOWN_PERMISSIONS.filter((p) => !accepted.includes(p))) {
          const reply = await call(rule.action, column, world, await token(column, world, [permission]));
          assert.equal(reply.status, 403, `${permission} must not grant ${rule.label}`);
          const { error } = reply.json();
          assert.equal(error.code, 'Authorization_RequestDenied');
          assert.equal(error.message, 'Insufficient privileges to complete the operation.');
          assert.equal(error.innerError.requiredPermission, accepted[0]);
        }
      });
      it("is a 404 on another tenant's object, whatever the token holds", async () => {
        const outsider = await h.tenant();
        const intruder = await h.user(outsider, 'intruder', [DIRECTORY_ROLES.globalAdministrator.templateId]);
        const { method, path } = requestFor(rule.action, column, world);
        // The same object named by id, from a token of another tenant.
        const foreignPath = path.replace('/me/', `/users/${world.caller.id}/`);
        const all =
          column === 'application'
            ? await h.appToken(outsider, KNOWN_PERMISSIONS)
            : await h.delegatedToken(outsider, intruder, KNOWN_PERMISSIONS);
        const reply = await h.request(method, foreignPath, {
          token: all,
          ...(method === 'PUT' ? { body: jpeg, headers: { 'content-type': 'image/jpeg' } } : {}),
        });
        assert.equal(reply.status, 404, `${method} ${foreignPath}: ${reply.body}`);
        assert.match(reply.json().error.code, /^(Request_ResourceNotFound|ErrorItemNotFound)$/);
      });
    });
  }
}

describe('conditions beyond the permission', () => {
  it("writing another user's photo with delegated permissions needs an admin role", async () => {
    const plain = await h.user(world.tenant, 'plain');
    const refused = await h.request('PUT', `/v1.0/users/${world.other.id}/photo/$value`, {
      token: await h.delegatedToken(world.tenant, plain, [
        'ProfilePhoto.ReadWrite.All',
        'User.ReadWrite.All',
      ]),
      body: jpeg,
      headers: { 'content-type': 'image/jpeg' },
    });
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.json().error.innerError.requiredRoles, [
      'Global Administrator',
      'User Administrator',
      'People Administrator',
    ]);
    for (const role of [DIRECTORY_ROLES.userAdministrator, DIRECTORY_ROLES.peopleAdministrator]) {
      const admin = await h.user(world.tenant, `admin-${role.name.split(' ')[0]!.toLowerCase()}`, [
        role.templateId,
      ]);
      const reply = await h.request('DELETE', `/v1.0/users/${world.other.id}/photo/$value`, {
        token: await h.delegatedToken(world.tenant, admin, ['ProfilePhoto.ReadWrite.All']),
      });
      assert.ok([200, 404].includes(reply.status), `${role.name}: ${reply.status}`);
      await h.store.photos.replacePhotoSet(world.tenant.id, world.other.id, [
        { width: 48, height: 48, contentType: 'image/jpeg', bytes: await solidJpeg(48, 48) },
      ]);
    }
  });

  it('group and team photos need the caller to own them or hold the admin role', async () => {
    const member = await h.user(world.tenant, 'member');
    const groupsAdmin = await h.user(world.tenant, 'groups-admin', [
      DIRECTORY_ROLES.groupsAdministrator.templateId,
    ]);
    const teamsAdmin = await h.user(world.tenant, 'teams-admin', [
      DIRECTORY_ROLES.teamsAdministrator.templateId,
    ]);
    const put = async (path: string, user: User, scope: string) =>
      h.request('PUT', path, {
        token: await h.delegatedToken(world.tenant, user, [scope]),
        body: jpeg,
        headers: { 'content-type': 'image/jpeg' },
      });
    const groupPath = `/v1.0/groups/${world.group.id}/photo/$value`;
    const teamPath = `/v1.0/teams/${world.team.id}/photo/$value`;
    const notOwner = await put(groupPath, member, 'Group.ReadWrite.All');
    assert.equal(notOwner.status, 403);
    assert.deepEqual(notOwner.json().error.innerError.requiredRoles, [
      'Global Administrator',
      'Groups Administrator',
    ]);
    assert.equal((await put(groupPath, groupsAdmin, 'Group.ReadWrite.All')).status, 200);
    assert.equal((await put(teamPath, member, 'TeamSettings.ReadWrite.All')).status, 403);
    assert.equal((await put(teamPath, groupsAdmin, 'TeamSettings.ReadWrite.All')).status, 403);
    assert.equal((await put(teamPath, teamsAdmin, 'TeamSettings.ReadWrite.All')).status, 204);
  });

  it("delegated tokens reach only the caller's own contacts; app tokens reach anyone's", async () => {
    const path = `/v1.0/users/${world.other.id}/contacts/${world.othersContact.id}/photo/$value`;
    const delegated = await h.request('GET', path, {
      token: await h.delegatedToken(world.tenant, world.caller, ['Contacts.ReadWrite']),
    });
    assert.equal(delegated.status, 403);
    assert.match(delegated.json().error.innerError.reason, /own contacts/);
    const app = await h.request('GET', path, { token: await h.appToken(world.tenant, ['Contacts.Read']) });
    assert.equal(app.status, 200);
  });

  it('/me with an app-only token is a 400', async () => {
    const reply = await h.request('GET', '/v1.0/me/photo', {
      token: await h.appToken(world.tenant, KNOWN_PERMISSIONS),
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.json().error.code, 'BadRequest');
    assert.match(reply.json().error.message, /delegated/);
  });
});

describe('personal accounts (consumer tenant)', () => {
  let consumer: Tenant;
  let person: User;
  let stranger: User;
  let contact: Contact;

  before(async () => {
    consumer = await h.store.directory.createTenant({ name: 'consumers', id: CONSUMER_TENANT_ID });
    person = await h.user(consumer, 'person');
    stranger = await h.user(consumer, 'stranger');
    contact = await h.contact(consumer, person);
    for (const id of [person.id, stranger.id, contact.id]) {
      await h.store.photos.replacePhotoSet(consumer.id, id, [
        { width: 48, height: 48, contentType: 'image/jpeg', bytes: await solidJpeg(48, 48) },
      ]);
    }
  });

  const personal = (scopes: string[]) => h.delegatedToken(consumer, person, scopes);

  it('reads and writes their own photo with User.Read / User.ReadWrite only', async () => {
    assert.equal(
      (await h.request('GET', '/v1.0/me/photo/$value', { token: await personal(['User.Read']) })).status,
      200,
    );
    const put = (scopes: string[]) =>
      personal(scopes).then((token) =>
        h.request('PUT', '/v1.0/me/photo/$value', {
          token,
          body: jpeg,
          headers: { 'content-type': 'image/jpeg' },
        }),
      );
    assert.equal((await put(['User.ReadWrite'])).status, 200);
    const refused = await put(['ProfilePhoto.ReadWrite.All']);
    assert.equal(refused.status, 403);
    assert.equal(refused.json().error.innerError.requiredPermission, 'User.ReadWrite');
  });

  it("cannot read other people's photos with any permission", async () => {
    const reply = await h.request('GET', `/v1.0/users/${stranger.id}/photo/$value`, {
      token: await personal(KNOWN_PERMISSIONS),
    });
    assert.equal(reply.status, 403);
    assert.match(reply.json().error.innerError.reason, /personal Microsoft accounts/);
  });

  it('reads its own contacts with Contacts.Read but cannot write them', async () => {
    const path = `/v1.0/me/contacts/${contact.id}/photo/$value`;
    assert.equal((await h.request('GET', path, { token: await personal(['Contacts.Read']) })).status, 200);
    const write = await h.request('PUT', path, {
      token: await personal(['Contacts.ReadWrite']),
      body: jpeg,
      headers: { 'content-type': 'image/jpeg' },
    });
    assert.equal(write.status, 403);
  });
});
