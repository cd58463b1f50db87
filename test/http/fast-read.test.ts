// The fast read path (src/http/fast-photo-read.ts) must answer exactly as the Fastify route does,
// and take no decision of its own. Two servers share one database: one with the fast path, one
// without. Every request goes to both; status, body and headers must match (the per-request ids
// and the date aside), and the fast server's counter shows which requests it took.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { type RunningServer, startServer } from '../../src/server.js';
import type { Group, User } from '../../src/domain/directory.js';
import type { Tenant } from '../../src/domain/tenant.js';
import { expectServing } from '../support/still-serving.js';
import { Harness, testConfig } from '../support/harness.js';
import { noiseJpeg } from '../support/images.js';
import { within1s } from '../support/poll.js';

let h: Harness;
let slow: RunningServer;
let slowAgent: Agent;
let tenant: Tenant;
let other: Tenant;
let adele: User;
let alex: User;
let noPhoto: User;
let group: Group;
let reader: string;
let delegated: string;
let noPermission: string;
let otherTenantToken: string;

/** The headers that differ per request by design. */
const PER_REQUEST = new Set(['date', 'request-id', 'client-request-id', 'keep-alive', 'connection']);

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function ask(
  url: string,
  agent: Agent,
  path: string,
  headers: Record<string, string>,
): Promise<Answer> {
  const response = await request(`${url}${path}`, { headers, dispatcher: agent });
  const body = Buffer.from(await response.body.arrayBuffer()).toString('base64');
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers))
    if (!PER_REQUEST.has(name)) kept[name] = String(value);
  return { status: response.statusCode, headers: kept, body };
}

/** Innererror's ids and date differ per request; the rest of a Graph error must match. */
const comparable = (answer: Answer) => {
  if (!answer.headers['content-type']?.startsWith('application/json')) return answer;
  const json = JSON.parse(Buffer.from(answer.body, 'base64').toString('utf8'));
  if (json.error?.innerError) json.error.innerError = {};
  return { ...answer, body: JSON.stringify(json), headers: { ...answer.headers, 'content-length': '' } };
};

async function fastReads(): Promise<number> {
  const metrics = await h.request('GET', '/metrics');
  return Number(/^portrait_http_fast_reads_total (\d+)/m.exec(metrics.body.toString())?.[1] ?? Number.NaN);
}

/** Asks both servers (twice each, so the token is verified and remembered) and compares. */
async function same(
  path: string,
  headers: Record<string, string>,
): Promise<{ answer: Answer; fast: number }> {
  await ask(h.url, h.agent, path, headers);
  const before = await fastReads();
  const fast = await ask(h.url, h.agent, path, headers);
  const taken = (await fastReads()) - before;
  await ask(slow.url, slowAgent, path, headers);
  const reference = await ask(slow.url, slowAgent, path, headers);
  assert.deepEqual(comparable(fast), comparable(reference), `${path} answered differently`);
  return { answer: fast, fast: taken };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

before(async () => {
  h = await Harness.start();
  slow = await startServer(
    testConfig(h.dataDir, { fastReads: false, databaseUrl: h.databaseUrl, blobStore: h.blobStore }),
    pino({ level: 'silent' }),
  );
  slowAgent = new Agent({ connect: { ca: readFileSync(slow.caPath!) } });
  tenant = await h.tenant('fastco');
  other = await h.tenant('otherco');
  adele = await h.user(tenant, 'adele');
  alex = await h.user(tenant, 'alex');
  noPhoto = await h.user(tenant, 'nophoto');
  group = await h.group(tenant, { team: true, owners: [adele] });
  const writer = await h.appToken(tenant, ['ProfilePhoto.ReadWrite.All', 'Group.ReadWrite.All']);
  const photo = await noiseJpeg(300, 300);
  for (const path of [`/v1.0/users/${adele.id}/photo/$value`, `/v1.0/groups/${group.id}/photo/$value`]) {
    const put = await h.request('PUT', path, {
      token: writer,
      body: photo,
      headers: { 'content-type': 'image/jpeg' },
    });
    assert.ok(put.status < 300, `upload to ${path}: ${put.status}`);
  }
  reader = await h.appToken(tenant, ['ProfilePhoto.Read.All', 'GroupMember.Read.All']);
  delegated = await h.delegatedToken(tenant, adele, ['User.Read']);
  noPermission = await h.appToken(tenant, ['Contacts.Read'], 'no-photo-app');
  otherTenantToken = await h.appToken(other, ['ProfilePhoto.Read.All'], 'other-app');
});

after(async () => {
  await expectServing(slow.url, '', slowAgent);
  await slowAgent.close();
  await slow.close();
  await h.close();
});

describe('the fast read path', () => {
  it('answers photo bytes as the route does, by id, UPN, /me, group, size, %24value and any case', async () => {
    const paths: [string, Record<string, string>][] = [
      [`/v1.0/users/${adele.id}/photo/$value`, bearer(reader)],
      [`/beta/users/${adele.userPrincipalName}/photos/48x48/$value`, bearer(reader)],
      [`/v1.0/users('${adele.id}')/photos/240x240/$value`, bearer(reader)],
      [`/v1.0/Users/${adele.id}/Photo/%24value`, bearer(reader)],
      ['/v1.0/me/photo/$value', bearer(delegated)],
      [`/v1.0/groups/${group.id}/photo/$value`, bearer(reader)],
    ];
    for (const [path, headers] of paths) {
      const { answer, fast } = await same(path, headers);
      assert.equal(answer.status, 200, path);
      assert.equal(answer.headers['content-type'], 'image/jpeg');
      assert.equal(fast, 1, `${path} took the fast path`);
    }
  });

  it('answers 304 to a matching If-None-Match, weak or strong, and echoes a client-request-id', async () => {
    const first = await h.request('GET', `/v1.0/users/${adele.id}/photo/$value`, { token: reader });
    const etag = first.headers['etag']!;
    for (const match of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const { answer, fast } = await same(`/v1.0/users/${adele.id}/photo/$value`, {
        ...bearer(reader),
        'if-none-match': match,
      });
      assert.equal(answer.status, 304, match);
      assert.equal(answer.body, '');
      assert.equal(fast, 1);
    }
    const echoed = await h.request('GET', `/v1.0/users/${adele.id}/photo/$value`, {
      token: reader,
      headers: { 'client-request-id': 'my-id-42' },
    });
    assert.equal(echoed.headers['client-request-id'], 'my-id-42');
  });

  it('hands every refusal to the route: 401, 403, 404 of another tenant, no photo, no size, 405', async () => {
    const cases: [string, Record<string, string>, number][] = [
      [`/v1.0/users/${adele.id}/photo/$value`, bearer(`${reader}x`), 401],
      [`/v1.0/users/${adele.id}/photo/$value`, bearer(noPermission), 403],
      [`/v1.0/users/${alex.id}/photo/$value`, bearer(delegated), 403],
      [`/v1.0/users/${adele.id}/photo/$value`, bearer(otherTenantToken), 404],
      [`/v1.0/users/${noPhoto.id}/photo/$value`, bearer(reader), 404],
      [`/v1.0/users/${adele.id}/photos/648x648/$value`, bearer(reader), 404],
      [`/v1.0/users/${adele.id}/photos/$value`, bearer(reader), 400],
      [`/v1.0/teams/${group.id}/photo/$value`, bearer(reader), 403],
    ];
    for (const [path, headers, status] of cases) {
      const { answer, fast } = await same(path, headers);
      assert.equal(answer.status, status, `${path} with ${headers.authorization?.slice(-12)}`);
      assert.equal(fast, 0, `${path} was refused by the route, not answered fast`);
    }
  });

  it('leaves a browser request (Origin), a query, and a deleted user to the route', async () => {
    const path = `/v1.0/users/${adele.id}/photo/$value`;
    const browser = await same(path, { ...bearer(reader), origin: 'https://app.example' });
    assert.equal(browser.answer.headers['access-control-allow-origin'], '*');
    assert.equal(browser.fast, 0);
    const query = await same(`${path}?$select=id`, bearer(reader));
    assert.equal(query.fast, 0);

    const leaving = await h.user(tenant, 'leaving');
    const token = await h.delegatedToken(tenant, leaving, ['User.Read']);
    assert.equal((await h.request('GET', '/v1.0/me/photo/$value', { token })).status, 404);
    await h.store.directory.deleteUser(tenant.id, leaving.id);
    const gone = await same('/v1.0/me/photo/$value', bearer(token));
    assert.equal(gone.answer.status, 401);
    assert.equal(gone.fast, 0);
  });

  it('takes a kept decision only while nothing it rests on has changed, here or elsewhere', async () => {
    const owner = await h.user(tenant, 'kept');
    const path = `/v1.0/users/${owner.id}/photo/$value`;
    const writer = await h.appToken(tenant, ['ProfilePhoto.ReadWrite.All']);
    const upload = async (url: string, agent: Agent) => {
      const reply = await request(`${url}${path}`, {
        method: 'PUT',
        body: await noiseJpeg(120, 120),
        headers: { ...bearer(writer), 'content-type': 'image/jpeg' },
        dispatcher: agent,
      });
      await reply.body.dump();
      assert.equal(reply.statusCode, 200);
      return reply.headers['etag'];
    };
    const first = await upload(h.url, h.agent);
    const headers = bearer(await h.appToken(tenant, ['ProfilePhoto.Read.All'], 'kept-app'));
    // The first read verifies the token, the second decides on the fast path, the rest are kept.
    for (let i = 0; i < 3; i++)
      assert.equal((await ask(h.url, h.agent, path, headers)).headers['etag'], first);
    const before = await fastReads();
    assert.equal((await ask(h.url, h.agent, path, headers)).headers['etag'], first);
    assert.equal((await fastReads()) - before, 1);

    // A new photo through the other server, as another process (the CLI, another node) writes.
    const second = await upload(slow.url, slowAgent);
    assert.notEqual(second, first);
    const seen = await within1s(
      () => ask(h.url, h.agent, path, headers),
      (answer) => answer.headers['etag'] === second,
    );
    assert.equal(seen.headers['etag'], second);

    // The owner deleted elsewhere: the kept 200 is not given again.
    assert.equal((await ask(h.url, h.agent, path, headers)).status, 200);
    await slow.store.directory.deleteUser(tenant.id, owner.id);
    const gone = await within1s(
      () => ask(h.url, h.agent, path, headers),
      (answer) => answer.status === 404,
    );
    assert.equal(gone.status, 404);
  });

  it('takes no kept decision for a token that has expired since', async () => {
    const path = `/v1.0/users/${adele.id}/photo/$value`;
    const headers = bearer(await h.appToken(tenant, ['ProfilePhoto.Read.All'], 'short-lived', 2));
    for (let i = 0; i < 3; i++) assert.equal((await ask(h.url, h.agent, path, headers)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const before = await fastReads();
    await ask(h.url, h.agent, path, headers);
    assert.equal((await fastReads()) - before, 0, 'an expired token is checked again by the route');
  });

  it('keeps an avatar image (a photo or a drawn default) by its URL, answers it as the route does, and drops it on any write', async () => {
    const owner = await h.user(other, 'face');
    await h.store.directory.updateTenantSettings(other.id, { avatars: 'public' });
    const writer = await h.appToken(other, ['ProfilePhoto.ReadWrite.All'], 'face-writer');
    const photoPath = `/v1.0/users/${owner.id}/photo/$value`;
    const upload = async () => {
      const put = await h.request('PUT', photoPath, {
        token: writer,
        body: await noiseJpeg(200, 200),
        headers: { 'content-type': 'image/jpeg' },
      });
      assert.equal(put.status, 200);
    };
    await upload();
    const hash = createHash('md5').update(owner.userPrincipalName.toLowerCase()).digest('hex');
    const stored = `/avatar/${hash}?s=48`;
    const resized = `/avatar/${hash}.jpg?size=80&d=404`;
    const drawn = `/avatar/${'0'.repeat(32)}?d=identicon`;
    for (const path of [stored, resized, drawn]) {
      // Kept from the second answer on (admission.ts): `same` asks twice more.
      const first = await ask(h.url, h.agent, path, {});
      const { answer, fast } = await same(path, {});
      assert.equal(first.status, 200, path);
      assert.equal(answer.status, 200, path);
      assert.equal(answer.headers['cache-control'], 'public, max-age=300');
      assert.equal(fast, 1, `${path} was answered from the kept image`);
    }
    // A URL answered once is not kept: its second request is the route's, its third from memory.
    const once = `/avatar/${hash}?s=64`;
    assert.equal((await same(once, {})).fast, 0, `${once} was kept after one answer`);
    assert.equal((await same(once, {})).fast, 1, `${once} was not kept after two`);
    const etag = (await ask(h.url, h.agent, stored, {})).headers['etag']!;
    const notModified = await same(stored, { 'if-none-match': etag });
    assert.equal(notModified.answer.status, 304);
    assert.equal(notModified.fast, 1);

    // Not found, redirects and refusals are the route's every time.
    for (const path of [
      `/avatar/${'0'.repeat(32)}?d=404`,
      `/avatar/${'0'.repeat(32)}?d=https://example.com/x.png`,
      `/avatar/${hash}?s=9999`,
    ]) {
      assert.equal((await same(path, {})).fast, 0, path);
    }

    // A new photo, then avatars turned off: each seen at once.
    const before = (await ask(h.url, h.agent, stored, {})).body;
    await upload();
    const after = await ask(h.url, h.agent, stored, {});
    assert.equal(after.status, 200);
    assert.notEqual(after.body, before);
    await slow.store.directory.updateTenantSettings(other.id, { avatars: 'off' });
    const hidden = await within1s(
      () => ask(h.url, h.agent, `/avatar/${hash}?s=48&d=404`, {}),
      (answer) => answer.status === 404,
    );
    assert.equal(hidden.status, 404);
    const asked = await ask(h.url, h.agent, stored, {});
    assert.notEqual(asked.body, after.body, 'no kept photo once avatars are off');
  });

  it('sees a new photo and a removed one at once', async () => {
    const writer = await h.appToken(tenant, ['ProfilePhoto.ReadWrite.All']);
    const path = `/v1.0/users/${alex.id}/photo/$value`;
    assert.equal((await same(path, bearer(reader))).answer.status, 404);
    await h.request('PUT', path, {
      token: writer,
      body: await noiseJpeg(100, 100),
      headers: { 'content-type': 'image/jpeg' },
    });
    const stored = await same(path, bearer(reader));
    assert.equal(stored.answer.status, 200);
    assert.equal(stored.fast, 1);
    const removed = await h.request('DELETE', path, { token: writer });
    assert.ok(removed.status < 300, removed.body.toString());
    assert.equal((await same(path, bearer(reader))).answer.status, 404);
  });
});
