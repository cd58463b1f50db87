// `portrait directory sync` and `portrait tenant update --ldap` (SPEC §13) in a child process, as an
// administrator or a cron job runs them: the JSON report, exit codes 0/1/2, one line for a failure
// that changes nothing, the settings kept on the tenant, and `directory status`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/open-store.js';
import { portrait, portraitJson, startPortrait } from '../support/cli.js';
import { solidJpeg } from '../support/images.js';
import { inetOrgPerson, type Slapd, SLAPD_MISSING, slapdAvailable, startSlapd } from '../support/slapd.js';

describe('portrait directory sync', { skip: slapdAvailable() ? false : SLAPD_MISSING }, () => {
  let ldap: Slapd;
  let data: string;
  let env: Record<string, string>;
  let connection: string[];

  before(async () => {
    ldap = await startSlapd();
    data = mkdtempSync(join(tmpdir(), 'portrait-ldap-cli-'));
    env = { LDAP_SYNC_PASSWORD: ldap.syncPassword };
    connection = ['--ldap', ldap.url, '--base-dn', ldap.peopleDn, '--bind-dn', ldap.syncDn];
    await ldap.addPeople(3, (i) =>
      inetOrgPerson(`c${i}`, { cn: `Person ${i}`, sn: 'P', mail: `c${i}@example.org` }),
    );
    await ldap.add(
      `uid=pic,${ldap.peopleDn}`,
      inetOrgPerson('pic', {
        cn: 'Pic',
        sn: 'P',
        mail: 'pic@example.org',
        jpegPhoto: await solidJpeg(120, 120),
      }).attributes,
    );
    await portraitJson(['tenant', 'create', 'fabrikam', '--data', data]);
  });
  after(async () => {
    await ldap?.stop();
    rmSync(data, { recursive: true, force: true });
  });

  const run = (args: string[], extraEnv: Record<string, string> = env) =>
    portrait(['directory', 'sync', '--tenant', 'fabrikam', '--data', data, ...args], { env: extraEnv });

  it('refuses options that cannot work with exit code 2', async () => {
    for (const [args, message] of [
      [['--ldap', 'https://dc1.example', '--base-dn', 'dc=x'], /starts with ldap:\/\/ or ldaps:\/\//],
      [[], /keeps no LDAP settings: give --ldap URL and --base-dn/],
      [['--ldap', ldap.url], /base-dn is missing/],
      [[...connection], /bind-dn needs bind-password-env/],
      [['--ldap', 'ldaps://dc1.example', '--base-dn', 'dc=x', '--starttls'], /starttls is for ldap:\/\//],
      [
        [...connection, '--bind-password-env', 'X', '--map', 'colour=favouriteColour'],
        /map: 'colour=favouriteColour'/,
      ],
    ] as [string[], RegExp][]) {
      const result = await run(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  it('says in one line why it could not sync, exit code 1, and changes nothing', async () => {
    const wrong = await run([...connection, '--bind-password-env', 'LDAP_SYNC_PASSWORD'], {
      LDAP_SYNC_PASSWORD: 'nope',
    });
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr.trim().split('\n').length, 1, wrong.stderr);
    assert.match(
      wrong.stderr,
      /^error: .*refused the bind of cn=sync,dc=example,dc=org: wrong bind DN or password/,
    );
    const filter = await run([
      ...connection,
      '--bind-password-env',
      'LDAP_SYNC_PASSWORD',
      '--filter',
      '(&(uid=c1)',
    ]);
    assert.equal(filter.code, 1);
    assert.match(filter.stderr, /^error: the filter '\(&\(uid=c1\)' is not an LDAP filter/);
    const users = await portraitJson(['user', 'list', '--tenant', 'fabrikam', '--data', data]);
    assert.deepEqual(users.value, []);
  });

  it('prints the report of SPEC §13 with --json; --dry-run changes nothing', async () => {
    const args = [
      ...connection,
      '--bind-password-env',
      'LDAP_SYNC_PASSWORD',
      '--photo-attribute',
      'jpegPhoto',
      '--json',
    ];
    const dry = await run([...args, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(JSON.parse(dry.stdout), {
      users: { created: 4, updated: 0, unchanged: 0, deleted: 0 },
      photos: { imported: 1, unchanged: 0, removed: 0, written: 0, failed: 0 },
      failures: [],
    });
    assert.deepEqual(
      (await portraitJson(['user', 'list', '--tenant', 'fabrikam', '--data', data])).value,
      [],
    );

    const real = await run(args);
    assert.equal(real.code, 0, real.stderr);
    assert.deepEqual(JSON.parse(real.stdout), {
      users: { created: 4, updated: 0, unchanged: 0, deleted: 0 },
      photos: { imported: 1, unchanged: 0, removed: 0, written: 0, failed: 0 },
      failures: [],
    });
    const human = await run(args.filter((a) => a !== '--json'));
    assert.equal(human.code, 0);
    assert.match(human.stdout, /users unchanged\s+4/);
    assert.match(human.stdout, /photos unchanged\s+1/);
  });

  it('keeps the settings on the tenant, so a sync needs only --tenant; an entry that fails is exit 1', async () => {
    const spec = `${ldap.url} base-dn=${ldap.peopleDn} bind-dn=${ldap.syncDn} bind-password-env=LDAP_SYNC_PASSWORD photo-attribute=jpegPhoto every=15m`;
    const tenant = await portraitJson(['tenant', 'update', 'fabrikam', '--ldap', spec, '--data', data]);
    assert.equal(tenant.settings.ldap.url, ldap.url);
    assert.equal(tenant.settings.ldap.everySeconds, 900);
    const bad = await portrait([
      'tenant',
      'update',
      'fabrikam',
      '--ldap',
      'ldap://dc1 base-dn=x every=1s',
      '--data',
      data,
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /every is a duration from 10s to 7d/);

    await ldap.add(
      `uid=broken,${ldap.peopleDn}`,
      inetOrgPerson('broken', {
        cn: 'Broken',
        sn: 'B',
        mail: 'broken@example.org',
        jpegPhoto: Buffer.from('GIF89a but not really'),
      }).attributes,
    );
    const result = await run(['--json']);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.deepEqual(report.users, { created: 1, updated: 0, unchanged: 4, deleted: 0 });
    assert.equal(report.photos.failed, 1);
    assert.equal(report.failures[0].dn, `uid=broken,${ldap.peopleDn}`);

    const status = await portraitJson(['directory', 'status', '--tenant', 'fabrikam', '--data', data]);
    assert.match(status.ldap, /^ldap:\/\/127\.0\.0\.1:\d+ base-dn=ou=people,dc=example,dc=org .*every=900s$/);
    assert.equal(status.lastSync.result.photos.failed, 1);
    const off = await portraitJson(['tenant', 'update', 'fabrikam', '--ldap', 'off', '--data', data]);
    assert.equal(off.settings.ldap, null);
  });
});

describe('portrait directory sync killed halfway', { skip: slapdAvailable() ? false : SLAPD_MISSING }, () => {
  it('leaves a consistent store that the next run completes', async () => {
    const ldap = await startSlapd();
    const data = mkdtempSync(join(tmpdir(), 'portrait-ldap-kill-'));
    try {
      const photos = await Promise.all([solidJpeg(300, 300, [200, 0, 0]), solidJpeg(300, 300, [0, 0, 200])]);
      const count = 400;
      await ldap.addPeople(count, (i) =>
        inetOrgPerson(`k${i}`, {
          cn: `K ${i}`,
          sn: 'K',
          mail: `k${i}@example.org`,
          ...(i % 4 === 0 ? { jpegPhoto: photos[i % 2]! } : {}),
        }),
      );
      await portraitJson(['tenant', 'create', 'killed', '--data', data]);
      const args = [
        'directory',
        'sync',
        '--tenant',
        'killed',
        '--data',
        data,
        '--ldap',
        ldap.url,
        '--base-dn',
        ldap.peopleDn,
      ];
      const args2 = [
        ...args,
        '--bind-dn',
        ldap.syncDn,
        '--bind-password-env',
        'P',
        '--photo-attribute',
        'jpegPhoto',
        '--json',
      ];
      const env = { P: ldap.syncPassword };
      const child = startPortrait(args2, env);
      // Killed once some users exist, well before all do.
      const store = await openStore(`sqlite:${join(data, 'portrait.db')}`);
      try {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const users = (
            await store.directory.listUsers((await store.directory.findTenant('killed'))!.id, { top: 999 })
          ).items.length;
          if (users >= 40 || child.exitCode !== null) break;
          assert.ok(Date.now() < deadline, 'the sync made no users within a minute');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        await store.close();
      }
      assert.equal(child.exitCode, null, 'the sync was still running when killed');
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const rest = await portrait(args2, { env });
      assert.equal(rest.code, 0, rest.stderr);
      const report = JSON.parse(rest.stdout);
      assert.deepEqual(report.failures, []);
      assert.equal(report.users.created + report.users.unchanged + report.users.updated, count);
      assert.ok(report.users.created > 0 && report.users.created < count, JSON.stringify(report.users));
      const again = JSON.parse((await portrait(args2, { env })).stdout);
      assert.deepEqual(again.users, { created: 0, updated: 0, unchanged: count, deleted: 0 });
      assert.deepEqual(again.photos, {
        imported: 0,
        unchanged: count / 4,
        removed: 0,
        written: 0,
        failed: 0,
      });
      const listed = await portraitJson(['user', 'list', '--tenant', 'killed', '--data', data]);
      assert.equal(listed.value.length, count);
    } finally {
      await ldap.stop();
      rmSync(data, { recursive: true, force: true });
    }
  });
});
