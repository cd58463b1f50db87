// The endpoint matrix of SPEC §3 over real HTTPS: every path form of every owner, in both
// versions, with each method it has and a 405 for each it lacks; then the protocol details.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import {
  API_VERSIONS,
  allowedMethods,
  findRule,
  type PhotoMethod,
  type PhotoResource,
  resourceExists,
  successStatus,
} from '../../src/graph/endpoint-matrix.js';
import type { OwnerKind } from '../../src/domain/owner-kind.js';
import type { Contact, Group, User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';
import { noiseJpeg, solidJpeg } from '../support/images.js';

const SCOPES = [
  'User.ReadWrite.All',
  'ProfilePhoto.ReadWrite.All',
  'Group.ReadWrite.All',
  'TeamSettings.ReadWrite.All',
  'Contacts.ReadWrite',
];
const RESOURCES: PhotoResource[] = [
  'photo',
  'photo/$value',
  'photos',
  'photos/{size}',
  'photos/{size}/$value',
];
const METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'POST'] as const;

let h: Harness;
let tenant: Tenant;
let me: User;
let group: Group;
let team: Group;
let contact: Contact;
let filed: Contact;
let folderId: string;
let token: string;
let photo: Buffer;

/** Every documented URL form of each owner, for the signed-in user's own objects. */
function ownerPaths(): [OwnerKind, string][] {
  return [
    ['user', '/me'],
    ['user', `/users/${me.userPrincipalName.toUpperCase()}`],
    ['user', `/users/${me.id}`],
    ['group', `/groups/${group.id}`],
    ['team', `/teams/${team.id}`],
    ['team', `/team/${team.id}`],
    ['contact', `/me/contacts/${contact.id}`],
    ['contact', `/users/${me.id}/contacts/${contact.id}`],
    ['contact', `/me/contactfolders/${folderId}/contacts/${filed.id}`],
    ['contact', `/users/${me.userPrincipalName}/contactFolders/${folderId}/contacts/${filed.id}`],
    ['joinedGroup', `/users/${me.userPrincipalName}/joinedGroups/${group.id}`],
  ];
}

/** Where a photo of that owner is uploaded: joined groups through their group. */
const writablePath = (kind: OwnerKind, owner: string) =>
  kind === 'joinedGroup' ? `/groups/${group.id}` : owner;

const resourcePath = (resource: PhotoResource) => resource.replace('{size}', '48x48');

async function upload(method: string, url: string, body = photo, headers: Record<string, string> = {}) {
  return h.request(method, url, { token, body, headers: { 'content-type': 'image/jpeg', ...headers } });
}

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('contoso');
  me = await h.user(tenant, 'adele', [DIRECTORY_ROLES.globalAdministrator.templateId]);
  group = await h.group(tenant, { owners: [me], members: [me] });
  team = await h.group(tenant, { team: true, owners: [me], members: [me] });
  contact = await h.contact(tenant, me);
  filed = await h.contact(tenant, me, 'Suppliers');
  folderId = filed.parentFolderId!;
  token = await h.delegatedToken(tenant, me, SCOPES);
  photo = await noiseJpeg(800, 600);
});

after(() => h.close());

for (const version of API_VERSIONS) {
  describe(`the matrix in ${version}`, () => {
    it('answers each method of each path form as SPEC §3 says', async () => {
      for (const [kind, owner] of ownerPaths()) {
        for (const resource of RESOURCES.filter((r) => resourceExists(r, kind))) {
          // Start every resource from a stored photo, whatever the previous one did to it.
          const seed = await upload('PUT', `/v1.0${writablePath(kind, owner)}/photo/$value`);
          assert.ok(seed.status === 200 || seed.status === 204, `seeding ${owner}: ${seed.status}`);
          const url = `/${version}${owner}/${resourcePath(resource)}`;
          for (const method of METHODS) {
            const rule = findRule(
              resource,
              kind,
              version,
              (method === 'HEAD' ? 'GET' : method) as PhotoMethod,
            );
            const reply =
              method === 'PUT' || method === 'PATCH'
                ? await upload(method, url)
                : await h.request(method, url, { token });
            const what = `${method} ${url}`;
            if (!rule) {
              assert.equal(reply.status, 405, what);
              assert.equal(reply.headers['allow'], allowedMethods(resource, kind, version).join(', '), what);
              assert.equal(reply.json().error.code, 'MethodNotAllowed', what);
              continue;
            }
            assert.equal(reply.status, successStatus(rule, kind), `${what}: ${reply.body}`);
            if (method === 'HEAD') assert.equal(reply.body.length, 0, what);
            if (rule.operation === 'value' && method === 'GET') {
              assert.equal(reply.headers['content-type'], 'image/jpeg', what);
              assert.equal(Number(reply.headers['content-length']), reply.body.length, what);
            }
            if (rule.operation === 'metadata' || rule.operation === 'list') {
              assert.match(reply.headers['content-type']!, /^application\/json/, what);
            }
            if (rule.operation === 'delete') {
              const gone = await h.request('GET', `/${version}${owner}/photo/$value`, { token });
              assert.equal(gone.status, 404, `after ${what}`);
              assert.equal(gone.json().error.code, 'ImageNotFound');
            }
          }
        }
      }
    });
  });
}

describe('metadata and bytes', () => {
  let etag: string;

  before(async () => {
    const reply = await upload('PUT', '/v1.0/me/photo/$value', await noiseJpeg(504, 504));
    assert.equal(reply.status, 200);
    etag = reply.headers['etag']!;
  });

  it('describes the largest size with Graph metadata whose mediaEtag is the bytes ETag', async () => {
    const metadata = await h.request('GET', '/v1.0/me/photo', { token });
    const body = metadata.json();
    assert.equal(body['@odata.context'], `${h.url}/v1.0/$metadata#users('${me.id}')/photo/$entity`);
    assert.equal(body['@odata.id'], `${h.url}/v1.0/users('${me.id}')/photo`);
    assert.equal(metadata.headers['odata-version'], '4.0');
    assert.equal(body['@odata.mediaContentType'], 'image/jpeg');
    assert.match(body['@odata.mediaEtag'], /^"[0-9A-F]{8}"$/);
    assert.equal(body.id, '504X504');
    assert.equal(body.width, 504);
    assert.equal(body.height, 504);
    const bytes = await h.request('GET', '/v1.0/me/photo/$value', { token });
    assert.equal(bytes.headers['etag'], body['@odata.mediaEtag']);
    assert.equal(bytes.headers['etag'], etag);
    assert.equal(bytes.headers['cache-control'], 'private, max-age=300');
    assert.equal((await sharp(bytes.body).metadata()).width, 504);
  });

  it('lists the 8 sizes of a 504x504 upload, smallest first, each with its own URL', async () => {
    const list = (await h.request('GET', `/beta/users/${me.id}/photos`, { token })).json();
    assert.equal(list['@odata.context'], `${h.url}/beta/$metadata#users('${me.id}')/photos`);
    assert.deepEqual(
      list.value.map((p: { id: string }) => p.id),
      ['48X48', '64X64', '96X96', '120X120', '240X240', '360X360', '432X432', '504X504'],
    );
    for (const entry of list.value) {
      const size = (await h.request('GET', `/v1.0/me/photos/${entry.id.toLowerCase()}/$value`, { token }))
        .body;
      const meta = await sharp(size).metadata();
      assert.equal(meta.width, entry.width);
      assert.equal(meta.height, entry.height);
      assert.equal(entry['@odata.mediaEtag'], etag);
      assert.equal(entry['@odata.id'], `${h.url}/beta/users('${me.id}')/photos('${entry.id}')`);
    }
    const sized = (await h.request('GET', '/v1.0/me/photos/240X240', { token })).json();
    assert.equal(sized['@odata.context'], `${h.url}/v1.0/$metadata#users('${me.id}')/photos/$entity`);
    assert.equal(sized.id, '240X240');
    assert.equal(sized['@odata.id'], `${h.url}/v1.0/users('${me.id}')/photos('240X240')`);
  });

  it('answers 404 ImageNotFound for a size larger than the upload, 400 for a malformed size', async () => {
    for (const size of ['648x648', '100x100', '48x64']) {
      const reply = await h.request('GET', `/v1.0/me/photos/${size}/$value`, { token });
      assert.equal(reply.status, 404, size);
      assert.equal(reply.json().error.code, 'ImageNotFound');
    }
    const bad = await h.request('GET', '/v1.0/me/photos/large/$value', { token });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().error.code, 'BadRequest');
    assert.match(bad.json().error.message, /'large'/);
  });

  it('serves the photo/{size} alias like photos/{size}', async () => {
    const alias = await h.request('GET', '/v1.0/me/photo/96x96/$value', { token });
    const canonical = await h.request('GET', '/v1.0/me/photos/96x96/$value', { token });
    assert.equal(alias.status, 200);
    assert.deepEqual(alias.body, canonical.body);
  });

  it('answers If-None-Match with 304, strong or weak, and HEAD with headers only', async () => {
    for (const header of [etag, `W/${etag}`, `"00000000", ${etag}`, '*']) {
      const reply = await h.request('GET', '/v1.0/me/photos/48x48/$value', {
        token,
        headers: { 'if-none-match': header },
      });
      assert.equal(reply.status, 304, header);
      assert.equal(reply.body.length, 0);
      assert.equal(reply.headers['etag'], etag);
    }
    const stale = await h.request('GET', '/v1.0/me/photos/48x48/$value', {
      token,
      headers: { 'if-none-match': '"00000000"' },
    });
    assert.equal(stale.status, 200);
    const head = await h.request('HEAD', '/v1.0/me/photos/48x48/$value', { token });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(Number(head.headers['content-length']), stale.body.length);
    assert.equal(head.headers['etag'], etag);
  });

  it('changes the ETag on every replace, even with the same bytes', async () => {
    const same = await noiseJpeg(300, 300);
    const first = (await upload('PUT', '/v1.0/me/photo/$value', same)).headers['etag'];
    const second = (await upload('PUT', '/v1.0/me/photo/$value', same)).headers['etag'];
    assert.notEqual(first, second);
    etag = second!;
  });

  it('honours If-Match on writes: 412 when the photo changed, nothing stored', async () => {
    const before = await h.request('GET', '/v1.0/me/photo/$value', { token });
    const stale = await upload('PUT', '/v1.0/me/photo/$value', await solidJpeg(100, 100), {
      'if-match': '"0BADBEEF"',
    });
    assert.equal(stale.status, 412);
    assert.equal(stale.json().error.code, 'PreconditionFailed');
    const weak = await upload('PATCH', '/v1.0/me/photo/$value', await solidJpeg(100, 100), {
      'if-match': `W/${etag}`,
    });
    assert.equal(weak.status, 412, 'weak tags never match If-Match');
    const refusedDelete = await h.request('DELETE', '/v1.0/me/photo/$value', {
      token,
      headers: { 'if-match': '"0BADBEEF"' },
    });
    assert.equal(refusedDelete.status, 412);
    const after = await h.request('GET', '/v1.0/me/photo/$value', { token });
    assert.deepEqual(after.body, before.body);
    const fresh = await upload('PATCH', '/v1.0/me/photo/$value', await solidJpeg(100, 100), {
      'if-match': etag,
    });
    assert.equal(fresh.status, 200);
    const deleted = await h.request('DELETE', '/v1.0/me/photo/$value', {
      token,
      headers: { 'if-match': fresh.headers['etag']! },
    });
    assert.equal(deleted.status, 200);
    const starOnMissing = await upload('PUT', '/v1.0/me/photo/$value', photo, { 'if-match': '*' });
    assert.equal(starOnMissing.status, 412, 'If-Match: * needs a photo to exist');
  });

  it('keeps a 30x30 upload as the only size, listed and readable by its own id', async () => {
    assert.equal((await upload('PUT', '/v1.0/me/photo/$value', await solidJpeg(30, 30))).status, 200);
    const list = (await h.request('GET', '/v1.0/me/photos', { token })).json();
    assert.deepEqual(
      list.value.map((p: { id: string }) => p.id),
      ['30X30'],
    );
    assert.equal((await h.request('GET', '/v1.0/me/photos/30x30/$value', { token })).status, 200);
    assert.equal((await h.request('GET', '/v1.0/me/photos/48x48/$value', { token })).status, 404);
    assert.equal((await h.request('GET', '/v1.0/me/photo', { token })).json().id, '30X30');
  });
});

describe('owners and their errors', () => {
  it('shares one photo between a group and its team', async () => {
    assert.equal((await upload('PUT', `/v1.0/teams/${team.id}/photo/$value`)).status, 204);
    const asTeam = await h.request('GET', `/v1.0/teams/${team.id}/photo/$value`, { token });
    const asGroup = await h.request('GET', `/v1.0/groups/${team.id}/photo/$value`, { token });
    assert.deepEqual(asTeam.body, asGroup.body);
    assert.equal(
      (await h.request('GET', `/v1.0/teams/${team.id}/photo`, { token })).json()['@odata.context'],
      `${h.url}/v1.0/$metadata#teams('${team.id}')/photo/$entity`,
    );
  });

  it('answers 404 Request_ResourceNotFound for unknown users, groups and teams', async () => {
    for (const path of [
      '/v1.0/users/nobody@contoso.example/photo',
      '/v1.0/groups/00000000-0000-0000-0000-000000000000/photo',
      `/v1.0/teams/${group.id}/photo`,
      `/v1.0/users/${me.id}/joinedGroups/${team.id}x/photos`,
    ]) {
      const reply = await h.request('GET', path, { token });
      assert.equal(reply.status, 404, path);
      assert.equal(reply.json().error.code, 'Request_ResourceNotFound', path);
    }
  });

  it('answers 404 ErrorItemNotFound for unknown contacts and folders', async () => {
    for (const path of [
      '/v1.0/me/contacts/00000000-0000-0000-0000-000000000000/photo',
      `/v1.0/me/contactfolders/${folderId}/contacts/${contact.id}/photo`,
      `/v1.0/me/contactfolders/00000000-0000-0000-0000-000000000000/contacts/${filed.id}/photo`,
    ]) {
      const reply = await h.request('GET', path, { token });
      assert.equal(reply.status, 404, path);
      assert.equal(reply.json().error.code, 'ErrorItemNotFound', path);
    }
  });

  it("lists a joined group's photos only for its members", async () => {
    const outsider = await h.user(tenant, 'outsider');
    const reply = await h.request('GET', `/v1.0/users/${outsider.id}/joinedGroups/${group.id}/photos`, {
      token,
    });
    assert.equal(reply.status, 404);
  });

  it('answers 404 ImageNotFound when there is no photo, or the docs placeholder when the tenant asks', async () => {
    const bare = await h.user(tenant, 'bare');
    const path = `/v1.0/users/${bare.id}/photo`;
    const missing = await h.request('GET', path, { token });
    assert.equal(missing.status, 404);
    assert.equal(missing.json().error.code, 'ImageNotFound');
    assert.equal((await h.request('GET', `/v1.0/users/${bare.id}/photos`, { token })).json().value.length, 0);
    await h.store.directory.updateTenantSettings(tenant.id, { missingPhotoMetadata: 'placeholder' });
    const placeholder = (await h.request('GET', path, { token })).json();
    assert.deepEqual(
      { ...placeholder, '@odata.context': undefined },
      {
        '@odata.context': undefined,
        '@odata.id': `${h.url}/v1.0/users('${bare.id}')/photo`,
        '@odata.mediaContentType': 'image/gif',
        '@odata.mediaEtag': '',
        id: '1X1',
        width: 1,
        height: 1,
      },
    );
    assert.equal((await h.request('GET', `${path}/$value`, { token })).status, 404, 'the bytes stay a 404');
    await h.store.directory.updateTenantSettings(tenant.id, { missingPhotoMetadata: 'notFound' });
  });
});

describe('the Graph protocol around it', () => {
  it('puts request-id and client-request-id on every response, echoing the client id', async () => {
    const ok = await h.request('GET', '/v1.0/me/photos', {
      token,
      headers: { 'client-request-id': 'my-trace-42' },
    });
    assert.match(ok.headers['request-id']!, /^[0-9a-f-]{36}$/);
    assert.equal(ok.headers['client-request-id'], 'my-trace-42');
    const failed = await h.request('GET', '/v1.0/me/nothing', {
      token,
      headers: { 'client-request-id': 'my-trace-43' },
    });
    const { error } = failed.json();
    assert.equal(error.innerError['request-id'], failed.headers['request-id']);
    assert.equal(error.innerError['client-request-id'], 'my-trace-43');
    assert.match(error.innerError.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it('answers a URL with a malformed %-escape with a Graph 400, headers and all', async () => {
    for (const path of ['/v1.0/users/%E0%A4%A/photo', '/v1.0/me/photo/%ZZvalue']) {
      const reply = await h.request('GET', path, { token, headers: { 'client-request-id': 'bad-url-1' } });
      assert.equal(reply.status, 400, path);
      const { error } = reply.json();
      assert.equal(error.code, 'BadRequest', path);
      assert.match(error.message, /malformed %-escape/);
      assert.equal(reply.headers['client-request-id'], 'bad-url-1');
      assert.equal(error.innerError['request-id'], reply.headers['request-id']);
    }
  });

  it('answers paths outside the matrix with 400 BadRequest naming the segment', async () => {
    for (const [path, segment] of [
      ['/v1.0/me/photograph', 'photograph'],
      [`/v1.0/teams/${team.id}/photos`, 'photos'],
      ['/v1.0/drives/x/photo', 'drives'],
      ['/v2.0/me/photo', 'v2.0'],
    ] as const) {
      const reply = await h.request('GET', path, { token });
      assert.equal(reply.status, 400, path);
      assert.equal(reply.json().error.code, 'BadRequest');
      assert.ok(reply.json().error.message.includes(`'${segment}'`), reply.json().error.message);
    }
  });

  it('says where photo bytes go when a write forgets /$value', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const reply = await h.request(method, '/v1.0/me/photo', { token });
      assert.equal(reply.status, 405, method);
      assert.match(reply.json().error.message, new RegExp(`${method} /v1\\.0/me/photo/\\$value\\.$`), method);
    }
    const noHint = await h.request('PUT', '/v1.0/me/photos/48x48', { token });
    assert.equal(noHint.status, 405);
    assert.doesNotMatch(noHint.json().error.message, /\$value/, 'no size can be written on its own');
  });

  it('answers common slips in the URL with what would work', async () => {
    for (const [path, message] of [
      ['/v1.0', /no resource after \/v1\.0: e\.g\. \/v1\.0\/me\/photo/],
      ['/beta?x=1', /no resource after \/beta/],
      ['/me/photo', /Paths start with \/v1\.0 or \/beta: e\.g\. \/v1\.0\/me\/photo\./],
      [
        '/contoso/.well-known/openid-configuration',
        /Did you mean \/contoso\/v2\.0\/\.well-known\/openid-configuration\?/,
      ],
      ['/contoso/oauth2/token', /Did you mean \/contoso\/oauth2\/v2\.0\/token\?/],
      [
        '/.well-known/openid-configuration',
        /per tenant .*\/\{tenant\}\/v2\.0\/\.well-known\/openid-configuration/,
      ],
      ['/v2.0/me/photo', /Invalid version or resource: 'v2\.0'/],
    ] as const) {
      const reply = await h.request('GET', path, { token });
      assert.equal(reply.status, 400, path);
      assert.equal(reply.json().error.code, 'BadRequest', path);
      assert.match(reply.json().error.message, message, path);
    }
  });

  it('keeps serving after every kind of error', async () => {
    assert.equal((await h.request('GET', '/healthz')).status, 200);
    assert.equal((await h.request('GET', '/readyz')).json().status, 'ready');
    const metrics = await h.request('GET', '/metrics');
    assert.match(
      metrics.body.toString(),
      /portrait_http_requests_total\{method="GET",operation="value",status="200"\}/,
    );
  });
});
