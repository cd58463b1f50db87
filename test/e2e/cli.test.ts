// The CLI contract of SPEC §1, with the real command in child processes against a real server
// on the same store: what scripts and outside test suites rely on.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { noiseJpeg } from '../support/images.js';
import { portrait, portraitJson, type ServeProcess, serve } from '../support/cli.js';

let dataDir: string;
let server: ServeProcess;
let agent: Agent;

async function call(method: string, path: string, token: string, body?: Buffer) {
  const response = await request(`${server.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'image/jpeg' } : {}) },
    ...(body ? { body } : {}),
    dispatcher: agent,
  });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, bytes, json: () => JSON.parse(bytes.toString()) };
}

const store = () => ['--data', dataDir];

/** A token from `portrait token` for a user (`--user`, `--scopes`) or an app (`--app`, `--roles`). */
async function cliToken(tenant: string, ...subject: string[]): Promise<string> {
  const minted = await portrait(['token', ...store(), '--tenant', tenant, ...subject]);
  assert.equal(minted.code, 0, minted.stderr);
  return minted.stdout.trim();
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'portrait-cli-'));
  server = await serve(['--port', '0', ...store(), '--log-level', 'warn']);
  agent = new Agent({ connect: { ca: readFileSync(join(dataDir, 'tls', 'ca.pem')) } });
});

after(async () => {
  await agent.close();
  assert.equal(await server.stop(), 0, 'serve exits cleanly on SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('portrait serve', () => {
  it('prints the URL it listens on, over HTTPS with its CA in data/tls/ca.pem', async () => {
    assert.match(server.url, /^https:\/\/localhost:\d+$/);
    const health = await request(`${server.url}/healthz`, { dispatcher: agent });
    assert.equal(health.statusCode, 200);
    await health.body.dump();
  });

  it('creates the demo tenant in an empty store, with photos to read', async () => {
    const token = (
      await portrait(['token', ...store(), '--tenant', 'contoso', '--user', 'megan@contoso.onmicrosoft.com'])
    ).stdout.trim();
    const photo = await call('GET', '/v1.0/me/photo', token);
    assert.equal(photo.status, 200);
    assert.equal(photo.json().id, '648X648');
  });
});

describe('directory commands with --json, while the server runs on the same store', () => {
  let tenant: { id: string; name: string };
  let admin: { id: string; userPrincipalName: string };
  let lee: { id: string; userPrincipalName: string };

  before(async () => {
    tenant = await portraitJson(['tenant', 'create', 'fabrikam', ...store()]);
    admin = await portraitJson([
      'user',
      'create',
      ...store(),
      '--tenant',
      tenant.id,
      '--upn',
      'admin@fabrikam.example',
      '--name',
      'Ada Admin',
      '--role',
      'User Administrator',
    ]);
    lee = await portraitJson([
      'user',
      'create',
      ...store(),
      '--tenant',
      'FABRIKAM',
      '--upn',
      'lee@fabrikam.example',
      '--name',
      'Lee Gu',
    ]);
  });

  it('tenant create prints the tenant', () => {
    assert.match(tenant.id, /^[0-9a-f-]{36}$/);
    assert.equal(tenant.name, 'fabrikam');
  });

  it('user create prints the user with its roles', () => {
    assert.equal(admin.userPrincipalName, 'admin@fabrikam.example');
    assert.deepEqual((admin as any).directoryRoles, [
      { displayName: 'User Administrator', roleTemplateId: 'fe930be7-5e62-47db-91af-98c3a49a38b1' },
    ]);
  });

  it('group create makes groups and teams with owners and members', async () => {
    const team = await portraitJson([
      'group',
      'create',
      ...store(),
      '--tenant',
      'fabrikam',
      '--name',
      'Sales',
      '--owner',
      'lee@fabrikam.example',
      '--member',
      lee.id,
      '--member',
      'admin@fabrikam.example',
      '--team',
    ]);
    assert.deepEqual(team.owners, [lee.id]);
    assert.deepEqual(team.members, [lee.id, admin.id]);
    assert.deepEqual(team.resourceProvisioningOptions, ['Team']);
    const token = await cliToken(
      'fabrikam',
      '--user',
      'lee@fabrikam.example',
      '--scopes',
      'TeamSettings.ReadWrite.All',
    );
    const put = await call('PUT', `/v1.0/teams/${team.id}/photo/$value`, token, await noiseJpeg(300, 300));
    assert.equal(put.status, 204);
  });

  it('contact create puts contacts in folders, and tokens from `portrait token` reach them', async () => {
    const contact = await portraitJson([
      'contact',
      'create',
      ...store(),
      '--tenant',
      'fabrikam',
      '--user',
      'lee@fabrikam.example',
      '--folder',
      'Suppliers',
      '--name',
      'Isaiah Langer',
      '--email',
      'isaiah@northwind.example',
    ]);
    assert.match(contact.parentFolderId, /^[0-9a-f-]{36}$/);
    const token = await cliToken('fabrikam', '--user', lee.id, '--scopes', 'Contacts.ReadWrite');
    const path = `/v1.0/me/contactfolders/${contact.parentFolderId}/contacts/${contact.id}/photo/$value`;
    assert.equal((await call('PUT', path, token, await noiseJpeg(200, 200))).status, 200);
    assert.equal((await call('GET', path, token)).status, 200);
  });

  it('token prints only a token, delegated or app-only, that the server accepts', async () => {
    const delegated = await portrait([
      'token',
      ...store(),
      '--tenant',
      'fabrikam',
      '--user',
      'admin@fabrikam.example',
      '--scopes',
      'User.ReadWrite ProfilePhoto.ReadWrite.All',
    ]);
    assert.equal(delegated.code, 0);
    assert.match(delegated.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const put = await call(
      'PUT',
      `/v1.0/users/${lee.userPrincipalName}/photo/$value`,
      delegated.stdout.trim(),
      await noiseJpeg(120, 120),
    );
    assert.equal(put.status, 200, "a User Administrator writes another user's photo");
    const app = await portrait([
      'token',
      ...store(),
      '--tenant',
      tenant.id,
      '--app',
      'sync',
      '--roles',
      'ProfilePhoto.Read.All',
      '--expires',
      '15m',
    ]);
    assert.equal(app.code, 0);
    const read = await call('GET', `/beta/users/${lee.id}/photos`, app.stdout.trim());
    assert.equal(read.status, 200);
    assert.equal(read.json().value.length, 4);
    const claims = JSON.parse(Buffer.from(app.stdout.split('.')[1]!, 'base64url').toString());
    assert.deepEqual(claims.roles, ['ProfilePhoto.Read.All']);
    assert.equal(claims.idtyp, 'app');
    assert.ok(claims.exp - claims.iat === 900);
  });

  it('user delete removes the user and their photo', async () => {
    const gone = await portraitJson([
      'user',
      'create',
      ...store(),
      '--tenant',
      'fabrikam',
      '--upn',
      'gone@fabrikam.example',
      '--name',
      'Gone',
    ]);
    const token = await cliToken('fabrikam', '--app', 'sync', '--roles', 'ProfilePhoto.ReadWrite.All');
    assert.equal(
      (await call('PUT', `/v1.0/users/${gone.id}/photo/$value`, token, await noiseJpeg(100, 100))).status,
      200,
    );
    assert.equal((await portrait(['user', 'delete', ...store(), '--tenant', 'fabrikam', gone.id])).code, 0);
    assert.equal((await call('GET', `/v1.0/users/${gone.id}/photo/$value`, token)).status, 404);
  });
});

describe('identity commands', () => {
  const tokenFor = async (appId: string, secret: string) => {
    const response = await request(`${server.url}/fabrikam/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: appId,
        client_secret: secret,
        scope: 'https://graph.microsoft.com/.default',
      }).toString(),
      dispatcher: agent,
    });
    const body = (await response.body.json()) as { access_token: string };
    return JSON.parse(Buffer.from(body.access_token.split('.')[1]!, 'base64url').toString()) as {
      roles?: string[];
    };
  };

  it('app create prints a client id and a secret once; grant and revoke change what its tokens carry', async () => {
    const created = await portraitJson([
      'app',
      'create',
      ...store(),
      '--tenant',
      'fabrikam',
      '--name',
      'hr-sync',
      '--roles',
      'ProfilePhoto.ReadWrite.All User.Read.All',
    ]);
    assert.match(created.appId, /^[0-9a-f-]{36}$/);
    assert.equal(typeof created.clientSecret, 'string');
    assert.deepEqual(created.grantedRoles, []);
    assert.equal((await tokenFor(created.appId, created.clientSecret)).roles, undefined);

    const granted = await portraitJson([
      'app',
      'grant',
      ...store(),
      '--tenant',
      'fabrikam',
      '--app',
      'hr-sync',
      '--roles',
      'ProfilePhoto.ReadWrite.All',
    ]);
    assert.deepEqual(granted.grantedRoles, ['ProfilePhoto.ReadWrite.All']);
    assert.deepEqual((await tokenFor(created.appId, created.clientSecret)).roles, [
      'ProfilePhoto.ReadWrite.All',
    ]);

    const listed = await portraitJson(['app', 'list', ...store(), '--tenant', 'fabrikam']);
    assert.equal(
      JSON.stringify(listed).includes(created.clientSecret),
      false,
      'secrets are never shown again',
    );

    await portraitJson(['app', 'revoke', ...store(), '--tenant', 'fabrikam', '--app', created.appId]);
    assert.equal((await tokenFor(created.appId, created.clientSecret)).roles, undefined);
    const unknown = await portrait([
      'app',
      'create',
      ...store(),
      '--tenant',
      'fabrikam',
      '--name',
      'x',
      '--roles',
      'Photos.Everything',
    ]);
    assert.equal(unknown.code, 2);
  });

  it('keys rotate switches the signing key while the server runs; older tokens keep working', async () => {
    const mint = () => cliToken('fabrikam', '--app', 'sync', '--roles', 'ProfilePhoto.Read.All');
    const before = await mint();
    const rotated = await portraitJson(['keys', 'rotate', ...store()]);
    assert.equal(rotated.retired.length, 1);
    const after = await mint();
    const kid = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
    assert.equal(kid(after), rotated.kid);
    assert.notEqual(kid(before), rotated.kid);
    for (const token of [before, after]) {
      assert.equal((await call('GET', '/v1.0/users/lee@fabrikam.example/photos', token)).status, 200);
    }
    const keys = await portraitJson(['keys', 'list', ...store()]);
    assert.deepEqual(
      keys.value.map((k: { retiredAt: string | null }) => k.retiredAt === null),
      [false, true],
    );
  });

  it('user set-password reads the password from stdin; tenants can be personal or B2C', async () => {
    const setPassword = ['user', 'set-password', ...store(), '--tenant', 'fabrikam', 'lee@fabrikam.example'];
    const set = await portrait([...setPassword, '--password-stdin'], { input: 'a long enough password\n' });
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await portrait([...setPassword, '--password', 'short'])).code, 2);

    const personal = await portraitJson(['tenant', 'create', 'consumers', '--personal', ...store()]);
    assert.equal(personal.id, '9188040d-6c67-4c5b-b112-36a304b66dad');
    const b2c = await portraitJson(['tenant', 'create', 'woodgrove-b2c', '--b2c', ...store()]);
    assert.equal(b2c.settings.b2c, true);
    await portraitJson([
      'user',
      'create',
      ...store(),
      '--tenant',
      b2c.id,
      '--upn',
      'ann@woodgrove.example',
      '--name',
      'Ann',
    ]);
    const token = await cliToken(b2c.id, '--user', 'ann@woodgrove.example', '--scopes', 'User.ReadWrite');
    const refused = await call('PUT', '/v1.0/me/photo/$value', token, await noiseJpeg(100, 100));
    assert.equal(refused.status, 400);
    assert.equal(refused.json().error.code, 'NotSupported');
    assert.equal((await call('GET', '/v1.0/me/photo', token)).json().error.code, 'NotSupported');
  });
});

describe('user import', () => {
  it('imports a CSV with groups, reports bad rows by line, and is harmless to run again', async () => {
    const csv = join(dataDir, 'people.csv');
    writeFileSync(
      csv,
      [
        'userPrincipalName,displayName,jobTitle,roles,groups',
        'ann@fabrikam.example,Ann Archer,Buyer,,Buyers;Everyone',
        'bo@fabrikam.example,Bo Brand,,User Administrator,Everyone',
        'not-an-upn,Nobody,,,',
        'cy@fabrikam.example,Cy Cole,,,',
      ].join('\n'),
    );
    const first = await portrait(['user', 'import', ...store(), '--tenant', 'fabrikam', csv, '--json']);
    assert.equal(first.code, 1, 'a failed row makes the run fail');
    const report = JSON.parse(first.stdout);
    assert.equal(report.created, 3);
    assert.equal(report.groupsCreated, 2);
    assert.deepEqual(
      report.failed.map((f: { row: number }) => f.row),
      [4],
    );
    assert.match(report.failed[0].error, /userPrincipalName/);

    const again = JSON.parse(
      (await portrait(['user', 'import', ...store(), '--tenant', 'fabrikam', csv, '--json'])).stdout,
    );
    assert.deepEqual([again.created, again.updated, again.unchanged, again.groupsCreated], [0, 0, 3, 0]);

    const json = join(dataDir, 'people.json');
    writeFileSync(
      json,
      JSON.stringify([
        {
          userPrincipalName: 'ann@fabrikam.example',
          displayName: 'Ann Archer',
          jobTitle: 'Head buyer',
          groups: ['Buyers'],
        },
      ]),
    );
    const changed = await portrait(['user', 'import', ...store(), '--tenant', 'fabrikam', json]);
    assert.equal(changed.code, 0);
    assert.match(changed.stdout, /created 0, updated 1, unchanged 0, failed 0/);

    const token = await cliToken('fabrikam', '--app', 'reader', '--roles', 'User.Read.All Group.Read.All');
    const ann = (await call('GET', '/v1.0/users/ann@fabrikam.example', token)).json();
    assert.equal(ann.jobTitle, 'Head buyer');
    const groups = (
      await call('GET', `/v1.0/users/${ann.id}/joinedGroups?$select=displayName`, token)
    ).json();
    assert.deepEqual(groups.value.map((g: { displayName: string }) => g.displayName).sort(), [
      'Buyers',
      'Everyone',
    ]);
  });
});

describe('list commands', () => {
  it('list users, groups and contacts, as {"value": [...]} with --json', async () => {
    const users = await portraitJson(['user', 'list', ...store(), '--tenant', 'fabrikam']);
    assert.ok(
      users.value.some((u: { userPrincipalName: string }) => u.userPrincipalName === 'lee@fabrikam.example'),
    );
    const groups = await portraitJson(['group', 'list', ...store(), '--tenant', 'fabrikam']);
    assert.ok(
      groups.value.some(
        (g: { displayName: string; isTeam: boolean }) => g.displayName === 'Sales' && g.isTeam,
      ),
    );
    const leesContacts = [
      'contact',
      'list',
      ...store(),
      '--tenant',
      'fabrikam',
      '--user',
      'lee@fabrikam.example',
    ];
    const contacts = await portraitJson(leesContacts);
    assert.deepEqual(
      contacts.value.map((c: { displayName: string }) => c.displayName),
      ['Isaiah Langer'],
    );
    const inFolder = await portrait([...leesContacts, '--folder', 'suppliers']);
    assert.match(inFolder.stdout, /^[0-9a-f-]{36}\tIsaiah Langer\n$/);
    const users200 = await portrait(['user', 'list', ...store(), '--tenant', 'contoso']);
    assert.equal(users200.stdout.trim().split('\n').length, 5, 'one line per user without --json');
  });
});

describe('portrait token', () => {
  const mint = (...args: string[]) => portrait(['token', ...store(), '--tenant', 'fabrikam', ...args]);

  it('--json prints one JSON object with the token and when it expires', async () => {
    const result = await mint(
      '--app',
      'sync',
      '--roles',
      'ProfilePhoto.Read.All',
      '--expires',
      '10m',
      '--json',
    );
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout);
    assert.deepEqual(Object.keys(printed), ['accessToken', 'tokenType', 'expiresOn', 'tenantId']);
    assert.equal(printed.tokenType, 'Bearer');
    const claims = JSON.parse(Buffer.from(printed.accessToken.split('.')[1], 'base64url').toString());
    assert.equal(Date.parse(printed.expiresOn) / 1000, claims.exp);
  });

  it('refuses permission names Graph does not have, unless --allow-unknown', async () => {
    for (const args of [
      ['--user', 'lee@fabrikam.example', '--scopes', 'User.Raed'],
      ['--app', 'sync', '--roles', 'Foo.Bar'],
      // User.Read has no application form.
      ['--app', 'sync', '--roles', 'User.Read'],
    ]) {
      const refused = await mint(...args);
      assert.equal(refused.code, 2, args.join(' '));
      assert.equal(refused.stdout, '');
      assert.match(refused.stderr, /^error: '[\w.]+' is not an? \w+ permission .*; use one of .*User\.Read/);
    }
    const allowed = await mint('--app', 'sync', '--roles', 'Foo.Bar', '--allow-unknown');
    assert.equal(allowed.code, 0, allowed.stderr);
    const claims = JSON.parse(Buffer.from(allowed.stdout.split('.')[1]!, 'base64url').toString());
    assert.deepEqual(claims.roles, ['Foo.Bar']);
  });
});

describe('exit codes and messages', () => {
  /** One line on stderr, nothing on stdout: what a person sees when a command fails. */
  const oneLine = (result: { stdout: string; stderr: string }) => {
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^error: [^\n]+\n$/);
  };

  it('is 2 for usage errors, with one line saying what was wrong', async () => {
    const cases = [
      ['token', ...store(), '--tenant', 'fabrikam'],
      ['token', ...store(), '--tenant', 'fabrikam', '--user', 'a', '--app', 'b'],
      ['token', ...store(), '--tenant', 'fabrikam', '--app', 'b', '--expires', 'soon'],
      ['token', ...store(), '--tenant', 'fabrikam', '--user', 'a', '--roles', 'User.Read.All'],
      [
        'user',
        'create',
        ...store(),
        '--tenant',
        'fabrikam',
        '--upn',
        'x@y',
        '--name',
        'X',
        '--role',
        'Supreme Leader',
      ],
      ['tenant', 'create'],
      ['serve', '--port', 'eighty'],
      ['serve', ...store(), '--throttle', 'bogus'],
      ['serve', ...store(), '--throttle', 'tenant=lots'],
      ['serve', ...store(), '--trust-issuer', 'not a url foo=bar'],
      ['serve', ...store(), '--tls-cert', 'x.pem'],
      ['serve', ...store(), '--log-level', 'loud'],
      ['no-such-command'],
    ];
    // None of them gets as far as writing, so they run side by side: the CLI's start-up is the cost.
    const [fromEnv, ...results] = await Promise.all([
      portrait(['serve', ...store()], { env: { PORTRAIT_THROTTLE: 'bogus' } }),
      ...cases.map((args) => portrait(args)),
    ]);
    cases.forEach((args, i) => {
      assert.equal(results[i]!.code, 2, `${args.join(' ')}: ${results[i]!.stderr}`);
      oneLine(results[i]!);
    });
    assert.equal(fromEnv!.code, 2);
    assert.match(fromEnv!.stderr, /PORTRAIT_THROTTLE/);
  });

  it('is 1 for failures, in plain words; 0 for --help', async () => {
    const missing = await portrait(['token', ...store(), '--tenant', 'nowhere', '--app', 'x']);
    assert.equal(missing.code, 1);
    oneLine(missing);
    assert.match(missing.stderr, /no tenant 'nowhere'; npx portrait tenant list shows the tenants/);
    const nobody = await portrait(['token', ...store(), '--tenant', 'fabrikam', '--user', 'nobody@x']);
    assert.match(nobody.stderr, /no user 'nobody@x' in tenant fabrikam/);
    const fabrikam = await portraitJson(['tenant', 'list', ...store()]).then((t) =>
      t.value.find((x: { name: string }) => x.name === 'fabrikam'),
    );
    const duplicate = await portrait(['tenant', 'create', 'FABRIKAM', ...store()]);
    assert.equal(duplicate.code, 1);
    oneLine(duplicate);
    assert.match(duplicate.stderr, new RegExp(`tenant 'fabrikam' \\(id ${fabrikam.id}\\) already exists`));
    const noCert = await portrait([
      'serve',
      ...store(),
      '--port',
      '0',
      '--tls-cert',
      'no.pem',
      '--tls-key',
      'no.pem',
    ]);
    assert.equal(noCert.code, 1);
    oneLine(noCert);
    assert.match(noCert.stderr, /cannot read no\.pem: no such file or directory/);
    assert.equal((await portrait(['--help'])).code, 0);
    assert.equal((await portrait(['user', 'create', '--help'])).code, 0);
  });
});
