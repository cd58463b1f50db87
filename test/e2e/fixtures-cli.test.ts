// `portrait fixtures apply FILE` (SPEC §11) in a child process, as a test suite's setup script runs
// it: counts on stdout (--json), nothing to do the second time, and a mistake in the file is a
// usage error (exit 2) naming its JSON pointer, with nothing written.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { openStore } from '../../src/store/open-store.js';
import { portrait, portraitJson } from '../support/cli.js';
import { BLUE, RED, solid } from '../support/images.js';

let dir: string;
let data: string;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const fixtures = {
  tenants: [
    {
      name: 'contoso',
      users: [
        {
          userPrincipalName: 'adele@contoso.example',
          displayName: 'Adele Vance',
          roles: ['User Administrator'],
          photo: 'photos/adele.jpg',
        },
        { userPrincipalName: 'megan@contoso.example', displayName: 'Megan Bowen' },
      ],
      groups: [
        {
          displayName: 'Sales',
          team: true,
          owners: ['adele@contoso.example'],
          members: ['megan@contoso.example'],
          photo: 'photos/sales.png',
        },
      ],
      contacts: [{ user: 'adele@contoso.example', folder: 'Friends', displayName: 'Bob Kelly' }],
      apps: [
        {
          name: 'photo-sync',
          roles: ['ProfilePhoto.ReadWrite.All'],
          granted: true,
          clientSecret: 'cli-fixed-secret-0123456789abcdef',
        },
      ],
    },
  ],
};

/** Writes `content` as a fixtures file in the test folder; returns its path. */
function fixturesFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const tenantNames = async (dataDir: string) =>
  ((await portraitJson(['tenant', 'list', '--data', dataDir])).value as { name: string }[]).map(
    (t) => t.name,
  );

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portrait-fixtures-cli-'));
  data = join(dir, 'data');
  mkdirSync(join(dir, 'photos'));
  writeFileSync(join(dir, 'photos', 'adele.jpg'), await solid(96, 96, RED).jpeg().toBuffer());
  writeFileSync(join(dir, 'photos', 'sales.png'), await solid(96, 96, BLUE).png().toBuffer());
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('portrait fixtures apply', () => {
  let first: { tenants: { id: string; name: string }[]; created: number; changed: number; unchanged: number };

  it('applies a fixtures file and prints the counts with --json', async () => {
    const file = fixturesFile('fixtures.json', fixtures);
    // Run from another directory: photo paths are relative to the file, not the working directory.
    const result = await portrait(['fixtures', 'apply', file, '--data', data, '--json']);
    assert.equal(result.code, 0, result.stderr);
    first = JSON.parse(result.stdout);
    assert.equal(first.tenants.length, 1);
    assert.equal(first.tenants[0]!.name, 'contoso');
    assert.match(first.tenants[0]!.id, GUID);
    // tenant + 2 users + 1 group + 1 contact + 1 app
    assert.deepEqual(
      { created: first.created, changed: first.changed, unchanged: first.unchanged },
      { created: 6, changed: 0, unchanged: 0 },
    );

    const store = await openStore(`sqlite:${join(data, 'portrait.db')}`);
    try {
      const tenant = (await store.directory.findTenant('contoso'))!;
      const adele = (await store.directory.findUser(tenant.id, 'adele@contoso.example'))!;
      const photo = await store.photos.readPhotoSet(tenant.id, adele.id);
      assert.ok(photo, "adele's photo is stored");
      const megan = (await store.directory.findUser(tenant.id, 'megan@contoso.example'))!;
      assert.equal(await store.photos.readPhotoSet(tenant.id, megan.id), undefined, 'megan has none');
    } finally {
      await store.close();
    }
  });

  it('prints created 0 and changed 0 when run again', async () => {
    const again = await portraitJson(['fixtures', 'apply', join(dir, 'fixtures.json'), '--data', data]);
    assert.deepEqual(again, { tenants: first.tenants, created: 0, changed: 0, unchanged: 6, photos: 0 });
  });

  it('says the same in words without --json', async () => {
    const result = await portrait(['fixtures', 'apply', join(dir, 'fixtures.json'), '--data', data]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      `contoso\t${first.tenants[0]!.id}\n0 created, 0 changed, 6 unchanged; 0 photos stored\n`,
    );
  });

  it('gives the app the client id `portrait token --app` uses', async () => {
    const apps = (await portraitJson(['app', 'list', '--data', data, '--tenant', 'contoso'])).value as {
      appId: string;
      displayName: string;
    }[];
    const registered = apps.find((a) => a.displayName === 'photo-sync');
    assert.ok(registered, JSON.stringify(apps));
    const token = await portrait(['token', '--data', data, '--tenant', 'contoso', '--app', 'photo-sync']);
    assert.equal(token.code, 0, token.stderr);
    assert.equal(decodeJwt(token.stdout.trim())['appid'], registered.appId);
  });

  it('refuses a bad file with exit 2, naming the JSON pointer, and writes nothing', async () => {
    const fresh = join(dir, 'fresh-data');
    const bad = fixturesFile('bad.json', {
      tenants: [
        { name: 'fabrikam' },
        {
          name: 'northwind',
          users: [{ userPrincipalName: 'nancy@northwind.example', displayName: 'N', nick: 'n' }],
        },
      ],
    });
    const result = await portrait(['fixtures', 'apply', bad, '--data', fresh, '--json']);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /\/tenants\/1\/users\/0\/nick: unknown key 'nick'/);
    assert.ok(result.stderr.includes(bad), `stderr names the file: ${result.stderr}`);
    assert.deepEqual(await tenantNames(fresh), [], 'not even the good first tenant');
  });

  it('refuses a photo file that does not exist with exit 2 at its pointer', async () => {
    const file = fixturesFile('no-photo.json', {
      tenants: [
        {
          name: 'contoso',
          users: [{ userPrincipalName: 'adele@contoso.example', displayName: 'A', photo: 'photos/none.jpg' }],
        },
      ],
    });
    const result = await portrait(['fixtures', 'apply', file, '--data', data]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /\/tenants\/0\/users\/0\/photo: no such file/);
  });

  it('refuses a file that is not JSON, and one that does not exist, with exit 2', async () => {
    const broken = fixturesFile('broken.json', '{"tenants": [');
    const notJson = await portrait(['fixtures', 'apply', broken, '--data', data]);
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /is not JSON/);

    const missing = join(dir, 'missing.json');
    const result = await portrait(['fixtures', 'apply', missing, '--data', data, '--json']);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, '');
    assert.ok(result.stderr.includes(`no fixtures file ${missing}`), result.stderr);
  });

  it('refuses a member who is not in the tenant with exit 2 at /tenants/0/groups/0/members/N', async () => {
    const file = fixturesFile('stranger.json', {
      tenants: [
        {
          name: 'contoso',
          groups: [{ displayName: 'Sales', members: ['megan@contoso.example', 'stranger@fabrikam.example'] }],
        },
      ],
    });
    const result = await portrait(['fixtures', 'apply', file, '--data', data, '--json']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /\/tenants\/0\/groups\/0\/members\/1: no user 'stranger@fabrikam\.example'/);
  });
});
