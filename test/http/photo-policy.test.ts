// The photo update policy (SPEC §8, Graph beta's photoUpdateSettings): read and changed at
// /beta/admin/people/photoUpdateSettings under PeopleSettings.* (People Administrator for people),
// or with `portrait tenant update --photo-update-roles`; while it names roles, people change user
// photos — their own too — only with one of them, and apps are not affected.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { portrait } from '../support/cli.js';
import { Harness } from '../support/harness.js';
import { solidJpeg } from '../support/images.js';

const SETTINGS = '/beta/admin/people/photoUpdateSettings';
const PEOPLE_ADMIN = DIRECTORY_ROLES.peopleAdministrator;

let h: Harness;
let tenant: Tenant;
let plain: User;
let peopleAdmin: User;
let jpeg: Buffer;

const json = (token: string, body: unknown) => ({
  token,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});
const upload = (token: string, path = '/v1.0/me/photo/$value') =>
  h.request('PUT', path, { token, body: jpeg, headers: { 'content-type': 'image/jpeg' } });

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('policy');
  plain = await h.user(tenant, 'plain');
  peopleAdmin = await h.user(tenant, 'pa', [PEOPLE_ADMIN.templateId]);
  jpeg = await solidJpeg(64, 64);
});

after(() => h.close());

describe('/beta/admin/people/photoUpdateSettings', () => {
  it('reads the settings: cloud, no roles, until changed', async () => {
    const token = await h.delegatedToken(tenant, peopleAdmin, ['PeopleSettings.Read.All']);
    const reply = await h.request('GET', SETTINGS, { token });
    assert.equal(reply.status, 200, reply.body.toString());
    const { '@odata.context': context, ...settings } = reply.json();
    assert.equal(context, `${h.url}/beta/$metadata#admin/people/photoUpdateSettings/$entity`);
    assert.deepEqual(settings, { source: 'cloud', allowedRoles: [] });
    assert.equal(
      (await h.request('GET', `/v1.0/admin/people/photoUpdateSettings`, { token })).status,
      400,
      'beta only',
    );
  });

  it('lets a People Administrator or an app change them, and names the roles to anyone else', async () => {
    const noRole = await h.delegatedToken(tenant, plain, ['PeopleSettings.ReadWrite.All']);
    const refused = await h.request('PATCH', SETTINGS, json(noRole, { allowedRoles: [] }));
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.json().error.innerError.requiredRoles, [
      'People Administrator',
      'Global Administrator',
    ]);
    const reader = await h.delegatedToken(tenant, peopleAdmin, ['PeopleSettings.Read.All']);
    assert.equal((await h.request('PATCH', SETTINGS, json(reader, { allowedRoles: [] }))).status, 403);

    const admin = await h.delegatedToken(tenant, peopleAdmin, ['PeopleSettings.ReadWrite.All']);
    const changed = await h.request(
      'PATCH',
      SETTINGS,
      json(admin, { allowedRoles: [PEOPLE_ADMIN.templateId.toUpperCase()] }),
    );
    assert.equal(changed.status, 200, changed.body.toString());
    assert.deepEqual(changed.json().allowedRoles, [PEOPLE_ADMIN.templateId]);
    const app = await h.appToken(tenant, ['PeopleSettings.ReadWrite.All']);
    const cleared = await h.request(
      'PATCH',
      SETTINGS,
      json(app, { '@odata.type': '#microsoft.graph.photoUpdateSettings', allowedRoles: [] }),
    );
    assert.deepEqual(cleared.json().allowedRoles, []);
  });

  it('refuses bad bodies with the property named', async () => {
    const app = await h.appToken(tenant, ['PeopleSettings.ReadWrite.All']);
    for (const [body, mentions] of [
      [{ allowedRoles: 'People Administrator' }, /allowedRoles/],
      [{ allowedRoles: ['not-a-guid'] }, /allowedRoles/],
      [{ source: 'onPremises' }, /source/],
      [{ favourite: true }, /favourite/],
    ] as const) {
      const reply = await h.request('PATCH', SETTINGS, json(app, body));
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.match(reply.json().error.message, mentions);
    }
  });
});

describe('the policy in force', () => {
  before(async () => {
    const set = await portrait([
      'tenant',
      'update',
      tenant.name,
      '--photo-update-roles',
      'People Administrator',
      '--json',
      ...h.storeArgs,
    ]);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout).settings.photoUpdateSettings, {
      source: 'cloud',
      allowedRoles: [PEOPLE_ADMIN.templateId],
    });
  });

  it('refuses people without one of the roles, even for their own photo, and says which roles', async () => {
    const token = await h.delegatedToken(tenant, plain, ['User.ReadWrite']);
    for (const reply of [
      await upload(token),
      await h.request('DELETE', '/v1.0/me/photo/$value', { token }),
    ]) {
      assert.equal(reply.status, 403);
      assert.deepEqual(reply.json().error.innerError.requiredRoles, ['People Administrator']);
      assert.match(reply.json().error.innerError.reason, /photo update policy/);
    }
    assert.equal(
      (await h.request('GET', '/v1.0/me/photo', { token })).status,
      404,
      'reading is not affected',
    );
  });

  it('lets holders of the roles, and apps, change photos', async () => {
    const pa = await h.delegatedToken(tenant, peopleAdmin, ['User.ReadWrite']);
    assert.equal((await upload(pa)).status, 200);
    const app = await h.appToken(tenant, ['ProfilePhoto.ReadWrite.All']);
    assert.equal((await upload(app, `/v1.0/users/${plain.id}/photo/$value`)).status, 200);
  });

  it('does not touch group photos', async () => {
    const group = await h.group(tenant, { owners: [plain] });
    const token = await h.delegatedToken(tenant, plain, ['Group.ReadWrite.All']);
    assert.equal((await upload(token, `/v1.0/groups/${group.id}/photo/$value`)).status, 200);
  });

  it('is lifted with --photo-update-roles none; an unknown role is a usage error', async () => {
    const unknown = await portrait([
      'tenant',
      'update',
      tenant.name,
      '--photo-update-roles',
      'Supreme Leader',
      ...h.storeArgs,
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Supreme Leader/);
    const lifted = await portrait([
      'tenant',
      'update',
      tenant.name,
      '--photo-update-roles',
      'none',
      ...h.storeArgs,
    ]);
    assert.equal(lifted.code, 0, lifted.stderr);
    const token = await h.delegatedToken(tenant, plain, ['User.ReadWrite']);
    assert.equal((await upload(token)).status, 200);
  });
});
