// Reading fixtures (SPEC §11): every refusal is a FixtureError naming the JSON pointer of what is
// wrong, found before anything is written; photos are read from files next to the fixtures file
// (or the base directory for an object) or from data: URLs, with real images made by sharp.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import { FixtureError, loadFixtures } from '../../src/services/fixture-file.js';
import { MAX_PHOTO_BYTES } from '../../src/services/photo-service.js';
import { BLUE, GREEN, handmadePng, RED, solid } from '../support/images.js';

const GUID = '6e7b768e-07e2-4810-8459-485f84f8f204';

let dir: string;
let redJpeg: Buffer;
let bluePng: Buffer;
let greenJpeg: Buffer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portrait-fixture-file-'));
  redJpeg = await solid(64, 64, RED).jpeg().toBuffer();
  bluePng = await solid(48, 32, BLUE).png().toBuffer();
  greenJpeg = await solid(40, 40, GREEN).jpeg().toBuffer();
  mkdirSync(join(dir, 'suite', 'photos'), { recursive: true });
  writeFileSync(join(dir, 'suite', 'photos', 'adele.jpg'), redJpeg);
  writeFileSync(join(dir, 'suite', 'photos', 'bob.jpg'), greenJpeg);
});

after(() => rmSync(dir, { recursive: true, force: true }));

const dataUrl = (bytes: Buffer, type = 'image/png') => `data:${type};base64,${bytes.toString('base64')}`;

/** One tenant with the given parts, and a user `adele` the groups and contacts can name. */
const tenantWith = (parts: Record<string, unknown> = {}) => ({
  tenants: [
    {
      name: 'contoso',
      users: [{ userPrincipalName: 'adele@contoso.example', displayName: 'Adele Vance' }],
      ...parts,
    },
  ],
});

/** Asserts loading `fixtures` fails at `pointer`, with a reason that mentions each of `mentions`. */
async function refused(fixtures: unknown, pointer: string, mentions: string[], baseDir = dir): Promise<void> {
  await assert.rejects(loadFixtures(fixtures, baseDir), (error: unknown) => {
    assert.ok(error instanceof FixtureError, `a FixtureError, not ${String(error)}`);
    assert.equal(error.pointer, pointer);
    assert.equal(error.message, `${pointer || '/'}: ${error.reason}`);
    for (const text of mentions)
      assert.ok(error.reason.includes(text), `'${error.reason}' mentions '${text}'`);
    return true;
  });
}

describe('fixtures the schema refuses', () => {
  const cases: [string, unknown, string, string[]][] = [
    ['not an object', [], '', ['must be object']],
    ['no tenants', {}, '/tenants', ['required, and missing']],
    [
      'an unknown key at the top',
      { tenants: [], tenant: [] },
      '/tenant',
      ["unknown key 'tenant'", 'tenants'],
    ],
    [
      'an unknown key on a user',
      tenantWith({ users: [{ userPrincipalName: 'a@contoso.example', displayName: 'A', upn: 'x' }] }),
      '/tenants/0/users/0/upn',
      ["unknown key 'upn'", 'userPrincipalName'],
    ],
    [
      'an unknown key in settings',
      tenantWith({ settings: { avatar: 'public' } }),
      '/tenants/0/settings/avatar',
      ["unknown key 'avatar'", 'avatars'],
    ],
    [
      'an unknown key on an app',
      tenantWith({ apps: [{ name: 'sync', secret: 'x' }] }),
      '/tenants/0/apps/0/secret',
      ["unknown key 'secret'", 'clientSecret'],
    ],
    [
      'a userPrincipalName without @',
      tenantWith({ users: [{ userPrincipalName: 'adele', displayName: 'A' }] }),
      '/tenants/0/users/0/userPrincipalName',
      ['name@domain'],
    ],
    [
      'a userPrincipalName with more than 64 characters before the @',
      tenantWith({ users: [{ userPrincipalName: `${'a'.repeat(65)}@contoso.example`, displayName: 'A' }] }),
      '/tenants/0/users/0/userPrincipalName',
      ['at most 64 characters'],
    ],
    [
      'a user id that is not a GUID',
      tenantWith({ users: [{ userPrincipalName: 'a@contoso.example', displayName: 'A', id: 'adele-1' }] }),
      '/tenants/0/users/0/id',
      ['a GUID such as'],
    ],
    [
      'a tenant id that is not a GUID',
      { tenants: [{ name: 'contoso', id: `${GUID}0` }] },
      '/tenants/0/id',
      ['GUID'],
    ],
    [
      'a tenant name with a space',
      { tenants: [{ name: 'con toso' }] },
      '/tenants/0/name',
      ['letters, digits, dots, dashes or underscores'],
    ],
    [
      'a value outside an enum',
      tenantWith({ settings: { avatars: 'on' } }),
      '/tenants/0/settings/avatars',
      ['one of off, public'],
    ],
    [
      'missingPhotoMetadata outside its enum',
      tenantWith({ settings: { missingPhotoMetadata: '404' } }),
      '/tenants/0/settings/missingPhotoMetadata',
      ['notFound, placeholder'],
    ],
    [
      'a user without a displayName',
      tenantWith({ users: [{ userPrincipalName: 'a@contoso.example' }] }),
      '/tenants/0/users/0/displayName',
      ['required, and missing'],
    ],
    ['a tenant without a name', { tenants: [{ users: [] }] }, '/tenants/0/name', ['required']],
    [
      'a blank group displayName',
      tenantWith({ groups: [{ displayName: '   ' }] }),
      '/tenants/0/groups/0/displayName',
      ['must not be empty or blank'],
    ],
    [
      'team that is not a boolean',
      tenantWith({ groups: [{ displayName: 'Sales', team: 'yes' }] }),
      '/tenants/0/groups/0/team',
      ['boolean'],
    ],
    [
      'a contact with neither displayName nor email',
      tenantWith({ contacts: [{ user: 'adele@contoso.example', folder: 'Friends' }] }),
      '/tenants/0/contacts/0',
      ['needs a displayName or an email'],
    ],
    [
      'corsOrigins that is one origin, not a list',
      tenantWith({ settings: { corsOrigins: 'https://app.contoso.com' } }),
      '/tenants/0/settings/corsOrigins',
      ['must be * for any origin, or a list of origins'],
    ],
    [
      'a clientSecret shorter than 16 characters',
      tenantWith({ apps: [{ name: 'sync', clientSecret: 'short' }] }),
      '/tenants/0/apps/0/clientSecret',
      ['16'],
    ],
    [
      'an empty photo string',
      tenantWith({ users: [{ userPrincipalName: 'a@contoso.example', displayName: 'A', photo: '' }] }),
      '/tenants/0/users/0/photo',
      ['fewer than 1 characters'],
    ],
  ];
  for (const [name, fixtures, pointer, mentions] of cases) {
    it(`refuses ${name} at ${pointer || '/'}`, () => refused(fixtures, pointer, mentions));
  }

  it('reports the deepest problem when there are several', async () => {
    const fixtures = {
      tenants: [
        {
          name: 'contoso',
          extra: true,
          users: [{ userPrincipalName: 'a@contoso.example', displayName: 'A', id: 'nope' }],
        },
      ],
    };
    await refused(fixtures, '/tenants/0/users/0/id', ['GUID']);
  });
});

describe('fixtures that mean something impossible', () => {
  const cases: [string, unknown, string, string[]][] = [
    [
      'a tenant name used twice (any case)',
      { tenants: [{ name: 'contoso' }, { name: 'Contoso' }] },
      '/tenants/1/name',
      ["the tenant 'Contoso'", '/tenants/0/name'],
    ],
    [
      'a tenant id used twice',
      {
        tenants: [
          { name: 'contoso', id: GUID },
          { name: 'fabrikam', id: GUID.toUpperCase() },
        ],
      },
      '/tenants/1/id',
      ['/tenants/0/id'],
    ],
    [
      'a userPrincipalName used twice (any case)',
      tenantWith({
        users: [
          { userPrincipalName: 'adele@contoso.example', displayName: 'Adele' },
          { userPrincipalName: 'megan@contoso.example', displayName: 'Megan' },
          { userPrincipalName: 'ADELE@contoso.example', displayName: 'Adele again' },
        ],
      }),
      '/tenants/0/users/2/userPrincipalName',
      ["'ADELE@contoso.example'", '/tenants/0/users/0/userPrincipalName'],
    ],
    [
      'a user id used twice',
      tenantWith({
        users: [
          { userPrincipalName: 'adele@contoso.example', displayName: 'Adele', id: GUID },
          { userPrincipalName: 'megan@contoso.example', displayName: 'Megan', id: GUID },
        ],
      }),
      '/tenants/0/users/1/id',
      ['/tenants/0/users/0/id'],
    ],
    [
      'a group displayName used twice',
      tenantWith({ groups: [{ displayName: 'Sales' }, { displayName: 'sales' }] }),
      '/tenants/0/groups/1/displayName',
      ["the group 'sales'", '/tenants/0/groups/0/displayName'],
    ],
    [
      'an app name used twice',
      tenantWith({ apps: [{ name: 'photo-sync' }, { name: 'reader' }, { name: 'Photo-Sync' }] }),
      '/tenants/0/apps/2/name',
      ["the app 'Photo-Sync'", '/tenants/0/apps/0/name'],
    ],
    [
      'an unknown directory role',
      tenantWith({
        users: [
          {
            userPrincipalName: 'adele@contoso.example',
            displayName: 'Adele',
            roles: ['User Administrator', DIRECTORY_ROLES.globalReader.templateId, 'Chief Photographer'],
          },
        ],
      }),
      '/tenants/0/users/0/roles/2',
      ["unknown directory role 'Chief Photographer'", 'User Administrator'],
    ],
    [
      'an unknown application permission',
      tenantWith({ apps: [{ name: 'sync', roles: ['ProfilePhoto.Read.All', 'Photo.Everything'] }] }),
      '/tenants/0/apps/0/roles/1',
      ["'Photo.Everything' is not an application permission", 'ProfilePhoto.ReadWrite.All'],
    ],
    [
      'a delegated-only permission as an app role',
      tenantWith({ apps: [{ name: 'sync', roles: ['User.Read'] }] }),
      '/tenants/0/apps/0/roles/0',
      ["'User.Read' is not an application permission"],
    ],
    [
      'an unknown delegated scope',
      tenantWith({ apps: [{ name: 'sync', scopes: ['User.Read', 'Mind.Read'] }] }),
      '/tenants/0/apps/0/scopes/1',
      ["'Mind.Read' is not a delegated permission"],
    ],
    [
      'a public client with a secret',
      tenantWith({
        apps: [{ name: 'spa', publicClient: true, clientSecret: 'a-fixed-secret-of-32-characters!' }],
      }),
      '/tenants/0/apps/0/clientSecret',
      ['a public client has no secret'],
    ],
    [
      'a password shorter than 8 characters',
      tenantWith({
        users: [{ userPrincipalName: 'a@contoso.example', displayName: 'A', password: 'short' }],
      }),
      '/tenants/0/users/0/password',
      ['at least 8 characters'],
    ],
    [
      'a fault share above 1',
      tenantWith({ settings: { faults: '429=0.1 503=2' } }),
      '/tenants/0/settings/faults',
      ["the share in '503=2' must be a number from 0 to 1"],
    ],
    [
      'a fault that does not exist',
      tenantWith({ settings: { faults: '418=0.5' } }),
      '/tenants/0/settings/faults',
      ["'418=0.5' is not a fault"],
    ],
    [
      'fault shares adding up to more than 1',
      tenantWith({ settings: { faults: '429=0.6 503=0.6' } }),
      '/tenants/0/settings/faults',
      ['add up to more than 1'],
    ],
    [
      'a CORS origin with a path',
      tenantWith({ settings: { corsOrigins: ['https://app.contoso.com', 'https://spa.contoso.com/app'] } }),
      '/tenants/0/settings/corsOrigins',
      ["'https://spa.contoso.com/app' is not an origin"],
    ],
  ];
  for (const [name, fixtures, pointer, mentions] of cases) {
    it(`refuses ${name} at ${pointer}`, () => refused(fixtures, pointer, mentions));
  }

  it('does not take the --faults prefix of the CLI message into the reason', async () => {
    await assert.rejects(
      loadFixtures(tenantWith({ settings: { faults: 'boom' } })),
      (error: FixtureError) => {
        assert.equal(error.reason.startsWith('--faults'), false, error.reason);
        return true;
      },
    );
  });
});

describe('fixture photos that cannot be read', () => {
  const withPhoto = (photo: string) =>
    tenantWith({ users: [{ userPrincipalName: 'adele@contoso.example', displayName: 'Adele', photo }] });
  const at = '/tenants/0/users/0/photo';

  it('refuses a photo file that does not exist, naming where it looked (baseDir for an object)', async () => {
    await refused(withPhoto('photos/adele.jpg'), at, ['no such file', join(dir, 'photos', 'adele.jpg')], dir);
  });

  it('looks for photo files next to the fixtures file when loaded from a path', async () => {
    const file = join(dir, 'suite', 'missing.json');
    writeFileSync(
      file,
      JSON.stringify(
        tenantWith({
          groups: [{ displayName: 'Sales', photo: 'photos/sales.png' }],
        }),
      ),
    );
    // The working directory and baseDir are elsewhere: only the file's own folder counts.
    await refused(file, '/tenants/0/groups/0/photo', [
      'no such file',
      join(dir, 'suite', 'photos', 'sales.png'),
    ]);
  });

  it('refuses a data: URL without a comma', () =>
    refused(withPhoto('data:image/png;base64'), at, ['data: URL']));

  it('refuses an empty data: URL', () =>
    refused(withPhoto('data:image/png;base64,'), at, ['the photo is empty']));

  it('refuses a data: URL with a broken percent escape as a FixtureError', {}, () =>
    refused(withPhoto('data:image/png,%zz'), at, ['data: URL']),
  );

  it('refuses an empty photo file', async () => {
    writeFileSync(join(dir, 'empty.jpg'), Buffer.alloc(0));
    await refused(withPhoto('empty.jpg'), at, ['the photo is empty']);
  });

  it('refuses a photo of more than 4 MiB and accepts one of exactly 4 MiB', async () => {
    const exact = handmadePng(64, 64, { padTo: MAX_PHOTO_BYTES });
    const over = handmadePng(64, 64, { padTo: MAX_PHOTO_BYTES + 1 });
    assert.equal(exact.length, 4 * 1024 * 1024);
    writeFileSync(join(dir, 'exact.png'), exact);
    writeFileSync(join(dir, 'over.png'), over);
    const loaded = await loadFixtures(withPhoto('exact.png'), dir);
    assert.equal(loaded.photos.get(at)?.length, MAX_PHOTO_BYTES);
    await refused(withPhoto('over.png'), at, [`${MAX_PHOTO_BYTES + 1} bytes`, `at most ${MAX_PHOTO_BYTES}`]);
    await refused(withPhoto(dataUrl(over)), at, [`${MAX_PHOTO_BYTES + 1} bytes`]);
  });

  it('names the photo of a contact and of a group by their own pointers', async () => {
    await refused(
      tenantWith({
        groups: [{ displayName: 'Sales', photo: dataUrl(bluePng) }],
        contacts: [
          { user: 'adele@contoso.example', displayName: 'Bob', photo: 'photos/bob.jpg' },
          { user: 'adele@contoso.example', displayName: 'Carol', photo: 'photos/carol.jpg' },
        ],
      }),
      '/tenants/0/contacts/1/photo',
      ['no such file'],
      join(dir, 'suite'),
    );
  });
});

describe('fixtures files', () => {
  it('refuses a fixtures file that does not exist, at the root pointer', async () => {
    const file = join(dir, 'nowhere.json');
    await refused(file, '', ['no fixtures file', file]);
  });

  it('refuses a fixtures file that is not JSON', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"tenants": [');
    await refused(file, '', ['is not JSON', file]);
  });
});

describe('good fixtures', () => {
  it('reads photos from data: URLs and from files relative to the fixtures file', async () => {
    const fixtures = {
      $schema: 'https://portrait.dev/fixtures.schema.json',
      tenants: [
        {
          name: 'contoso',
          id: GUID,
          settings: {
            avatars: 'public',
            missingPhotoMetadata: 'placeholder',
            corsOrigins: ['https://app.contoso.com'],
            faults: '429=0.1 503=0.05 delay=200ms seed=7',
          },
          users: [
            {
              userPrincipalName: 'adele@contoso.example',
              displayName: 'Adele Vance',
              mail: 'adele@contoso.example',
              roles: ['User Administrator'],
              password: 'correct horse battery staple',
              photo: 'photos/adele.jpg',
            },
            { userPrincipalName: 'megan@contoso.example', displayName: 'Megan Bowen' },
          ],
          groups: [
            {
              displayName: 'Sales',
              owners: ['adele@contoso.example'],
              members: ['megan@contoso.example'],
              team: true,
              photo: dataUrl(bluePng),
            },
          ],
          contacts: [
            {
              user: 'adele@contoso.example',
              folder: 'Friends',
              displayName: 'Bob',
              email: 'bob@example.com',
              photo: 'photos/bob.jpg',
            },
          ],
          apps: [
            {
              name: 'photo-sync',
              roles: ['ProfilePhoto.ReadWrite.All'],
              granted: true,
              clientSecret: 'a-fixed-secret-of-32-characters!',
            },
          ],
        },
      ],
    };
    const file = join(dir, 'suite', 'fixtures.json');
    writeFileSync(file, JSON.stringify(fixtures));

    const fromFile = await loadFixtures(file, join(dir, 'elsewhere'));
    assert.deepEqual(fromFile.fixtures, fixtures);
    assert.deepEqual([...fromFile.photos.keys()].sort(), [
      '/tenants/0/contacts/0/photo',
      '/tenants/0/groups/0/photo',
      '/tenants/0/users/0/photo',
    ]);
    assert.ok(fromFile.photos.get('/tenants/0/users/0/photo')!.equals(redJpeg), 'the file, byte for byte');
    assert.ok(fromFile.photos.get('/tenants/0/groups/0/photo')!.equals(bluePng), 'the data: URL, decoded');
    assert.ok(fromFile.photos.get('/tenants/0/contacts/0/photo')!.equals(greenJpeg));

    // The same fixtures as an object find their files from baseDir.
    const fromObject = await loadFixtures(fixtures, join(dir, 'suite'));
    assert.deepEqual([...fromObject.photos.entries()], [...fromFile.photos.entries()]);
  });

  it('finds the photo files of an object from the working directory when no baseDir is given', async () => {
    const photo = relative(process.cwd(), join(dir, 'suite', 'photos', 'adele.jpg'));
    const loaded = await loadFixtures(
      tenantWith({ users: [{ userPrincipalName: 'a@contoso.example', displayName: 'A', photo }] }),
    );
    assert.ok(loaded.photos.get('/tenants/0/users/0/photo')!.equals(redJpeg));
  });

  it('decodes a percent-encoded data: URL byte for byte, as well as base64', {}, async () => {
    const encoded = `data:image/png,${[...bluePng].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`;
    const loaded = await loadFixtures(
      tenantWith({ users: [{ userPrincipalName: 'a@contoso.example', displayName: 'A', photo: encoded }] }),
    );
    assert.ok(loaded.photos.get('/tenants/0/users/0/photo')!.equals(bluePng));
  });

  it('accepts tenants with nothing but a name, and roles by template id', async () => {
    const loaded = await loadFixtures({
      tenants: [
        { name: 'empty' },
        {
          name: 'fabrikam',
          users: [
            {
              userPrincipalName: 'admin@fabrikam.example',
              displayName: 'Admin',
              roles: [DIRECTORY_ROLES.globalAdministrator.templateId, 'global reader'],
            },
          ],
        },
      ],
    });
    assert.equal(loaded.fixtures.tenants.length, 2);
    assert.equal(loaded.photos.size, 0);
  });
});

describe('unknown keys (property)', () => {
  // Where a key can go, the keys known there, and fixtures with `key` added at that place.
  const places: [string, string[], (key: string) => unknown][] = [
    ['', ['$schema', 'tenants'], (key) => ({ tenants: [], [key]: 1 })],
    [
      '/tenants/0',
      ['name', 'id', 'settings', 'users', 'groups', 'contacts', 'apps'],
      (key) => ({
        tenants: [{ name: 'contoso', [key]: 1 }],
      }),
    ],
    [
      '/tenants/0/settings',
      ['avatars', 'missingPhotoMetadata', 'corsOrigins', 'faults'],
      (key) => tenantWith({ settings: { avatars: 'off', [key]: 'x' } }),
    ],
    [
      '/tenants/0/users/0',
      [
        'userPrincipalName',
        'displayName',
        'id',
        'mail',
        'givenName',
        'surname',
        'jobTitle',
        'accountEnabled',
        'roles',
        'password',
        'photo',
      ],
      (key) =>
        tenantWith({ users: [{ userPrincipalName: 'a@contoso.example', displayName: 'A', [key]: null }] }),
    ],
    [
      '/tenants/0/groups/0',
      ['displayName', 'id', 'description', 'mail', 'owners', 'members', 'team', 'photo'],
      (key) => tenantWith({ groups: [{ displayName: 'Sales', [key]: [] }] }),
    ],
    [
      '/tenants/0/contacts/0',
      ['user', 'folder', 'displayName', 'givenName', 'surname', 'email', 'id', 'photo'],
      (key) => tenantWith({ contacts: [{ user: 'adele@contoso.example', displayName: 'Bob', [key]: {} }] }),
    ],
    [
      '/tenants/0/apps/0',
      ['name', 'roles', 'granted', 'scopes', 'clientSecret', 'redirectUris', 'publicClient'],
      (key) => tenantWith({ apps: [{ name: 'sync', [key]: true }] }),
    ],
  ];

  it('refuses any key the schema does not know, anywhere, naming it in the pointer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...places),
        fc.stringMatching(/^[A-Za-z0-9_$.@-]{1,20}$/),
        async ([place, known, build], key) => {
          fc.pre(!known.includes(key) && key !== '__proto__');
          await refused(build(key), `${place}/${key}`, [`unknown key '${key}'`, ...known]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('escapes / and ~ in an unknown key as a JSON pointer does (RFC 6901)', {}, async () => {
    await refused({ tenants: [{ name: 'contoso', 'photo/url': 1 }] }, '/tenants/0/photo~1url', [
      "'photo/url'",
    ]);
    await refused({ tenants: [{ name: 'contoso', 'a~b': 1 }] }, '/tenants/0/a~0b', ["'a~b'"]);
  });
});
