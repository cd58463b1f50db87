// /avatar/{hash} over real HTTPS (SPEC §8), with URLs built by gravatar-url as apps build them and
// by hand for the short parameter names, SHA-256 hashes and the errors.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import gravatarUrl from 'gravatar-url';
import sharp from 'sharp';
import type { User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';
import { BLUE, near, noiseJpeg, pixel, RED, solidJpeg } from '../support/images.js';

const md5 = (email: string) => createHash('md5').update(email.trim().toLowerCase()).digest('hex');
const sha256 = (email: string) => createHash('sha256').update(email.trim().toLowerCase()).digest('hex');

let h: Harness;
let tenant: Tenant;
let adele: User;
let token: string;

/** gravatar-url's URL for the address, pointed at Portrait instead of gravatar.com. */
const appUrl = (email: string, options: Record<string, string> = {}) =>
  gravatarUrl(email, options).replace(/^https:\/\/gravatar\.com/, '');

const dimensions = async (bytes: Buffer) => {
  const meta = await sharp(bytes).metadata();
  return `${meta.format} ${meta.width}x${meta.height}`;
};

async function upload(user: User, bytes: Buffer) {
  const reply = await h.request('PUT', `/v1.0/users/${user.id}/photo/$value`, {
    token,
    headers: { 'content-type': 'image/jpeg' },
    body: bytes,
  });
  assert.equal(reply.status, 200);
}

async function publicTenant(name: string): Promise<Tenant> {
  const created = await h.tenant(name);
  return h.store.directory.updateTenantSettings(created.id, { avatars: 'public' });
}

const person = (of: Tenant, userPrincipalName: string, displayName: string, mail?: string) =>
  h.store.directory.createUser({
    tenantId: of.id,
    userPrincipalName,
    displayName,
    ...(mail ? { mail } : {}),
  });

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('avatars');
  adele = await person(tenant, 'adele@avatars.example', 'Adele Vance', 'Adele.Vance@Avatars.example');
  token = await h.appToken(tenant, ['ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All']);
  await upload(adele, await solidJpeg(300, 300, RED));
});
after(() => h.close());

describe('avatar endpoint, tenant not public', () => {
  it('acts as if nobody had a photo, and reveals no name, while avatars are off (the default)', async () => {
    assert.equal(tenant.settings.avatars, 'off');
    const missing = await h.request('GET', appUrl(' adele.vance@avatars.example ', { d: '404' }));
    assert.equal(missing.status, 404);
    assert.equal(missing.json().error.code, 'ImageNotFound');
    const initials = await h.request(
      'GET',
      appUrl('adele.vance@avatars.example', { d: 'initials', s: '64' }),
    );
    const mystery = await h.request('GET', appUrl('nobody@avatars.example', { d: 'mp', s: '64' }));
    assert.equal(initials.status, 200);
    assert.ok(
      initials.body.equals(mystery.body),
      'initials of a private user fall back to the mystery person',
    );
  });
});

describe('avatar endpoint, public tenant', () => {
  before(async () => {
    tenant = await h.store.directory.updateTenantSettings(tenant.id, { avatars: 'public' });
  });

  it('serves the photo for the MD5 of the mail at the default 80 px, as gravatar-url asks for it', async () => {
    const reply = await h.request('GET', appUrl('Adele.Vance@avatars.example'));
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'image/jpeg');
    assert.equal(await dimensions(reply.body), 'jpeg 80x80');
    assert.ok(near(await pixel(reply.body, 40, 40), RED));
    assert.equal(reply.headers['cache-control'], 'public, max-age=300');
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
    assert.match(reply.headers['etag']!, /^"[0-9A-F]{8}-80"$/);
  });

  it('takes the long parameter names gravatar-url writes, and the short ones', async () => {
    const long = await h.request(
      'GET',
      appUrl('adele.vance@avatars.example', { size: '120', default: '404' }),
    );
    const short = await h.request('GET', `/avatar/${md5('adele.vance@avatars.example')}?s=120&d=404`);
    assert.equal(await dimensions(long.body), 'jpeg 120x120');
    assert.ok(long.body.equals(short.body));
  });

  it('matches SHA-256 hashes, upper-case hex, a .jpg suffix and the userPrincipalName', async () => {
    for (const path of [
      `/avatar/${sha256('adele.vance@avatars.example')}?s=48`,
      `/avatar/${md5('adele.vance@avatars.example').toUpperCase()}.jpg?s=48`,
      `/avatar/${md5('ADELE@avatars.example')}?s=48`,
      `/avatar/${sha256('adele@avatars.example')}?s=48`,
    ]) {
      const reply = await h.request('GET', path);
      assert.equal(reply.status, 200, path);
      assert.equal(await dimensions(reply.body), 'jpeg 48x48', path);
    }
  });

  it('serves a stored size as stored, and other sizes resized from the next larger one', async () => {
    const stored = await h.request('GET', `/v1.0/users/${adele.id}/photos/240x240/$value`, { token });
    const same = await h.request('GET', `/avatar/${md5('adele@avatars.example')}?s=240`);
    assert.ok(same.body.equals(stored.body));
    const between = await h.request('GET', `/avatar/${md5('adele@avatars.example')}?s=200`);
    assert.equal(await dimensions(between.body), 'jpeg 200x200');
    // 300x300 yields sizes up to 240: larger asks are scaled up from 240.
    const larger = await h.request('GET', `/avatar/${md5('adele@avatars.example')}?size=648`);
    assert.equal(await dimensions(larger.body), 'jpeg 648x648');
    const again = await h.request('GET', `/avatar/${md5('adele@avatars.example')}?s=200`);
    assert.ok(again.body.equals(between.body), 'a resized avatar is the same bytes when served again');
  });

  it('answers 304 to If-None-Match, and HEAD like GET without a body', async () => {
    const path = `/avatar/${md5('adele@avatars.example')}?s=96`;
    const first = await h.request('GET', path);
    const revalidated = await h.request('GET', path, {
      headers: { 'if-none-match': first.headers['etag']! },
    });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.body.length, 0);
    const head = await h.request('HEAD', path);
    assert.equal(head.status, 200);
    assert.equal(head.headers['etag'], first.headers['etag']);
    assert.equal(head.body.length, 0);
  });

  it('gives a new ETag and the new photo once the photo is replaced', async () => {
    const path = `/avatar/${md5('adele@avatars.example')}?s=96`;
    const before = await h.request('GET', path);
    await upload(adele, await solidJpeg(300, 300, BLUE));
    const after = await h.request('GET', path, { headers: { 'if-none-match': before.headers['etag']! } });
    assert.equal(after.status, 200);
    assert.notEqual(after.headers['etag'], before.headers['etag']);
    assert.ok(near(await pixel(after.body, 48, 48), BLUE));
  });

  it('forcedefault shows the default even when there is a photo', async () => {
    const forced = await h.request('GET', `/avatar/${md5('adele@avatars.example')}?f=y&d=404`);
    assert.equal(forced.status, 404);
    const initials = await h.request(
      'GET',
      appUrl('adele@avatars.example', { forcedefault: 'y', default: 'initials' }),
    );
    assert.equal(initials.headers['content-type'], 'image/png');
    assert.equal(await dimensions(initials.body), 'png 80x80');
  });
});

describe('avatar defaults', () => {
  const unknown = md5('nobody@nowhere.example');

  it('draws identicons per hash, the mystery person, initials and a transparent blank', async () => {
    const a = await h.request('GET', `/avatar/${unknown}?d=identicon&s=64`);
    const again = await h.request('GET', `/avatar/${unknown}?d=identicon&s=64`);
    const other = await h.request('GET', `/avatar/${md5('else@nowhere.example')}?d=identicon&s=64`);
    assert.equal(await dimensions(a.body), 'png 64x64');
    assert.ok(a.body.equals(again.body));
    assert.ok(!a.body.equals(other.body));
    assert.equal(a.headers['cache-control'], 'public, max-age=300');

    for (const d of ['mp', 'mm', 'retro', 'blank', '']) {
      const reply = await h.request('GET', `/avatar/${unknown}?d=${d}&s=32`);
      assert.equal(reply.status, 200, d);
      assert.equal(await dimensions(reply.body), 'png 32x32', d);
    }
    const blank = await h.request('GET', `/avatar/${unknown}?d=blank&s=8`);
    const { data } = await sharp(blank.body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.equal(data[3], 0, 'blank is transparent');
  });

  it('draws initials for a public user without a photo', async () => {
    const diego = await person(tenant, 'diego@avatars.example', 'Diego Siciliani');
    const initials = await h.request('GET', `/avatar/${md5(diego.userPrincipalName)}?d=initials&s=64`);
    const mystery = await h.request('GET', `/avatar/${unknown}?d=mp&s=64`);
    assert.equal(await dimensions(initials.body), 'png 64x64');
    assert.ok(!initials.body.equals(mystery.body));
    assert.equal((await h.request('GET', `/avatar/${md5(diego.userPrincipalName)}?d=404`)).status, 404);
  });

  it('redirects to a default URL when there is no photo', async () => {
    const target = 'https://cdn.example/default avatar.png?x=1';
    const reply = await h.request('GET', `/avatar/${unknown}?d=${encodeURIComponent(target)}`);
    assert.equal(reply.status, 302);
    assert.equal(reply.headers['location'], 'https://cdn.example/default%20avatar.png?x=1');
  });
});

describe('avatar requests that are wrong', () => {
  const hash = md5('adele@avatars.example');
  for (const [what, path, mentions] of [
    ['a hash of the wrong length', '/avatar/abc123', /MD5 \(32 hex digits\) or SHA-256/],
    ['a hash that is not hex', `/avatar/${'z'.repeat(32)}`, /not an avatar hash/],
    ['no hash', '/avatar', /not an avatar hash/],
    ['a size of 0', `/avatar/${hash}?s=0`, /from 1 to 648/],
    ['a size over 648', `/avatar/${hash}?size=649`, /from 1 to 648/],
    ['a size that is not a number', `/avatar/${hash}?s=big`, /not 'big'/],
    ['both s and size', `/avatar/${hash}?s=10&size=20`, /'s' or 'size', not both/],
    ['s twice', `/avatar/${hash}?s=10&s=20`, /more than once/],
    ['a default that is no style or URL', `/avatar/${hash}?d=sparkles`, /404, mp, identicon/],
    [
      'a default URL of another scheme',
      `/avatar/${hash}?d=${encodeURIComponent('javascript:alert(1)')}`,
      /http\(s\) URL/,
    ],
    [
      'a default URL that does not parse',
      `/avatar/${hash}?d=${encodeURIComponent('https://exa mple.com:99999/')}`,
      /http\(s\) URL/,
    ],
    ['forcedefault of another word', `/avatar/${hash}?f=maybe`, /takes y or n/],
  ] as const) {
    it(`answers 400 BadRequest in Graph's envelope for ${what}`, async () => {
      const reply = await h.request('GET', path);
      assert.equal(reply.status, 400);
      const { error } = reply.json();
      assert.equal(error.code, 'BadRequest');
      assert.match(error.message, mentions);
      assert.ok(error.innerError['request-id']);
    });
  }
});

describe('the email-hash index', () => {
  it('follows a change of mail and of userPrincipalName made through the API', async () => {
    const lee = await person(tenant, 'lee@avatars.example', 'Lee Gu', 'lee@avatars.example');
    await upload(lee, await noiseJpeg(100, 100));
    const patch = (body: object) =>
      h.request('PATCH', `/v1.0/users/${lee.id}`, {
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await patch({ mail: 'lee.gu@avatars.example' })).status, 204);
    assert.equal((await h.request('GET', `/avatar/${md5('lee.gu@avatars.example')}?d=404`)).status, 200);
    // The old address is still the userPrincipalName.
    assert.equal((await h.request('GET', `/avatar/${md5('lee@avatars.example')}?d=404`)).status, 200);
    assert.equal((await patch({ userPrincipalName: 'gu@avatars.example' })).status, 204);
    assert.equal((await h.request('GET', `/avatar/${md5('lee@avatars.example')}?d=404`)).status, 404);
    assert.equal((await h.request('GET', `/avatar/${sha256('gu@avatars.example')}?d=404`)).status, 200);
    assert.equal((await h.request('DELETE', `/v1.0/users/${lee.id}`, { token })).status, 204);
    assert.equal((await h.request('GET', `/avatar/${md5('lee.gu@avatars.example')}?d=404`)).status, 404);
  });
});

describe('one address in several tenants', () => {
  const shared = 'pat@shared.example';
  let older: Tenant;
  let newer: Tenant;
  let olderUser: User;
  let newerUser: User;

  before(async () => {
    older = await publicTenant('older');
    // Tenants are ordered by creation time: make sure the two differ.
    await new Promise((resolve) => setTimeout(resolve, 5));
    newer = await publicTenant('newer');
    olderUser = await person(older, 'pat@older.example', 'Pat Older', shared);
    newerUser = await person(newer, 'pat@newer.example', 'Pat Newer', shared);
  });

  const colourAt = async () =>
    pixel((await h.request('GET', `/avatar/${md5(shared)}?s=48&d=404`)).body, 24, 24);

  it('prefers a user with a photo, then the older tenant', async () => {
    await h.store.photos.replacePhotoSet(newer.id, newerUser.id, [
      { width: 48, height: 48, contentType: 'image/jpeg', bytes: await solidJpeg(48, 48, BLUE) },
    ]);
    assert.ok(near(await colourAt(), BLUE), 'only the newer tenant has a photo');
    await h.store.photos.replacePhotoSet(older.id, olderUser.id, [
      { width: 48, height: 48, contentType: 'image/jpeg', bytes: await solidJpeg(48, 48, RED) },
    ]);
    assert.ok(near(await colourAt(), RED), 'both have one: the older tenant wins');
    await h.store.directory.updateTenantSettings(older.id, { avatars: 'off' });
    assert.ok(near(await colourAt(), BLUE), 'the older tenant made its avatars private');
  });

  it('prefers a match on mail to one on userPrincipalName', async () => {
    const upnOwner = await person(older, 'sam@shared.example', 'Sam by UPN', 'someone.else@older.example');
    const mailOwner = await person(newer, 'sam@newer.example', 'Sam by mail', 'sam@shared.example');
    await h.store.directory.updateTenantSettings(older.id, { avatars: 'public' });
    for (const [user, owner, colour] of [
      [upnOwner, older, RED],
      [mailOwner, newer, BLUE],
    ] as const) {
      await h.store.photos.replacePhotoSet(owner.id, user.id, [
        { width: 48, height: 48, contentType: 'image/jpeg', bytes: await solidJpeg(48, 48, colour) },
      ]);
    }
    const reply = await h.request('GET', `/avatar/${md5('sam@shared.example')}?s=48`);
    assert.ok(near(await pixel(reply.body, 24, 24), BLUE));
  });
});
