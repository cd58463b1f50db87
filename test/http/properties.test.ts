// Property-based tests (issue 15, fast-check) against a running server: random claims (delegated
// or app-only, any subset of the photo permissions, any directory roles) x random photo
// endpoints (every owner kind, path form, resource, method and version) never give a 2xx where
// the endpoint matrix and the permission matrix say no, nor a 401/403 where they say yes; random
// paths never give a 500; and mutated images (bit flips, truncations, splices of a valid JPEG,
// PNG or WebP) never give a 500. The oracle reads the matrix modules; it restates nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import { PERMISSION_MATRIX, photoAction, permissionRule } from '../../src/auth/permission-matrix.js';
import {
  API_VERSIONS,
  type ApiVersion,
  findRule,
  type PhotoMethod,
  type PhotoResource,
} from '../../src/graph/endpoint-matrix.js';
import type { OwnerKind } from '../../src/domain/owner-kind.js';
import type { Contact, Group, User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { Harness } from '../support/harness.js';
import { noiseJpeg, solid } from '../support/images.js';

/** Bounded, so the suite stays fast; a failure prints the seed and the shrunk case to replay. */
const RUNS = 200;
/** Single requests are cheap (about 5 ms each), and the matrix is large. */
const CLAIM_RUNS = 500;

let h: Harness;
let tenant: Tenant;
/** Callers, each with other roles; every one is a member of the group and owns the team when `ownsTeam`. */
let callers: { user: User; ownsTeam: boolean; contact: Contact }[];
let other: User;
let otherContact: Contact;
let group: Group;
let team: Group;

const PERMISSIONS = [
  ...new Set(PERMISSION_MATRIX.flatMap((rule) => [...(rule.delegated ?? []), ...(rule.application ?? [])])),
].sort();

const R = DIRECTORY_ROLES;
const ROLE_SETS = [
  [],
  [R.userAdministrator.templateId],
  [R.groupsAdministrator.templateId, R.teamsAdministrator.templateId],
  [R.peopleAdministrator.templateId],
  [R.globalAdministrator.templateId],
];

before(async () => {
  h = await Harness.start();
  tenant = await h.tenant('props');
  other = await h.user(tenant, 'other');
  otherContact = await h.contact(tenant, other);
  callers = [];
  for (const [i, roles] of ROLE_SETS.entries()) {
    const user = await h.user(tenant, `caller${i}`, roles);
    callers.push({
      user,
      ownsTeam: i % 2 === 0,
      contact: await h.contact(tenant, user, i % 2 ? 'Friends' : undefined),
    });
  }
  group = await h.group(tenant, { members: callers.map((c) => c.user) });
  team = await h.group(tenant, {
    team: true,
    owners: callers.filter((c) => c.ownsTeam).map((c) => c.user),
    members: callers.map((c) => c.user),
  });
  // Every owner starts with a photo, so reads can succeed.
  const admin = await h.appToken(
    tenant,
    ['ProfilePhoto.ReadWrite.All', 'TeamSettings.ReadWrite.All', 'Contacts.ReadWrite'],
    'seeder',
  );
  const jpeg = await noiseJpeg(100, 100);
  const owners = [
    `/users/${other.id}`,
    `/groups/${group.id}`,
    `/teams/${team.id}`,
    `/users/${other.id}/contacts/${otherContact.id}`,
    ...callers.flatMap((c) => [`/users/${c.user.id}`, `/users/${c.user.id}/contacts/${c.contact.id}`]),
  ];
  for (const owner of owners) {
    const reply = await h.request('PUT', `/v1.0${owner}/photo/$value`, {
      token: admin,
      body: jpeg,
      headers: { 'content-type': 'image/jpeg' },
    });
    assert.ok(reply.status < 300, `seeding ${owner}: ${reply.status}`);
  }
});

after(() => h.close());

interface Target {
  kind: OwnerKind;
  path: string;
  /** The caller's own user (for /me and their own id or UPN). */
  self: boolean;
  /** A path through /me: app-only tokens get 400 there. */
  viaMe: boolean;
  /** Another user's mailbox (contacts): delegated callers never reach it. */
  otherMailbox: boolean;
}

function targets(caller: (typeof callers)[number]): Target[] {
  const u = caller.user;
  const contactPath = caller.contact.parentFolderId
    ? `contactfolders/${caller.contact.parentFolderId}/contacts/${caller.contact.id}`
    : `contacts/${caller.contact.id}`;
  const t = (kind: OwnerKind, path: string, extra: Partial<Target> = {}): Target => ({
    kind,
    path,
    self: false,
    viaMe: path.startsWith('/me'),
    otherMailbox: false,
    ...extra,
  });
  return [
    t('user', '/me', { self: true }),
    t('user', `/users/${u.id}`, { self: true }),
    t('user', `/users/${u.userPrincipalName.toUpperCase()}`, { self: true }),
    t('user', `/users/${other.id}`),
    t('group', `/groups/${group.id}`),
    t('team', `/teams/${team.id}`),
    t('contact', `/me/${contactPath}`),
    t('contact', `/users/${u.id}/${contactPath}`),
    t('contact', `/users/${other.id}/contacts/${otherContact.id}`, { otherMailbox: true }),
    t('joinedGroup', `/users/${u.id}/joinedGroups/${group.id}`),
  ];
}

const RESOURCES: { resource: PhotoResource; suffix: string }[] = [
  { resource: 'photo', suffix: 'photo' },
  { resource: 'photo/$value', suffix: 'photo/$value' },
  { resource: 'photos', suffix: 'photos' },
  { resource: 'photos/{size}', suffix: 'photos/48x48' },
  { resource: 'photos/{size}/$value', suffix: 'photos/48x48/$value' },
];
const METHODS: PhotoMethod[] = ['GET', 'PUT', 'PATCH', 'DELETE'];

/** What the matrices say of a call: whether the endpoint exists, and whether these claims may use it. */
function oracle(
  target: Target,
  resource: PhotoResource,
  method: PhotoMethod,
  version: ApiVersion,
  claims: { app: boolean; permissions: string[]; roles: string[]; ownsTeam: boolean },
): { exists: boolean; allowed: boolean } {
  const rule = findRule(resource, target.kind, version, method);
  if (!rule) return { exists: false, allowed: false };
  if (claims.app && target.viaMe) return { exists: true, allowed: false };
  const access = rule.operation === 'replace' || rule.operation === 'delete' ? 'write' : 'read';
  const matrix = permissionRule(photoAction(target.kind, access, !claims.app && target.self));
  const granted = matrix[claims.app ? 'application' : 'delegated'] ?? [];
  if (!claims.permissions.some((p) => granted.includes(p))) return { exists: true, allowed: false };
  if (!claims.app) {
    if (matrix.ownMailboxOnly && target.otherMailbox) return { exists: true, allowed: false };
    const needs = matrix.delegatedAlsoNeeds;
    if (needs) {
      const hasRole = needs.roles.some((r) => claims.roles.includes(r.templateId));
      // Of the objects here, the caller can own only the team.
      const owns = needs.orOwner && target.kind === 'team' && claims.ownsTeam;
      if (!hasRole && !owns) return { exists: true, allowed: false };
    }
  }
  return { exists: true, allowed: true };
}

describe('permission matrix x router', () => {
  it(`random claims x random photo endpoints: no 2xx where the matrices say no (${CLAIM_RUNS} runs)`, async (t) => {
    const body = await noiseJpeg(64, 64);
    let granted = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          app: fc.boolean(),
          callerIndex: fc.nat(ROLE_SETS.length - 1),
          // Any few permissions, or (more often) a few that some row of the matrix names.
          permissions: fc.oneof(
            { arbitrary: fc.subarray(PERMISSIONS, { maxLength: 3 }), weight: 1 },
            {
              arbitrary: fc
                .constantFrom(...PERMISSION_MATRIX)
                .map((row) => [...new Set([...(row.delegated ?? []), ...(row.application ?? [])])])
                .chain((named) => fc.subarray(named, { minLength: 1, maxLength: Math.min(2, named.length) })),
              weight: 2,
            },
          ),
          targetIndex: fc.nat(9),
          // photo/$value has every method: most of the matrix is there.
          resourceIndex: fc.oneof(
            { arbitrary: fc.constant(1), weight: 3 },
            { arbitrary: fc.nat(RESOURCES.length - 1), weight: 2 },
          ),
          method: fc.constantFrom(...METHODS),
          version: fc.constantFrom(...API_VERSIONS),
        }),
        async (c) => {
          const caller = callers[c.callerIndex]!;
          const target = targets(caller)[c.targetIndex]!;
          const { resource, suffix } = RESOURCES[c.resourceIndex]!;
          const token = c.app
            ? await h.appToken(tenant, c.permissions, `app-${c.permissions.join('-')}`)
            : await h.delegatedToken(tenant, caller.user, c.permissions);
          const write = c.method === 'PUT' || c.method === 'PATCH';
          const reply = await h.request(c.method, `/${c.version}${target.path}/${suffix}`, {
            token,
            ...(write ? { body, headers: { 'content-type': 'image/jpeg' } } : {}),
          });
          const expected = oracle(target, resource, c.method, c.version, {
            app: c.app,
            permissions: c.permissions,
            roles: caller.user.directoryRoles,
            ownsTeam: caller.ownsTeam,
          });
          const what = `${c.app ? 'app' : 'delegated'} [${c.permissions}] roles [${caller.user.directoryRoles.length}] ${c.method} /${c.version}${target.path}/${suffix} -> ${reply.status}`;
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          assert.ok(reply.status < 500, `${what}: ${reply.body.toString().slice(0, 200)}`);
          if (reply.status < 300) {
            granted++;
            assert.ok(expected.exists && expected.allowed, `${what}, but the matrices say no`);
          }
          if (!expected.exists) assert.ok([400, 405].includes(reply.status), what);
          if (expected.allowed)
            assert.ok(![401, 403].includes(reply.status), `${what}, but the matrices say yes`);
        },
      ),
      { numRuns: CLAIM_RUNS },
    );
    t.diagnostic(`claims x endpoints: ${JSON.stringify(Object.fromEntries(statuses))}`);
    // The property is only worth something if some calls were allowed.
    assert.ok(granted > 5, `only ${granted} calls were allowed`);
  });

  it(`random paths under the API never give a 500 (${RUNS} runs)`, async () => {
    const token = await h.appToken(tenant, PERMISSIONS, 'all');
    const segment = fc.oneof(
      fc.constantFrom(
        'me',
        'users',
        'groups',
        'teams',
        'team',
        'contacts',
        'contactfolders',
        'joinedGroups',
        'photo',
        'photos',
        '$value',
        '%24value',
        '48x48',
        '48X48',
        '0x0',
        '99999999x99999999',
        '-1x-1',
        '..',
        '%2e%2e',
        '%',
        '%zz',
        "('48x48')",
        other.id,
        other.userPrincipalName,
        group.id,
        team.id,
        otherContact.id,
        '',
      ),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...API_VERSIONS),
        fc.array(segment, { minLength: 1, maxLength: 7 }),
        fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'POST', 'HEAD'),
        async (version, segments, method) => {
          const path = `/${version}/${segments.join('/')}`;
          const write = ['PUT', 'PATCH', 'POST'].includes(method);
          const reply = await h.request(method, path, {
            token,
            ...(write ? { body: Buffer.from('x'), headers: { 'content-type': 'image/jpeg' } } : {}),
          });
          assert.ok(
            reply.status < 500,
            `${method} ${path} -> ${reply.status}: ${reply.body.toString().slice(0, 200)}`,
          );
          if (reply.status >= 400 && method !== 'HEAD') {
            assert.ok(reply.json().error.code, `${method} ${path}: a Graph error body`);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('mutated images', () => {
  it(`bit flips, truncations and splices of valid images never give a 500 (${RUNS} runs)`, async (t) => {
    const user = callers[0]!.user;
    const token = await h.delegatedToken(tenant, user, ['User.ReadWrite']);
    const sources = [
      await noiseJpeg(120, 90),
      await solid(80, 100, [30, 140, 60]).png().toBuffer(),
      await solid(100, 100, [200, 40, 90]).webp().toBuffer(),
      await solid(64, 64, [10, 10, 200]).gif().toBuffer(),
    ];
    const outcomes = new Map<number, number>();
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.array(fc.nat(), { minLength: 1, maxLength: 16 }),
        bit: fc.nat(7),
      }),
      fc.record({
        kind: fc.constant('truncate' as const),
        share: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      fc.record({
        kind: fc.constant('splice' as const),
        at: fc.nat(),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat(sources.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        async (s, mutations) => {
          let bytes = Buffer.from(sources[s]!);
          for (const m of mutations) {
            if (m.kind === 'flip') for (const at of m.at) bytes[at % bytes.length]! ^= 1 << m.bit;
            else if (m.kind === 'truncate') bytes = bytes.subarray(0, Math.floor(bytes.length * m.share));
            else {
              const at = m.at % (bytes.length + 1);
              bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(at)]);
            }
          }
          const reply = await h.request('PUT', '/v1.0/me/photo/$value', {
            token,
            body: bytes,
            headers: { 'content-type': 'image/jpeg' },
          });
          outcomes.set(reply.status, (outcomes.get(reply.status) ?? 0) + 1);
          assert.ok(
            [200, 400].includes(reply.status),
            `${reply.status}: ${reply.body.toString().slice(0, 300)}`,
          );
          if (reply.status === 400) assert.equal(reply.json().error.code, 'ErrorInvalidImage');
        },
      ),
      { numRuns: RUNS },
    );
    t.diagnostic(`mutated images: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    assert.equal((await h.request('GET', '/healthz')).status, 200);
  });
});
