// SPEC §13 against a real OpenLDAP (Debian's slapd, started here with a configuration of its own
// and a stand-in schema for Active Directory's objectGUID, thumbnailPhoto and userPrincipalName):
// people and photos in, renames, photo changes both ways, --delete-missing, the failures that change
// nothing, TLS, paging and the periodic sync of `serve`. Runs on SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  DirectorySyncError,
  runDirectorySync,
  SyncRunningError,
  type SyncReport,
  syncDirectory,
} from '../../src/bulk/directory-sync.js';
import type { LdapSource, Tenant } from '../../src/domain/tenant.js';
import { ldapSourceFrom } from '../../src/services/ldap-settings.js';
import { updateTenantSettings } from '../../src/services/tenants.js';
import { Harness } from '../support/harness.js';
import { noiseJpeg, solidJpeg } from '../support/images.js';
import {
  adPerson,
  inetOrgPerson,
  type Slapd,
  SLAPD_MISSING,
  slapdAvailable,
  startSlapd,
} from '../support/slapd.js';

const PASSWORD_ENV = 'PORTRAIT_TEST_LDAP_PASSWORD';

/** Waits until `done` answers true, checking twice a second, for at most `timeoutMs`. */
async function poll(done: () => Promise<boolean>, { timeoutMs, what }: { timeoutMs: number; what: string }) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The source as `--ldap URL --base-dn DN --bind-dn cn=sync …` plus `settings` would give it. */
const sourceOf = (
  ldap: Slapd,
  baseDn: string,
  settings: Record<string, string> = {},
  url = ldap.url,
): LdapSource =>
  ldapSourceFrom(
    url,
    new Map(
      Object.entries({
        'base-dn': baseDn,
        'bind-dn': ldap.syncDn,
        'bind-password-env': PASSWORD_ENV,
        ...settings,
      }),
    ),
    null,
  );

/** What a sync needs of the server: its photo store and the pipeline's settings. */
const depsOf = (h: Harness) => ({
  photos: h.store.photos,
  pipeline: { maxPixels: 40_000_000, jpegQuality: 88 },
});

describe('directory sync from LDAP (SPEC §13)', { skip: slapdAvailable() ? false : SLAPD_MISSING }, () => {
  let h: Harness;
  let ldap: Slapd;
  let ous = 0;

  before(async () => {
    [h, ldap] = await Promise.all([Harness.start(), startSlapd({ tls: true })]);
    process.env[PASSWORD_ENV] = ldap.syncPassword;
  });
  after(async () => {
    await ldap?.stop();
    await h?.close();
  });

  /** A fresh organisational unit for one test, and a tenant to sync it into. */
  async function place(): Promise<{ ou: string; tenant: Tenant }> {
    const ou = `ou=t${++ous},${ldap.baseDn}`;
    await ldap.add(ou, { objectClass: 'organizationalUnit', ou: `t${ous}` });
    return { ou, tenant: await h.tenant() };
  }

  const sourceFor = (ou: string, settings: Record<string, string> = {}, url = ldap.url) =>
    sourceOf(ldap, ou, settings, url);

  const sync = (tenant: Tenant, source: LdapSource, options: { dryRun?: boolean } = {}) =>
    syncDirectory(h.store, depsOf(h), tenant, source, options);

  const photoEtag = async (tenant: Tenant, upn: string) =>
    (await h.store.photos.readPhotoSet(tenant.id, (await h.store.directory.findUser(tenant.id, upn))!.id))
      ?.etag;

  const counts = (report: SyncReport) => ({ users: report.users, photos: report.photos });

  it('brings OpenLDAP people and their jpegPhoto in; a second run changes nothing', async () => {
    const { ou, tenant } = await place();
    const photo = await noiseJpeg(300, 300);
    await ldap.add(
      `uid=adele,${ou}`,
      inetOrgPerson('adele', {
        cn: 'Adele Vance',
        sn: 'Vance',
        givenName: 'Adele',
        title: 'Engineer',
        mail: 'adele@example.org',
        jpegPhoto: photo,
      }).attributes,
    );
    await ldap.add(
      `uid=bob,${ou}`,
      inetOrgPerson('bob', { cn: 'Bob Kelly', sn: 'Kelly', mail: 'bob@example.org' }).attributes,
    );
    const source = sourceFor(ou, { 'photo-attribute': 'jpegPhoto' });

    const first = await sync(tenant, source);
    assert.deepEqual(counts(first), {
      users: { created: 2, updated: 0, unchanged: 0, deleted: 0 },
      photos: { imported: 1, unchanged: 0, removed: 0, written: 0, failed: 0 },
    });
    assert.deepEqual(first.failures, []);
    const adele = (await h.store.directory.findUser(tenant.id, 'adele@example.org'))!;
    assert.equal(adele.displayName, 'Adele Vance');
    assert.equal(adele.givenName, 'Adele');
    assert.equal(adele.surname, 'Vance');
    assert.equal(adele.jobTitle, 'Engineer');
    assert.equal(adele.mail, 'adele@example.org');

    // The photo is served through the Graph API like any upload.
    const token = await h.appToken(tenant, ['ProfilePhoto.Read.All']);
    const reply = await h.request('GET', `/v1.0/users/adele@example.org/photo/$value`, { token });
    assert.equal(reply.status, 200);
    assert.equal((await sharp(reply.body).metadata()).width, 240);
    const etag = await photoEtag(tenant, 'adele@example.org');

    const second = await sync(tenant, source);
    assert.deepEqual(counts(second), {
      users: { created: 0, updated: 0, unchanged: 2, deleted: 0 },
      photos: { imported: 0, unchanged: 1, removed: 0, written: 0, failed: 0 },
    });
    assert.equal(await photoEtag(tenant, 'adele@example.org'), etag, 'a re-run keeps the ETag');
  });

  it('keeps a renamed entry the same user, with its photo', async () => {
    const { ou, tenant } = await place();
    await ldap.add(
      `uid=megan,${ou}`,
      inetOrgPerson('megan', {
        cn: 'Megan Bowen',
        sn: 'Bowen',
        mail: 'megan@example.org',
        jpegPhoto: await solidJpeg(200, 200),
      }).attributes,
    );
    const source = sourceFor(ou, { 'photo-attribute': 'jpegPhoto' });
    await sync(tenant, source);
    const before = (await h.store.directory.findUser(tenant.id, 'megan@example.org'))!;
    const etag = await photoEtag(tenant, 'megan@example.org');

    const dn = await ldap.rename(`uid=megan,${ou}`, 'uid=megan.b');
    await ldap.modify(dn, { replace: { mail: 'megan.bowen@example.org', cn: 'Megan B.' } });
    const report = await sync(tenant, source);
    assert.deepEqual(report.users, { created: 0, updated: 1, unchanged: 0, deleted: 0 });
    const after = (await h.store.directory.findUser(tenant.id, 'megan.bowen@example.org'))!;
    assert.equal(after.id, before.id, 'the same object id');
    assert.equal(after.displayName, 'Megan B.');
    assert.equal(await h.store.directory.findUser(tenant.id, 'megan@example.org'), undefined);
    assert.equal(await photoEtag(tenant, 'megan.bowen@example.org'), etag, 'the photo stays');
  });

  it('imports a changed photo, removes a removed one, keeps a photo the person uploaded until the directory changes', async () => {
    const { ou, tenant } = await place();
    const dn = `uid=alex,${ou}`;
    await ldap.add(
      dn,
      inetOrgPerson('alex', {
        cn: 'Alex Wilber',
        sn: 'Wilber',
        mail: 'alex@example.org',
        jpegPhoto: await solidJpeg(200, 200, [200, 0, 0]),
      }).attributes,
    );
    const source = sourceFor(ou, { 'photo-attribute': 'jpegPhoto' });
    await sync(tenant, source);
    const first = await photoEtag(tenant, 'alex@example.org');

    await ldap.modify(dn, { replace: { jpegPhoto: await solidJpeg(200, 200, [0, 0, 200]) } });
    assert.equal((await sync(tenant, source)).photos.imported, 1);
    const second = await photoEtag(tenant, 'alex@example.org');
    assert.notEqual(second, first);

    // The person uploads their own photo in Portrait: the directory's unchanged photo does not undo it.
    const user = (await h.store.directory.findUser(tenant.id, 'alex@example.org'))!;
    const token = await h.delegatedToken(tenant, user, ['ProfilePhoto.ReadWrite.All', 'User.ReadWrite']);
    const put = await h.request('PUT', '/v1.0/me/photo/$value', {
      token,
      headers: { 'content-type': 'image/jpeg' },
      body: await solidJpeg(300, 300, [0, 200, 0]),
    });
    assert.equal(put.status, 200, put.body.toString());
    const uploaded = await photoEtag(tenant, 'alex@example.org');
    const kept = await sync(tenant, source);
    assert.deepEqual(kept.photos, { imported: 0, unchanged: 1, removed: 0, written: 0, failed: 0 });
    assert.equal(await photoEtag(tenant, 'alex@example.org'), uploaded);

    // The directory's photo changes again: it replaces the upload.
    await ldap.modify(dn, { replace: { jpegPhoto: await solidJpeg(200, 200, [200, 200, 0]) } });
    assert.equal((await sync(tenant, source)).photos.imported, 1);
    assert.notEqual(await photoEtag(tenant, 'alex@example.org'), uploaded);

    // Removed in the directory: the synced photo goes.
    await ldap.modify(dn, { delete: ['jpegPhoto'] });
    assert.equal((await sync(tenant, source)).photos.removed, 1);
    assert.equal(await photoEtag(tenant, 'alex@example.org'), undefined);
    const again = await sync(tenant, source);
    assert.deepEqual(again.photos, { imported: 0, unchanged: 0, removed: 0, written: 0, failed: 0 });
  });

  it('reads Active Directory entries: objectGUID anchor, userPrincipalName, thumbnailPhoto detected', async () => {
    const { ou, tenant } = await place();
    const guid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    await ldap.add(
      `uid=diego,${ou}`,
      adPerson('diego', {
        cn: 'Diego Siciliani',
        sn: 'Siciliani',
        displayName: 'Diego S.',
        mail: 'diego.s@example.org',
        userPrincipalName: 'diego@corp.example.org',
        objectGUID: guid,
        thumbnailPhoto: await solidJpeg(96, 96),
      }).attributes,
    );
    const report = await sync(tenant, sourceFor(ou));
    assert.deepEqual(counts(report).photos, { imported: 1, unchanged: 0, removed: 0, written: 0, failed: 0 });
    const diego = (await h.store.directory.findUser(tenant.id, 'diego@corp.example.org'))!;
    assert.equal(diego.displayName, 'Diego S.', 'displayName before cn');
    assert.equal(diego.mail, 'diego.s@example.org');
    const links = await h.store.directoryLinks.listLinks(tenant.id);
    const link = links.find((l) => l.userId === diego.id);
    // objectGUID's first three groups are little-endian, as Active Directory shows them.
    assert.equal(link?.anchor, '33221100-5544-7766-8899-aabbccddeeff');
    assert.equal(diego.accountEnabled, true);

    // userAccountControl with ACCOUNTDISABLE (2): the account is disabled in Portrait too.
    await ldap.modify(`uid=diego,${ou}`, { add: { userAccountControl: '514' } });
    assert.equal((await sync(tenant, sourceFor(ou))).users.updated, 1);
    assert.equal((await h.store.directory.findUser(tenant.id, diego.id))!.accountEnabled, false);
    await ldap.modify(`uid=diego,${ou}`, { replace: { userAccountControl: '512' } });
    await sync(tenant, sourceFor(ou));
    assert.equal((await h.store.directory.findUser(tenant.id, diego.id))!.accountEnabled, true);
  });

  it('matches a user Portrait already has by userPrincipalName, once, and never deletes them', async () => {
    const { ou, tenant } = await place();
    const existing = await h.store.directory.createUser({
      tenantId: tenant.id,
      userPrincipalName: 'lee@example.org',
      displayName: 'Lee',
    });
    const bystander = await h.user(tenant, 'bystander');
    await ldap.add(
      `uid=lee,${ou}`,
      inetOrgPerson('lee', { cn: 'Lee Gu', sn: 'Gu', mail: 'lee@example.org' }).attributes,
    );
    await ldap.add(
      `uid=gone,${ou}`,
      inetOrgPerson('gone', {
        cn: 'Soon Gone',
        sn: 'Gone',
        mail: 'gone@example.org',
        jpegPhoto: await solidJpeg(120, 120),
      }).attributes,
    );
    const source = sourceFor(ou, { 'delete-missing': '' });
    const first = await sync(tenant, source);
    assert.deepEqual(first.users, { created: 1, updated: 1, unchanged: 0, deleted: 0 });
    assert.equal((await h.store.directory.findUser(tenant.id, 'lee@example.org'))!.id, existing.id);

    await ldap.remove(`uid=lee,${ou}`);
    await ldap.remove(`uid=gone,${ou}`);
    await ldap.add(
      `uid=keep,${ou}`,
      inetOrgPerson('keep', { cn: 'Kept', sn: 'Kept', mail: 'keep@example.org' }).attributes,
    );
    const dry = await sync(tenant, source, { dryRun: true });
    assert.deepEqual(dry.users, { created: 1, updated: 0, unchanged: 0, deleted: 1 });
    assert.ok(await h.store.directory.findUser(tenant.id, 'gone@example.org'), 'a dry run deletes nothing');
    assert.equal(
      await h.store.directory.findUser(tenant.id, 'keep@example.org'),
      undefined,
      'a dry run creates nothing',
    );

    const second = await sync(tenant, source);
    assert.deepEqual(second.users, { created: 1, updated: 0, unchanged: 0, deleted: 1 });
    assert.equal(
      await h.store.directory.findUser(tenant.id, 'gone@example.org'),
      undefined,
      'made by the sync: deleted',
    );
    assert.ok(await h.store.directory.findUser(tenant.id, 'lee@example.org'), 'matched, not made: kept');
    assert.ok(await h.store.directory.findUser(tenant.id, bystander.userPrincipalName), 'never synced: kept');
  });

  it('deletes nobody when the search finds no entries at all', async () => {
    const { ou, tenant } = await place();
    await ldap.add(
      `uid=ann,${ou}`,
      inetOrgPerson('ann', { cn: 'Ann', sn: 'A', mail: 'ann@example.org' }).attributes,
    );
    await sync(tenant, sourceFor(ou));
    const report = await sync(tenant, sourceFor(ou, { 'delete-missing': '', filter: '(uid=nobody-at-all)' }));
    assert.equal(report.users.deleted, 0);
    assert.match(report.failures[0]?.error ?? '', /found no entries at all/);
    assert.ok(await h.store.directory.findUser(tenant.id, 'ann@example.org'));
  });

  it('writes photos changed in Portrait back as a JPEG of at most 100 KB, and does not import them again', async () => {
    const { ou, tenant } = await place();
    const dn = `uid=nestor,${ou}`;
    await ldap.add(
      dn,
      adPerson('nestor', { cn: 'Nestor Wilke', sn: 'Wilke', mail: 'nestor@example.org' }).attributes,
    );
    const source = sourceFor(ou, { 'write-photos': 'thumbnailPhoto' });
    await sync(tenant, source);
    const user = (await h.store.directory.findUser(tenant.id, 'nestor@example.org'))!;
    const token = await h.delegatedToken(tenant, user, ['User.ReadWrite']);
    const put = await h.request('PUT', '/v1.0/me/photo/$value', {
      token,
      headers: { 'content-type': 'image/jpeg' },
      body: await noiseJpeg(1200, 1200, 95),
    });
    assert.equal(put.status, 200, put.body.toString());
    const etag = await photoEtag(tenant, 'nestor@example.org');

    const report = await sync(tenant, source);
    assert.deepEqual(report.photos, { imported: 0, unchanged: 0, removed: 0, written: 1, failed: 0 });
    const [entry] = await ldap.search(dn, '(objectClass=*)', ['thumbnailPhoto']);
    const written = entry?.['thumbnailPhoto'] as Buffer;
    assert.ok(Buffer.isBuffer(written) && written.length <= 100 * 1024, `${written?.length} bytes`);
    const meta = await sharp(written).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 96, 96]);

    const again = await sync(tenant, source);
    assert.deepEqual(again.photos, { imported: 0, unchanged: 1, removed: 0, written: 0, failed: 0 });
    assert.equal(await photoEtag(tenant, 'nestor@example.org'), etag, 'not imported back');

    // Deleted in Portrait: the entry's photo goes too.
    const del = await h.request('DELETE', '/v1.0/me/photo/$value', { token });
    assert.equal(del.status, 200);
    assert.equal((await sync(tenant, source)).photos.written, 1);
    const [cleared] = await ldap.search(dn, '(objectClass=*)', ['thumbnailPhoto']);
    assert.deepEqual([cleared?.['thumbnailPhoto'] ?? []].flat(), []);
  });

  it('reports an entry it cannot take and goes on with the others', async () => {
    const { ou, tenant } = await place();
    await ldap.add(
      `uid=bad,${ou}`,
      inetOrgPerson('bad', {
        cn: 'Bad Photo',
        sn: 'B',
        mail: 'bad@example.org',
        jpegPhoto: Buffer.from('not a picture at all'),
      }).attributes,
    );
    await ldap.add(`uid=noname,${ou}`, inetOrgPerson('noname', { cn: 'No Mail', sn: 'N' }).attributes);
    await ldap.add(
      `uid=fine,${ou}`,
      inetOrgPerson('fine', {
        cn: 'Fine',
        sn: 'F',
        mail: 'fine@example.org',
        jpegPhoto: await solidJpeg(100, 100),
      }).attributes,
    );
    // A new entry with the UPN another new entry of the same run has: made together, refused alone.
    await ldap.add(
      `uid=twin,${ou}`,
      inetOrgPerson('twin', { cn: 'Twin', sn: 'T', mail: 'fine@example.org' }).attributes,
    );
    const report = await sync(tenant, sourceFor(ou, { 'photo-attribute': 'jpegPhoto' }));
    assert.equal(report.users.created, 2);
    assert.equal(report.photos.imported, 1);
    assert.equal(report.photos.failed, 1);
    assert.deepEqual(
      report.failures.map((f) => f.dn),
      [`uid=bad,${ou}`, `uid=noname,${ou}`, `uid=twin,${ou}`],
    );
    assert.match(report.failures[0]!.error, /photo: .*not an image/i);
    assert.match(report.failures[1]!.error, /no userPrincipalName or mail/);
    assert.match(report.failures[2]!.error, /its userPrincipalName fine@example\.org is another user's/);
    assert.equal((await h.store.directory.findUser(tenant.id, 'fine@example.org'))?.displayName, 'Fine');
  });

  it('fails with one line and changes nothing: wrong password, no server, wrong base DN, bad filter', async () => {
    const { ou, tenant } = await place();
    await ldap.add(
      `uid=zoe,${ou}`,
      inetOrgPerson('zoe', { cn: 'Zoe', sn: 'Z', mail: 'zoe@example.org' }).attributes,
    );
    const cases: [LdapSource, NodeJS.ProcessEnv, RegExp][] = [
      [
        sourceFor(ou),
        { [PASSWORD_ENV]: 'wrong' },
        /refused the bind of cn=sync,dc=example,dc=org: wrong bind DN or password/,
      ],
      [sourceFor(ou), {}, /PORTRAIT_TEST_LDAP_PASSWORD .* is not set/],
      [
        sourceFor(ou, {}, 'ldap://127.0.0.1:1'),
        process.env,
        /cannot reach the LDAP server at ldap:\/\/127\.0\.0\.1:1/,
      ],
      [
        sourceFor(`ou=nowhere,${ldap.baseDn}`),
        process.env,
        /the base DN 'ou=nowhere,dc=example,dc=org' does not exist/,
      ],
      [
        sourceFor(ou, { filter: '(&(uid=a)' }),
        process.env,
        /the filter '\(&\(uid=a\)' is not an LDAP filter/,
      ],
    ];
    for (const [source, env, message] of cases) {
      await assert.rejects(
        syncDirectory(h.store, depsOf(h), tenant, source, { env }),
        (error: Error) =>
          error instanceof DirectorySyncError && message.test(error.message) && !error.message.includes('\n'),
        String(message),
      );
    }
    assert.equal(await h.store.directory.findUser(tenant.id, 'zoe@example.org'), undefined);
  });

  it('connects with LDAPS and StartTLS to a server whose certificate a private CA signed', async () => {
    const { ou, tenant } = await place();
    await ldap.add(
      `uid=tls,${ou}`,
      inetOrgPerson('tls', { cn: 'Tee Ell', sn: 'S', mail: 'tls@example.org' }).attributes,
    );
    const ldaps = await sync(tenant, sourceFor(ou, { ca: ldap.caFile! }, ldap.ldapsUrl));
    assert.equal(ldaps.users.created, 1);
    const startTls = await sync(tenant, sourceFor(ou, { ca: ldap.caFile!, starttls: '' }));
    assert.equal(startTls.users.unchanged, 1);
    await assert.rejects(
      sync(tenant, sourceFor(ou, {}, ldap.ldapsUrl)),
      /TLS with ldaps:\/\/127\.0\.0\.1:\d+ failed: .*--ca FILE/,
    );
  });

  it('reads more entries than a page holds, and runs one sync of a tenant at a time', async () => {
    const { ou, tenant } = await place();
    await ldap.addPeople(1_200, (i) =>
      inetOrgPerson(`p${i}`, { cn: `Person ${i}`, sn: 'P', mail: `p${i}@example.org` }, ou),
    );
    const deps = depsOf(h);
    const source = sourceFor(ou);
    const [a, b] = await Promise.allSettled([
      runDirectorySync(h.store, deps, tenant, source),
      runDirectorySync(h.store, deps, tenant, source),
    ]);
    const ran = [a, b].filter((r) => r.status === 'fulfilled');
    const refused = [a, b].filter((r) => r.status === 'rejected');
    assert.equal(ran.length, 1);
    assert.ok(refused[0]?.status === 'rejected' && refused[0].reason instanceof SyncRunningError);
    assert.equal((ran[0] as PromiseFulfilledResult<SyncReport>).value.users.created, 1_200);
    const last = await h.store.directoryLinks.lastSync(tenant.id);
    assert.equal((last!.result as SyncReport).users.created, 1_200);
  });

  it('serve syncs a tenant that keeps --ldap with every=…', async () => {
    const { ou, tenant } = await place();
    await ldap.add(
      `uid=timed,${ou}`,
      inetOrgPerson('timed', { cn: 'On Time', sn: 'T', mail: 'timed@example.org' }).attributes,
    );
    // A tenant never synced is due at once, not `every` after the setting was made.
    await updateTenantSettings(h.store.directory, tenant, { ldap: sourceFor(ou, { every: '1h' }) });
    await poll(async () => (await h.store.directory.findUser(tenant.id, 'timed@example.org')) !== undefined, {
      timeoutMs: 30_000,
      what: 'the first periodic sync',
    });
    await updateTenantSettings(h.store.directory, tenant, { ldap: sourceFor(ou, { every: '10s' }) });
    await ldap.add(
      `uid=later,${ou}`,
      inetOrgPerson('later', { cn: 'Later', sn: 'L', mail: 'later@example.org' }).attributes,
    );
    await poll(async () => (await h.store.directory.findUser(tenant.id, 'later@example.org')) !== undefined, {
      timeoutMs: 40_000,
      what: 'the next periodic sync',
    });
    await updateTenantSettings(h.store.directory, tenant, { ldap: null });
  });
});

describe('directory sync from a plain OpenLDAP', { skip: slapdAvailable() ? false : SLAPD_MISSING }, () => {
  it('reads jpegPhoto when the schema has no thumbnailPhoto, and recovers from a sync stopped halfway', async () => {
    const [h, ldap] = await Promise.all([Harness.start(), startSlapd({ adSchema: false })]);
    try {
      process.env[PASSWORD_ENV] = ldap.syncPassword;
      const tenant = await h.tenant();
      const photo = await solidJpeg(64, 64);
      await ldap.addPeople(10, (i) =>
        inetOrgPerson(`o${i}`, { cn: `O ${i}`, sn: 'O', mail: `o${i}@example.org`, jpegPhoto: photo }),
      );
      const source = sourceOf(ldap, ldap.peopleDn);
      const deps = depsOf(h);
      // A server without TLS asked for StartTLS says so, in one line.
      await assert.rejects(
        syncDirectory(h.store, deps, tenant, { ...source, startTls: true }),
        (error: Error) =>
          error instanceof DirectorySyncError &&
          /^StartTLS with ldap:\/\/127\.0\.0\.1:\d+ failed: /.test(error.message),
      );
      // Stopped after four entries, as a server closing stops it.
      const stop = new AbortController();
      await assert.rejects(
        syncDirectory(h.store, deps, tenant, source, {
          signal: stop.signal,
          onProgress: (done) => done === 4 && stop.abort(),
        }),
        /stopped after 4 of 10 entries; the next run finishes the rest/,
      );
      const rest = await syncDirectory(h.store, deps, tenant, source);
      assert.deepEqual(rest.users, { created: 6, updated: 0, unchanged: 4, deleted: 0 });
      assert.deepEqual(rest.photos, { imported: 6, unchanged: 4, removed: 0, written: 0, failed: 0 });
      const again = await syncDirectory(h.store, deps, tenant, source);
      assert.deepEqual(again.photos, { imported: 0, unchanged: 10, removed: 0, written: 0, failed: 0 });
    } finally {
      await ldap.stop();
      await h.close();
    }
  });
});

describe('directory sync with a size limit', { skip: slapdAvailable() ? false : SLAPD_MISSING }, () => {
  it('fails when the server cuts the search short, and deletes nothing', async () => {
    const [h, ldap] = await Promise.all([Harness.start(), startSlapd({ sizeLimit: 5 })]);
    try {
      process.env[PASSWORD_ENV] = ldap.syncPassword;
      const tenant = await h.tenant();
      await ldap.addPeople(4, (i) =>
        inetOrgPerson(`s${i}`, { cn: `S ${i}`, sn: 'S', mail: `s${i}@example.org` }),
      );
      const source = sourceOf(ldap, ldap.peopleDn, { 'delete-missing': '' });
      const deps = depsOf(h);
      assert.equal((await syncDirectory(h.store, deps, tenant, source)).users.created, 4);
      await ldap.addPeople(6, (i) =>
        inetOrgPerson(`more${i}`, { cn: `M ${i}`, sn: 'M', mail: `m${i}@example.org` }),
      );
      await assert.rejects(
        syncDirectory(h.store, deps, tenant, source),
        /cut the search short .*nothing was changed/,
      );
      assert.equal((await h.store.directoryLinks.listLinks(tenant.id)).length, 4, 'nobody deleted');
      assert.ok(await h.store.directory.findUser(tenant.id, 's0@example.org'));
    } finally {
      await ldap.stop();
      await h.close();
    }
  });
});
