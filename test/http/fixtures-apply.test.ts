// Applying fixtures (SPEC §11) to the real store behind a running server: what they declare is
// there for the API to serve, photos included; a second run changes nothing and keeps every ETag;
// ids given are kept and ids not given are the same on another store; an app with a fixed secret
// gets tokens at the issuer's token endpoint; a member from outside the tenant is refused by pointer.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { verifyPassword } from '../../src/auth/credentials.js';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import { nameBasedGuid } from '../../src/auth/token-issuer.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { FixtureError, type Fixtures, loadFixtures } from '../../src/services/fixture-file.js';
import { applyFixtures, type FixturesApplied } from '../../src/services/fixtures.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { Harness } from '../support/harness.js';
import { BLUE, GREEN, near, pixel, RED, type Rgb, solid } from '../support/images.js';

const PIPELINE = { maxPixels: 40_000_000, jpegQuality: 88 };
const MEGAN_ID = '3f2a6c1e-8b4d-4e7a-9c11-0d5e6f7a8b9c';
const MARKETING_ID = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
const SECRET = 'photo-sync-fixed-secret-0123456789';
const OTHER_SECRET = 'not-consented-fixed-secret-0123456';
const PASSWORD = 'correct horse battery staple';
const ORANGE: Rgb = [230, 140, 20];
const PURPLE: Rgb = [130, 30, 160];
const READER_ROLES = [
  'User.Read.All',
  'ProfilePhoto.Read.All',
  'Group.Read.All',
  'Team.ReadBasic.All',
  'Contacts.Read',
];

let h: Harness;
let dir: string;
let fixturesFile: string;

const dataUrl = (bytes: Buffer, type: string) => `data:${type};base64,${bytes.toString('base64')}`;

/** Two tenants with everything fixtures can declare; `adeleName` is the part a later test changes. */
async function fixtures(adeleName = 'Adele Vance'): Promise<Fixtures> {
  const meganJpeg = await solid(80, 80, PURPLE).jpeg().toBuffer();
  const salesPng = await solid(120, 90, BLUE).png().toBuffer();
  return {
    tenants: [
      {
        name: 'contoso',
        users: [
          {
            userPrincipalName: 'adele@contoso.example',
            displayName: adeleName,
            mail: 'adele@contoso.example',
            roles: ['User Administrator'],
            password: PASSWORD,
            photo: 'photos/adele.jpg',
          },
          {
            userPrincipalName: 'megan@contoso.example',
            displayName: 'Megan Bowen',
            id: MEGAN_ID,
            photo: dataUrl(meganJpeg, 'image/jpeg'),
          },
          { userPrincipalName: 'alex@contoso.example', displayName: 'Alex Wilber', jobTitle: 'Designer' },
        ],
        groups: [
          {
            displayName: 'Sales',
            team: true,
            owners: ['adele@contoso.example'],
            members: ['adele@contoso.example', MEGAN_ID],
            photo: dataUrl(salesPng, 'image/png'),
          },
          {
            displayName: 'Marketing',
            id: MARKETING_ID,
            description: 'Brand and campaigns',
            members: ['alex@contoso.example'],
          },
        ],
        contacts: [
          {
            user: 'adele@contoso.example',
            folder: 'Friends',
            displayName: 'Bob Kelly',
            email: 'bob@example.com',
            photo: 'photos/bob.png',
          },
        ],
        apps: [
          {
            name: 'photo-sync',
            roles: ['ProfilePhoto.Read.All', 'User.Read.All'],
            granted: true,
            clientSecret: SECRET,
          },
          { name: 'not-consented', roles: ['ProfilePhoto.Read.All'], clientSecret: OTHER_SECRET },
        ],
      },
      {
        name: 'fabrikam',
        settings: {
          avatars: 'public',
          missingPhotoMetadata: 'placeholder',
          corsOrigins: ['https://app.fabrikam.example'],
          // No fault is ever drawn (shares 0); the settings are there to be re-applied unchanged.
          faults: '429=0 503=0 seed=7',
        },
        users: [{ userPrincipalName: 'adele@fabrikam.example', displayName: 'Adele (Fabrikam)' }],
      },
    ],
  };
}

/** Writes the fixtures file (photo paths are relative to it) and loads it as the CLI does. */
async function load(adeleName?: string) {
  writeFileSync(fixturesFile, JSON.stringify(await fixtures(adeleName)));
  return loadFixtures(fixturesFile);
}

const writePhoto = async (name: string, rgb: Rgb, format: 'jpeg' | 'png') =>
  writeFileSync(join(dir, 'photos', name), await solid(160, 160, rgb)[format]().toBuffer());

const tenantNamed = async (store: Store, name: string): Promise<Tenant> => {
  const tenant = await store.directory.findTenant(name);
  assert.ok(tenant, `tenant ${name}`);
  return tenant;
};

before(async () => {
  h = await Harness.start();
  dir = mkdtempSync(join(tmpdir(), 'portrait-fixtures-'));
  mkdirSync(join(dir, 'photos'));
  fixturesFile = join(dir, 'fixtures.json');
  await writePhoto('adele.jpg', RED, 'jpeg');
  await writePhoto('bob.png', GREEN, 'png');
});

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await h.close();
});

describe('fixtures applied to the store of a running server', () => {
  let first: FixturesApplied;
  let contoso: Tenant;
  let reader: string;
  /** Filled by the first tests: the paths of every photo the fixtures give, by owner. */
  const photoPaths: Record<string, string> = {};
  let salesId: string;
  let folderId: string;
  let contactId: string;

  const get = async (path: string, token = reader) => {
    const reply = await h.request('GET', path, { token });
    assert.equal(reply.status, 200, `GET ${path}: ${reply.body.toString().slice(0, 300)}`);
    return reply;
  };
  const etags = async () =>
    Object.fromEntries(
      await Promise.all(
        Object.entries(photoPaths).map(async ([owner, path]) => [
          owner,
          (await get(path)).json()['@odata.mediaEtag'] as string,
        ]),
      ),
    );
  const centre = async (path: string) => pixel((await get(`${path}/$value`)).body, 60, 40);

  before(async () => {
    first = await applyFixtures(h.store, await load(), PIPELINE);
    contoso = await tenantNamed(h.store, 'contoso');
    reader = await h.appToken(contoso, READER_ROLES);
  });

  it('creates every tenant, user, group, contact and app, and names the tenants', async () => {
    assert.deepEqual(
      { created: first.created, changed: first.changed, unchanged: first.unchanged },
      { created: 11, changed: 0, unchanged: 0 },
    );
    const fabrikam = await tenantNamed(h.store, 'fabrikam');
    assert.deepEqual(first.tenants, [
      { id: contoso.id, name: 'contoso' },
      { id: fabrikam.id, name: 'fabrikam' },
    ]);
    assert.equal(fabrikam.settings.avatars, 'public');
    assert.equal(fabrikam.settings.missingPhotoMetadata, 'placeholder');
    assert.deepEqual(fabrikam.settings.corsOrigins, ['https://app.fabrikam.example']);
    assert.equal(fabrikam.settings.faults?.seed, 7);
    assert.equal(contoso.settings.faults, null, 'settings not given are the defaults');
  });

  it('makes users the API serves, with their roles in the wids of their tokens and their password', async () => {
    const adele = (await get('/v1.0/users/adele@contoso.example')).json();
    assert.equal(adele.displayName, 'Adele Vance');
    assert.equal(adele.mail, 'adele@contoso.example');
    const alex = (await get('/v1.0/users/alex@contoso.example')).json();
    assert.equal(alex.jobTitle, 'Designer');
    const user = (await h.store.directory.findUser(contoso.id, adele.id))!;
    const claims = decodeJwt(await h.delegatedToken(contoso, user, ['User.Read']));
    assert.deepEqual(claims['wids'], [DIRECTORY_ROLES.userAdministrator.templateId]);
    assert.equal(
      await verifyPassword(PASSWORD, await h.store.directory.passwordHash(contoso.id, user.id)),
      true,
    );
    assert.equal(
      await verifyPassword('wrong password!', await h.store.directory.passwordHash(contoso.id, user.id)),
      false,
    );
  });

  it('keeps the ids the fixtures give', async () => {
    const megan = (await get(`/v1.0/users/${MEGAN_ID}`)).json();
    assert.equal(megan.id, MEGAN_ID);
    assert.equal(megan.userPrincipalName, 'megan@contoso.example');
    const marketing = (await get(`/v1.0/groups/${MARKETING_ID}`)).json();
    assert.equal(marketing.displayName, 'Marketing');
    assert.equal(marketing.description, 'Brand and campaigns');
  });

  it('makes a group with its team, owners and members, and one without a team', async () => {
    const groups = (await get('/v1.0/groups')).json().value as { id: string; displayName: string }[];
    assert.deepEqual(groups.map((g) => g.displayName).sort(), ['Marketing', 'Sales']);
    salesId = groups.find((g) => g.displayName === 'Sales')!.id;
    const adeleId = (await get('/v1.0/users/adele@contoso.example')).json().id;
    const alexId = (await get('/v1.0/users/alex@contoso.example')).json().id;
    const ids = async (path: string) =>
      ((await get(path)).json().value as { id: string }[]).map((u) => u.id).sort();
    assert.deepEqual(await ids(`/v1.0/groups/${salesId}/owners`), [adeleId]);
    assert.deepEqual(await ids(`/v1.0/groups/${salesId}/members`), [adeleId, MEGAN_ID].sort());
    assert.deepEqual(await ids(`/v1.0/groups/${MARKETING_ID}/members`), [alexId]);
    assert.deepEqual(await ids(`/v1.0/groups/${MARKETING_ID}/owners`), []);
    assert.equal((await get(`/v1.0/teams/${salesId}`)).json().id, salesId);
    assert.equal((await h.request('GET', `/v1.0/teams/${MARKETING_ID}`, { token: reader })).status, 404);
  });

  it("puts the contact in the folder it names in its user's mailbox", async () => {
    const folders = (await get('/v1.0/users/adele@contoso.example/contactFolders')).json().value;
    assert.deepEqual(
      folders.map((f: { displayName: string }) => f.displayName),
      ['Friends'],
    );
    folderId = folders[0].id;
    const contacts = (
      await get(`/v1.0/users/adele@contoso.example/contactFolders/${folderId}/contacts`)
    ).json().value;
    assert.equal(contacts.length, 1);
    assert.equal(contacts[0].displayName, 'Bob Kelly');
    assert.equal(contacts[0].emailAddresses[0].address, 'bob@example.com');
    contactId = contacts[0].id;
  });

  it('gives each owner its own photo, served as JPEG by the API', async () => {
    Object.assign(photoPaths, {
      adele: '/v1.0/users/adele@contoso.example/photo',
      megan: `/v1.0/users/${MEGAN_ID}/photo`,
      sales: `/v1.0/groups/${salesId}/photo`,
      team: `/v1.0/teams/${salesId}/photo`,
      bob: `/v1.0/users/adele@contoso.example/contactFolders/${folderId}/contacts/${contactId}/photo`,
    });
    const colours: Record<string, Rgb> = { adele: RED, megan: PURPLE, sales: BLUE, team: BLUE, bob: GREEN };
    for (const [owner, path] of Object.entries(photoPaths)) {
      const bytes = await get(`${path}/$value`);
      assert.equal(bytes.headers['content-type'], 'image/jpeg', owner);
      const seen = await pixel(bytes.body, 30, 30);
      assert.ok(near(seen, colours[owner]!), `${owner}'s photo is ${colours[owner]}, not ${seen}`);
      assert.match((await get(path)).json()['@odata.mediaEtag'], /^".+"$/, owner);
    }
    const alex = await h.request('GET', '/v1.0/users/alex@contoso.example/photo/$value', { token: reader });
    assert.equal(alex.status, 404, 'a user without a photo in the fixtures has none');
  });

  it('changes nothing when applied again: no object created or changed, every ETag kept', async () => {
    const before = await etags();
    const again = await applyFixtures(h.store, await load(), PIPELINE);
    assert.deepEqual(
      { created: again.created, changed: again.changed, unchanged: again.unchanged, photos: again.photos },
      { created: 0, changed: 0, unchanged: 11, photos: 0 },
    );
    assert.deepEqual(again.tenants, first.tenants);
    assert.deepEqual(await etags(), before);
  });

  it('applies a change where it differs: a new displayName, a new photo and its ETag, the rest untouched', async () => {
    const before = await etags();
    await writePhoto('adele.jpg', ORANGE, 'jpeg');
    const changed = await applyFixtures(h.store, await load('Adele V.'), PIPELINE);
    assert.deepEqual(
      {
        created: changed.created,
        changed: changed.changed,
        unchanged: changed.unchanged,
        photos: changed.photos,
      },
      { created: 0, changed: 1, unchanged: 10, photos: 1 },
    );
    assert.equal((await get('/v1.0/users/adele@contoso.example')).json().displayName, 'Adele V.');
    const after = await etags();
    assert.notEqual(after['adele'], before['adele'], "adele's photo has a new ETag");
    assert.ok(near(await centre(photoPaths['adele']!), ORANGE), 'and the new picture');
    const { adele: _a, ...othersAfter } = after;
    const { adele: _b, ...othersBefore } = before;
    assert.deepEqual(othersAfter, othersBefore, 'the other photos keep their ETags');
    // And once more: the change is now the state, so nothing moves.
    const settled = await applyFixtures(h.store, await load('Adele V.'), PIPELINE);
    assert.equal(settled.changed + settled.created, 0);
    assert.deepEqual(await etags(), after);
  });

  it('makes the same ids, not given in the fixtures, on another fresh store', async () => {
    const other = await openStore('memory');
    try {
      const loaded = await load();
      const applied = await applyFixtures(other, loaded, PIPELINE);
      assert.deepEqual(applied.tenants, first.tenants, 'tenant ids');
      for (const { name } of first.tenants) {
        const here = await tenantNamed(h.store, name);
        const there = await tenantNamed(other, name);
        for (const spec of loaded.fixtures.tenants.find((t) => t.name === name)!.users ?? []) {
          const a = await h.store.directory.findUser(here.id, spec.userPrincipalName);
          const b = await other.directory.findUser(there.id, spec.userPrincipalName);
          assert.ok(a && b, spec.userPrincipalName);
          assert.equal(b.id, a.id, `${spec.userPrincipalName}'s id`);
        }
      }
      assert.notEqual(
        (await other.directory.findUser(first.tenants[0]!.id, 'adele@contoso.example'))!.id,
        (await other.directory.findUser(first.tenants[1]!.id, 'adele@fabrikam.example'))!.id,
        'ids differ between tenants',
      );
      const sales = await other.groups.findGroup(contoso.id, salesId);
      assert.equal(sales?.displayName, 'Sales', 'Sales has the same id there');
      assert.equal(sales?.isTeam, true);
      const adeleId = (await other.directory.findUser(contoso.id, 'adele@contoso.example'))!.id;
      assert.equal(
        (await other.mailbox.findContact(contoso.id, adeleId, contactId))?.displayName,
        'Bob Kelly',
      );
      for (const name of ['photo-sync', 'not-consented']) {
        const a = (await h.store.apps.findApp(contoso.id, name))!;
        const b = (await other.apps.findApp(contoso.id, name))!;
        assert.deepEqual([b.id, b.appId], [a.id, a.appId], `${name}'s object and client ids`);
      }
    } finally {
      await other.close();
    }
  });

  it('makes the same contact folder id on another fresh store', {}, async () => {
    const other = await openStore('memory');
    try {
      await applyFixtures(other, await load(), PIPELINE);
      const adeleId = (await other.directory.findUser(contoso.id, 'adele@contoso.example'))!.id;
      const [folder] = await other.mailbox.listContactFolders(contoso.id, adeleId);
      assert.equal(folder?.id, folderId);
    } finally {
      await other.close();
    }
  });

  it("gives an app its fixed secret and consent: the token endpoint's token reads a photo", async () => {
    const clientId = nameBasedGuid('app', contoso.id, 'photo-sync');
    assert.equal(
      (await h.store.apps.findApp(contoso.id, 'photo-sync'))?.appId,
      clientId,
      'the client id `portrait token --app photo-sync` uses',
    );
    const token = (clientSecret: string, client = clientId) =>
      h.request('POST', '/contoso/oauth2/v2.0/token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: client,
          client_secret: clientSecret,
          scope: 'https://graph.microsoft.com/.default',
        }).toString(),
      });
    const granted = await token(SECRET);
    assert.equal(granted.status, 200, granted.body.toString());
    const accessToken = granted.json().access_token as string;
    const claims = decodeJwt(accessToken);
    assert.equal(claims['appid'], clientId);
    assert.deepEqual([...(claims['roles'] as string[])].sort(), ['ProfilePhoto.Read.All', 'User.Read.All']);
    const photo = await h.request('GET', '/v1.0/users/adele@contoso.example/photo/$value', {
      token: accessToken,
    });
    assert.equal(photo.status, 200);
    assert.equal(photo.headers['content-type'], 'image/jpeg');

    const wrong = await token(OTHER_SECRET);
    assert.equal(wrong.status, 401, 'the secret is checked');
    assert.equal(wrong.json().error, 'invalid_client');

    // An app whose roles are asked for but not granted gets a token without them.
    const notConsented = await token(OTHER_SECRET, nameBasedGuid('app', contoso.id, 'not-consented'));
    assert.equal(notConsented.status, 200, notConsented.body.toString());
    const bare = notConsented.json().access_token as string;
    assert.equal(decodeJwt(bare)['roles'], undefined);
    const refused = await h.request('GET', '/v1.0/users/adele@contoso.example/photo/$value', { token: bare });
    assert.equal(refused.status, 403);
  });
});

describe('fixtures that cannot be applied', () => {
  /** Asserts applying `fixtures` fails with a FixtureError at `pointer` whose reason names each of `mentions`. */
  async function refusedAt(fixtures: Fixtures, pointer: string, mentions: string[]) {
    const loaded = await loadFixtures(fixtures);
    await assert.rejects(applyFixtures(h.store, loaded, PIPELINE), (error: unknown) => {
      assert.ok(error instanceof FixtureError, `a FixtureError, not ${String(error)}`);
      assert.equal(error.pointer, pointer);
      assert.equal(error.message, `${pointer}: ${error.reason}`);
      for (const text of mentions)
        assert.ok(error.reason.includes(text), `'${error.reason}' mentions '${text}'`);
      return true;
    });
  }

  it('refuses a member who is not a user of the tenant, at /tenants/0/groups/0/members/N', async () => {
    // adele@contoso.example is in the store (the fixtures above), but in another tenant.
    assert.ok(
      await h.store.directory.findUser((await tenantNamed(h.store, 'contoso')).id, 'adele@contoso.example'),
    );
    const fixtures = {
      tenants: [
        {
          name: 'northwind',
          users: [
            { userPrincipalName: 'nancy@northwind.example', displayName: 'Nancy Davolio' },
            { userPrincipalName: 'andrew@northwind.example', displayName: 'Andrew Fuller' },
          ],
          groups: [
            {
              displayName: 'Ops',
              owners: ['nancy@northwind.example'],
              members: ['nancy@northwind.example', 'andrew@northwind.example', 'adele@contoso.example'],
            },
          ],
        },
      ],
    };
    await refusedAt(fixtures, '/tenants/0/groups/0/members/2', ["'adele@contoso.example'", "'northwind'"]);
    // Checked before anything is written: not the tenant, not its users, not the group.
    assert.equal(await h.store.directory.findTenant('northwind'), undefined, 'nothing is written');
  });

  it("refuses an owner given by the id of another tenant's user, and a contact of no user", async () => {
    const contoso = await tenantNamed(h.store, 'contoso');
    const adele = (await h.store.directory.findUser(contoso.id, 'adele@contoso.example'))!;
    await refusedAt(
      {
        tenants: [
          {
            name: 'northwind',
            users: [{ userPrincipalName: 'nancy@northwind.example', displayName: 'Nancy Davolio' }],
            groups: [{ displayName: 'Board', owners: ['nancy@northwind.example', adele.id] }],
          },
        ],
      },
      '/tenants/0/groups/0/owners/1',
      [adele.id],
    );
    await refusedAt(
      {
        tenants: [{ name: 'northwind', contacts: [{ user: 'ghost@northwind.example', displayName: 'Bob' }] }],
      },
      '/tenants/0/contacts/0/user',
      ["'ghost@northwind.example'"],
    );
  });

  it('refuses a photo the pipeline cannot read, at its pointer', async () => {
    const text = Buffer.from('this is not an image at all, only words');
    await refusedAt(
      {
        tenants: [
          {
            name: 'northwind',
            users: [
              { userPrincipalName: 'nancy@northwind.example', displayName: 'Nancy Davolio' },
              {
                userPrincipalName: 'janet@northwind.example',
                displayName: 'Janet Leverling',
                photo: dataUrl(text, 'image/png'),
              },
            ],
          },
        ],
      },
      '/tenants/0/users/1/photo',
      ['not an image'],
    );
  });
});

describe('fixtures applied twice: names in any case, changed contacts', () => {
  it('names permissions in any case, and a second run still changes nothing', {}, async () => {
    const fixtures = {
      tenants: [
        {
          name: 'casing',
          apps: [
            {
              name: 'sync',
              roles: ['profilephoto.read.all'],
              scopes: ['user.read'],
              granted: true,
              clientSecret: 'casing-fixed-secret-0123456789',
            },
          ],
        },
      ],
    };
    await applyFixtures(h.store, await loadFixtures(fixtures), PIPELINE);
    const again = await applyFixtures(h.store, await loadFixtures(fixtures), PIPELINE);
    assert.equal(again.changed, 0);
    const app = await h.store.apps.findApp((await tenantNamed(h.store, 'casing')).id, 'sync');
    assert.deepEqual(app?.requestedRoles, ['ProfilePhoto.Read.All']);
  });

  it('updates a contact with a fixed id whose displayName changed', {}, async () => {
    const fixtures = (displayName: string) => ({
      tenants: [
        {
          name: 'contacts',
          users: [{ userPrincipalName: 'owner@contacts.example', displayName: 'Owner' }],
          contacts: [
            { user: 'owner@contacts.example', id: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0', displayName },
          ],
        },
      ],
    });
    await applyFixtures(h.store, await loadFixtures(fixtures('Bob')), PIPELINE);
    const changed = await applyFixtures(h.store, await loadFixtures(fixtures('Robert')), PIPELINE);
    assert.equal(changed.changed, 1);
    const tenant = await tenantNamed(h.store, 'contacts');
    const owner = (await h.store.directory.findUser(tenant.id, 'owner@contacts.example'))!;
    const contact = await h.store.mailbox.findContact(
      tenant.id,
      owner.id,
      '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
    );
    assert.equal(contact?.displayName, 'Robert');
  });
});
