// What Graph clients ask of the directory beyond SPEC §6's basics (SPEC §7): properties Portrait
// does not keep come back null (as the Graph Toolkit's $select needs), $count and $search under
// `ConsistencyLevel: eventual` (the Toolkit's person search), Location on 201 Created,
// OData-Version on JSON, and a JSON-shaped answer to a body sent with the wrong Content-Type.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';

let h: Harness;
let tenant: Tenant;
let admin: User;
let token: string;

const eventual = { consistencylevel: 'eventual' };
/** The $select `<mgt-person>` sends for a person (mgt 4.x defaultPersonProperties). */
const MGT_PERSON_SELECT =
  'businessPhones,displayName,givenName,jobTitle,department,mail,mobilePhone,officeLocation,preferredLanguage,surname,userPrincipalName,id,userType';

const get = (path: string, headers: Record<string, string> = {}) =>
  h.request('GET', path, { token, headers });

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('fabrikam');
  admin = await h.user(tenant, 'admin', [DIRECTORY_ROLES.globalAdministrator.templateId]);
  for (const [upn, displayName, mail] of [
    ['alex.wilber', 'Alex Wilber', 'alexw@fabrikam.example'],
    ['allan.deyoung', 'Allan Deyoung', 'allan@fabrikam.example'],
    ['adele.vance', 'Adele Vance', 'adelev@fabrikam.example'],
    ['megan.bowen', 'Megan Bowen', 'hal_megan@fabrikam.example'],
  ] as const) {
    await h.store.directory.createUser({
      tenantId: tenant.id,
      userPrincipalName: `${upn}@fabrikam.example`,
      displayName,
      mail,
    });
  }
  await h.group(tenant); // "A group"
  token = await h.delegatedToken(tenant, admin, [
    'User.ReadWrite.All',
    'Group.ReadWrite.All',
    'Contacts.ReadWrite',
  ]);
});

after(() => h.close());

describe('$select of Graph properties Portrait does not keep', () => {
  it("answers the Graph Toolkit's person $select with nulls where Portrait has no value", async () => {
    const reply = await get(`/v1.0/users/${admin.id}?$select=${MGT_PERSON_SELECT}`);
    assert.equal(reply.status, 200, reply.body.toString());
    assert.equal(reply.headers['odata-version'], '4.0');
    const { '@odata.context': _context, ...user } = reply.json();
    assert.deepEqual(Object.keys(user), MGT_PERSON_SELECT.split(','));
    assert.equal(user.department, null);
    assert.equal(user.officeLocation, null);
    assert.equal(user.mobilePhone, null);
    assert.deepEqual(user.businessPhones, []);
    assert.equal(user.userType, 'Member');
    assert.equal(user.displayName, 'admin');
    assert.equal(user.id, admin.id);
  });

  it('gives [] for unset collections and null for other properties, on users and groups alike', async () => {
    const user = (await get(`/v1.0/me?$select=otherMails,proxyAddresses,city,onPremisesSyncEnabled`)).json();
    assert.deepEqual(
      [user.otherMails, user.proxyAddresses, user.city, user.onPremisesSyncEnabled],
      [[], [], null, null],
    );
    const groups = (await get('/v1.0/groups?$select=displayName,classification,proxyAddresses')).json();
    assert.deepEqual(groups.value, [{ displayName: 'A group', classification: null, proxyAddresses: [] }]);
  });

  it("returns Graph's default properties on a full read, including those Portrait does not keep", async () => {
    const group = (await get('/v1.0/groups')).json().value[0];
    for (const name of [
      'classification',
      'membershipRule',
      'expirationDateTime',
      'renewedDateTime',
      'theme',
    ]) {
      assert.equal(group[name], null, name);
    }
    assert.deepEqual(group.proxyAddresses, []);
    assert.equal(group.displayName, 'A group');
    const user = (await get(`/v1.0/users/${admin.id}`)).json();
    assert.deepEqual(
      Object.keys(user).filter((k) => !k.startsWith('@')),
      [
        'businessPhones',
        'displayName',
        'givenName',
        'jobTitle',
        'mail',
        'mobilePhone',
        'officeLocation',
        'preferredLanguage',
        'surname',
        'userPrincipalName',
        'id',
      ],
    );
  });

  it('refuses only names Graph does not have', async () => {
    const reply = await get(`/v1.0/users/${admin.id}?$select=displayName,favouriteColour`);
    assert.equal(reply.status, 400);
    assert.equal(reply.json().error.code, 'Request_BadRequest');
    assert.match(reply.json().error.message, /favouriteColour/);
  });
});

describe('$count and $search (advanced queries)', () => {
  it('finds people the way the Graph Toolkit searches, with @odata.count', async () => {
    const search = encodeURIComponent('"displayName:al" OR "mail:al" OR "userPrincipalName:al"');
    const reply = await get(`/v1.0/users?$search=${search}&$count=true&$top=1`, eventual);
    assert.equal(reply.status, 200, reply.body.toString());
    const body = reply.json();
    // Alex and Allan by name; Megan's mail has no word beginning with "al".
    assert.equal(body['@odata.count'], 2);
    assert.equal(body.value.length, 1);
    const next = (await get(body['@odata.nextLink'].slice(h.url.length), eventual)).json();
    assert.equal(next['@odata.count'], 2);
    const names = [body.value[0].displayName, next.value[0].displayName].sort();
    assert.deepEqual(names, ['Alex Wilber', 'Allan Deyoung']);
  });

  it('matches words of names and addresses, every word of a clause, with AND and OR', async () => {
    const names = async (search: string) =>
      (await get(`/v1.0/users?$search=${encodeURIComponent(search)}`, eventual))
        .json()
        .value.map((u: User) => u.displayName)
        .sort();
    assert.deepEqual(await names('"displayName:wil"'), ['Alex Wilber']);
    assert.deepEqual(await names('"displayName:ale wil"'), ['Alex Wilber']);
    assert.deepEqual(await names('"mail:megan"'), ['Megan Bowen']);
    assert.deepEqual(await names('"userPrincipalName:vance"'), ['Adele Vance']);
    assert.deepEqual(await names('"displayName:a" AND "mail:allan"'), ['Allan Deyoung']);
    assert.deepEqual(await names('"DisplayName:MEG" or "displayName:adele"'), ['Adele Vance', 'Megan Bowen']);
    assert.deepEqual(await names('"displayName:100%"'), []);
  });

  it('combines $search with $filter, and searches groups', async () => {
    const reply = await get(
      `/v1.0/users?$search=${encodeURIComponent('"displayName:al"')}&$filter=${encodeURIComponent("startswith(mail,'allan')")}`,
      eventual,
    );
    assert.deepEqual(
      reply.json().value.map((u: User) => u.displayName),
      ['Allan Deyoung'],
    );
    const groups = await get(
      `/v1.0/groups?$search=${encodeURIComponent('"displayName:grou"')}&$count=true`,
      eventual,
    );
    assert.equal(groups.json()['@odata.count'], 1);
  });

  it('orders by displayName across pages, with $search too, as the console lists the directory', async () => {
    const other = await h.tenant();
    const make = (upn: string, displayName: string) =>
      h.store.directory.createUser({
        tenantId: other.id,
        userPrincipalName: `${upn}@${other.name}.example`,
        displayName,
      });
    // Created out of order; two names equal but for case, so a page boundary falls between them.
    const reader = await make('megan', 'Megan Bowen');
    for (const [upn, name] of [
      ['zed2', 'bea zed'],
      ['allan', 'Allan Deyoung'],
      ['adele', 'Adele Vance'],
      ['zed1', 'Bea Zed'],
      ['alex', 'alex Wilber'],
    ] as const) {
      await make(upn, name);
    }
    const readerToken = await h.delegatedToken(other, reader, ['User.ReadBasic.All']);
    const list = async (first: string) => {
      const names: string[] = [];
      let path: string | undefined = first;
      while (path) {
        const reply = await h.request('GET', path, { token: readerToken, headers: eventual });
        assert.equal(reply.status, 200, reply.body.toString());
        names.push(...reply.json().value.map((u: User) => u.displayName));
        path = reply.json()['@odata.nextLink']?.slice(h.url.length);
      }
      return names;
    };
    const all = await list('/v1.0/users?$orderby=displayName&$top=2');
    assert.deepEqual(all.slice(0, 3), ['Adele Vance', 'alex Wilber', 'Allan Deyoung']);
    assert.deepEqual(
      all.slice(3, 5).map((n) => n.toLowerCase()),
      ['bea zed', 'bea zed'],
    );
    assert.deepEqual(all.slice(5), ['Megan Bowen']);
    const search = encodeURIComponent('"displayName:a"');
    assert.deepEqual(await list(`/v1.0/users?$search=${search}&$orderby=displayName%20asc&$top=1`), [
      'Adele Vance',
      'alex Wilber',
      'Allan Deyoung',
    ]);
  });

  it('answers /users/$count and /groups/$count as plain text', async () => {
    const users = await get('/v1.0/users/$count', eventual);
    assert.equal(users.status, 200);
    assert.match(users.headers['content-type']!, /^text\/plain/);
    assert.equal(users.body.toString(), '5');
    const some = await get(`/v1.0/users/$count?$search=${encodeURIComponent('"displayName:al"')}`, eventual);
    assert.equal(some.body.toString(), '2');
    assert.equal((await get('/beta/groups/$count', eventual)).body.toString(), '1');
  });

  it('refuses advanced queries without ConsistencyLevel: eventual, as Graph does', async () => {
    for (const path of [
      '/v1.0/users?$count=true',
      `/v1.0/users?$search=${encodeURIComponent('"displayName:al"')}`,
      '/v1.0/users/$count',
      '/v1.0/groups?$count=true',
    ]) {
      const reply = await get(path);
      assert.equal(reply.status, 400, path);
      assert.equal(reply.json().error.code, 'Request_UnsupportedQuery', path);
      assert.match(reply.json().error.message, /ConsistencyLevel/, path);
    }
  });

  it('refuses malformed $search and $count with a 400 that says how to write them', async () => {
    for (const search of [
      'al',
      '"displayName:al" "mail:al"',
      '"displayName:a" AND "mail:b" OR "mail:c"',
      '"favourite:x"',
      '"displayName:"',
      '"displayName:al',
    ]) {
      const reply = await get(`/v1.0/users?$search=${encodeURIComponent(search)}`, eventual);
      assert.equal(reply.status, 400, search);
      assert.match(reply.json().error.code, /^Request_(BadRequest|UnsupportedQuery)$/, search);
    }
    const count = await get('/v1.0/users?$count=yes', eventual);
    assert.equal(count.status, 400);
    assert.match(count.json().error.message, /\$count/);
  });
});

describe('protocol details of directory writes', () => {
  const json = (body: unknown, type = 'application/json') => ({
    token,
    body: JSON.stringify(body),
    headers: { 'content-type': type },
  });

  it('answers 201 Created with the new object in Location', async () => {
    const user = await h.request(
      'POST',
      '/v1.0/users',
      json({ displayName: 'Lee', userPrincipalName: 'lee@fabrikam.example' }),
    );
    assert.equal(user.status, 201);
    assert.equal(user.headers['location'], `${h.url}/v1.0/users/${user.json().id}`);
    assert.equal(user.headers['odata-version'], '4.0');
    const group = await h.request(
      'POST',
      '/beta/groups',
      json({ displayName: 'Sales', mailNickname: 'sales' }),
    );
    assert.equal(group.headers['location'], `${h.url}/beta/groups/${group.json().id}`);
    const team = await h.request('PUT', `/v1.0/groups/${group.json().id}/team`, json({}));
    assert.equal(team.headers['location'], `${h.url}/v1.0/teams/${group.json().id}`);
    const folder = await h.request('POST', '/v1.0/me/contactFolders', json({ displayName: 'Suppliers' }));
    assert.equal(
      folder.headers['location'],
      `${h.url}/v1.0/users/${admin.id}/contactFolders/${folder.json().id}`,
    );
    const contact = await h.request(
      'POST',
      `/v1.0/me/contactFolders/${folder.json().id}/contacts`,
      json({ displayName: 'Isaiah' }),
    );
    assert.equal(
      contact.headers['location'],
      `${h.url}/v1.0/users/${admin.id}/contactFolders/${folder.json().id}/contacts/${contact.json().id}`,
    );
    // What was named in Location is what a GET finds.
    const located = await get(new URL(contact.headers['location']!).pathname);
    assert.equal(located.json().displayName, 'Isaiah');
  });

  it('tells a JSON endpoint sent the wrong Content-Type to send JSON, not photo bytes', async () => {
    const reply = await h.request(
      'POST',
      '/v1.0/users',
      json(
        { displayName: 'X', userPrincipalName: 'x@fabrikam.example' },
        'application/x-www-form-urlencoded',
      ),
    );
    assert.equal(reply.status, 415);
    assert.equal(reply.json().error.code, 'UnsupportedMediaType');
    assert.match(reply.json().error.message, /application\/json/);
    assert.doesNotMatch(reply.json().error.message, /photo|image/);
  });
});
