// Every stored property is bounded as Graph's user, group and contact resources document it: a
// longer value is a 400 naming the property (API) or a usage error (CLI), and nothing is stored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { portrait } from '../support/cli.js';
import { Harness } from '../support/harness.js';

let h: Harness;
let tenant: Tenant;
let admin: User;
let token: string;

const x = (n: number) => 'x'.repeat(n);
const send = (method: string, path: string, body: unknown) =>
  h.request(method, path, {
    token,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('limits');
  admin = await h.user(tenant, 'admin', [DIRECTORY_ROLES.globalAdministrator.templateId]);
  token = await h.delegatedToken(tenant, admin, [
    'User.ReadWrite.All',
    'Group.ReadWrite.All',
    'Contacts.ReadWrite',
  ]);
});

after(() => h.close());

describe('property lengths', () => {
  it('refuses users whose properties are longer than Graph allows, and stores nothing', async () => {
    const before = (await h.store.directory.listUsers(tenant.id, { top: 999 })).items.length;
    for (const [body, property] of [
      [{ displayName: 'U', userPrincipalName: `${x(5000)}@limits.example` }, 'userPrincipalName'],
      [{ displayName: 'U', userPrincipalName: `${x(65)}@limits.example` }, 'userPrincipalName'],
      [{ displayName: 'U', userPrincipalName: `${x(64)}@${x(45)}.example` }, 'userPrincipalName'],
      [{ displayName: x(257), userPrincipalName: 'u@limits.example' }, 'displayName'],
      [{ displayName: 'U', userPrincipalName: 'u@limits.example', givenName: x(65) }, 'givenName'],
      [{ displayName: 'U', userPrincipalName: 'u@limits.example', surname: x(65) }, 'surname'],
      [{ displayName: 'U', userPrincipalName: 'u@limits.example', jobTitle: x(129) }, 'jobTitle'],
    ] as const) {
      const reply = await send('POST', '/v1.0/users', body);
      assert.equal(reply.status, 400, property);
      assert.equal(reply.json().error.code, 'Request_BadRequest');
      assert.match(reply.json().error.message, new RegExp(`'${property}'`));
    }
    assert.equal((await h.store.directory.listUsers(tenant.id, { top: 999 })).items.length, before);
    const fits = await send('POST', '/v1.0/users', {
      displayName: x(256),
      userPrincipalName: `${x(64)}@${x(40)}.example`,
      givenName: x(64),
    });
    assert.equal(fits.status, 201, fits.body.toString());
    const patched = await send('PATCH', `/v1.0/users/${fits.json().id}`, { surname: x(65) });
    assert.equal(patched.status, 400);
  });

  it('refuses long group, contact and folder properties', async () => {
    for (const [path, body, property] of [
      ['/v1.0/groups', { displayName: x(257) }, 'displayName'],
      ['/v1.0/groups', { displayName: 'G', description: x(1025) }, 'description'],
      ['/v1.0/me/contacts', { displayName: x(257) }, 'displayName'],
      [
        '/v1.0/me/contacts',
        { displayName: 'C', emailAddresses: [{ address: `${x(250)}@c.example` }] },
        'emailAddresses',
      ],
      ['/v1.0/me/contactFolders', { displayName: x(257) }, 'displayName'],
    ] as const) {
      const reply = await send('POST', path, body);
      assert.equal(reply.status, 400, `${path} ${property}`);
      assert.match(reply.json().error.message, new RegExp(`'${property}'`));
    }
  });

  it('refuses them on the command line too, as usage errors', async () => {
    const store = [...h.storeArgs, '--tenant', tenant.name];
    for (const args of [
      ['user', 'create', ...store, '--upn', `${x(65)}@limits.example`, '--name', 'N'],
      ['user', 'create', ...store, '--upn', 'n@limits.example', '--name', x(257)],
      ['group', 'create', ...store, '--name', x(257)],
      ['contact', 'create', ...store, '--user', admin.userPrincipalName, '--name', x(257)],
    ]) {
      const result = await portrait(args);
      assert.equal(result.code, 2, `${args.slice(0, 2).join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /at most|64 characters/);
    }
  });
});
