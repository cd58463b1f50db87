// No token, secret, password or authorization code in any log line (issue 15): a full run of the
// real `portrait` command at trace level — app secrets made by the CLI, client-credentials tokens
// (secret in the form and in Basic auth), a person's sign-in with a password and the code it
// yields, API calls with the tokens, refused tokens, and the usual client slips that put a
// secret in a URL — then every line the server and the CLI wrote is searched for each of them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { Agent, request } from 'undici';
import { Browser, Callback, pkce } from '../support/browser.js';
import { type CliResult, portrait, type ServeProcess, serve } from '../support/cli.js';
import { noiseJpeg } from '../support/images.js';

const PASSWORD = 'Correct-Horse-Battery-Staple-42';

let dataDir: string;
let server: ServeProcess;
let stopped = false;
let agent: Agent;
let callback: Callback;
/** Everything the CLI wrote on stderr (its log and messages); stdout is the output asked for. */
const cliStderr: string[] = [];
/** Every secret the run handled, by what it is. */
const secrets = new Map<string, string>();

const store = () => ['--data', dataDir];

async function cli(args: string[], input?: string): Promise<CliResult> {
  const result = await portrait([...args, ...store()], input === undefined ? {} : { input });
  cliStderr.push(result.stderr);
  assert.equal(result.code, 0, `portrait ${args.join(' ')}: ${result.stderr}`);
  return result;
}

async function call(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: Buffer | string } = {},
) {
  const response = await request(`${server.url}${path}`, {
    method: method as 'GET',
    ...init,
    dispatcher: agent,
  });
  const text = Buffer.from(await response.body.arrayBuffer()).toString();
  return { status: response.statusCode, text };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'portrait-logs-'));
  server = await serve(['--port', '0', ...store(), '--log-level', 'trace']);
  agent = new Agent({ connect: { ca: readFileSync(join(dataDir, 'tls', 'ca.pem')) } });
  callback = await Callback.start();
});

after(async () => {
  if (!stopped) await server?.stop();
  await agent?.close();
  await callback?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('a full run logs no token, secret, password or authorization code', async () => {
  const tenant = JSON.parse((await cli(['tenant', 'create', 'logs', '--json'])).stdout);
  await cli(
    [
      'user',
      'create',
      '--tenant',
      'logs',
      '--upn',
      'adele@logs.example',
      '--name',
      'Adele',
      '--password-stdin',
      '--json',
    ],
    PASSWORD,
  );
  secrets.set('password', PASSWORD);

  // App secrets: one made with the app, one added later.
  const app = JSON.parse(
    (
      await cli([
        'app',
        'create',
        '--tenant',
        'logs',
        '--name',
        'sync',
        '--roles',
        'ProfilePhoto.ReadWrite.All User.Read.All',
        '--grant',
        '--json',
      ])
    ).stdout,
  );
  secrets.set('client secret', app.clientSecret);
  const added = JSON.parse(
    (await cli(['app', 'add-secret', '--tenant', 'logs', '--app', 'sync', '--json'])).stdout,
  );
  secrets.set('added client secret', added.clientSecret);
  const tokenUrl = `/${tenant.id}/oauth2/v2.0/token`;
  const scope = 'https://graph.microsoft.com/.default';

  // client_credentials: the secret in the form, then in Basic auth.
  const viaForm = await call('POST', tokenUrl, {
    headers: FORM,
    body: form({
      grant_type: 'client_credentials',
      client_id: app.appId,
      client_secret: app.clientSecret,
      scope,
    }),
  });
  assert.equal(viaForm.status, 200, viaForm.text);
  const appToken = JSON.parse(viaForm.text).access_token as string;
  secrets.set('app token', appToken);
  const basic = Buffer.from(`${app.appId}:${added.clientSecret}`).toString('base64');
  const viaBasic = await call('POST', tokenUrl, {
    headers: { ...FORM, authorization: `Basic ${basic}` },
    body: form({ grant_type: 'client_credentials', scope }),
  });
  assert.equal(viaBasic.status, 200, viaBasic.text);
  secrets.set('app token (Basic)', JSON.parse(viaBasic.text).access_token);
  secrets.set('Basic credentials', basic);
  // A wrong secret is refused, and is no more logged than a right one.
  const wrong = 'Wrong-Secret-Value-9f3b2c7d1e';
  secrets.set('wrong client secret', wrong);
  const refused = await call('POST', tokenUrl, {
    headers: FORM,
    body: form({ grant_type: 'client_credentials', client_id: app.appId, client_secret: wrong, scope }),
  });
  assert.equal(refused.status, 401, refused.text);
  // A slip clients make: the secret in the query string of the token endpoint.
  await call('POST', `${tokenUrl}?client_secret=${encodeURIComponent(app.clientSecret)}`, {
    headers: FORM,
    body: form({ grant_type: 'client_credentials', client_id: app.appId, scope }),
  });

  // A person signs in with a password; the code is redeemed for tokens.
  const spa = JSON.parse(
    (
      await cli([
        'app',
        'create',
        '--tenant',
        'logs',
        '--name',
        'spa',
        '--public',
        '--redirect-uri',
        callback.url,
        '--json',
      ])
    ).stdout,
  );
  const browser = new Browser(agent);
  const { verifier, challenge } = pkce();
  const params = new URLSearchParams({
    client_id: spa.appId,
    response_type: 'code',
    redirect_uri: callback.url,
    scope: 'openid profile User.ReadWrite',
    state: 'state-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const signIn = await browser.open(`${server.url}/logs/oauth2/v2.0/authorize?${params}`);
  // A mistyped password first, then the right one.
  const again = await browser.submit(signIn, {
    username: 'adele@logs.example',
    password: `${PASSWORD}-typo`,
  });
  secrets.set('mistyped password', `${PASSWORD}-typo`);
  const consent = await browser.submit(again, { username: 'adele@logs.example', password: PASSWORD });
  assert.match(consent.html, /Permissions requested/);
  await browser.submit(consent, { decision: 'accept' });
  const code = callback.last().get('code');
  assert.ok(code, 'the sign-in gave a code');
  secrets.set('authorization code', code);
  secrets.set('code verifier', verifier);
  const redeem = () =>
    call('POST', tokenUrl, {
      headers: FORM,
      body: form({
        grant_type: 'authorization_code',
        client_id: spa.appId,
        code,
        redirect_uri: callback.url,
        code_verifier: verifier,
      }),
    });
  const redeemed = await redeem();
  assert.equal(redeemed.status, 200, redeemed.text);
  const tokens = JSON.parse(redeemed.text);
  secrets.set('user access token', tokens.access_token);
  secrets.set('id token', tokens.id_token);
  // A code is single-use: the second redemption is refused (and must not be logged either).
  const replay = await redeem();
  assert.equal(replay.status, 400, replay.text);

  // API calls with the tokens, good and bad.
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const photo = await noiseJpeg(120, 120);
  const put = await call('PUT', '/v1.0/me/photo/$value', {
    headers: { ...bearer(tokens.access_token), 'content-type': 'image/jpeg' },
    body: photo,
  });
  assert.equal(put.status, 200, put.text);
  assert.equal(
    (await call('GET', '/v1.0/me/photo/$value', { headers: bearer(tokens.access_token) })).status,
    200,
  );
  assert.equal((await call('GET', '/v1.0/users', { headers: bearer(appToken) })).status, 200);
  const tampered = `${appToken.slice(0, -4)}AAAA`;
  secrets.set('tampered token', tampered);
  assert.equal((await call('GET', '/v1.0/users', { headers: bearer(tampered) })).status, 401);
  // Another slip: the token in the URL, as some proxies and old clients send it.
  await call('GET', `/v1.0/me/photo/$value?access_token=${tokens.access_token}`);
  // And a CLI-minted token, used once.
  const minted = (
    await cli(['token', '--tenant', 'logs', '--user', 'adele@logs.example', '--scopes', 'User.Read'])
  ).stdout.trim();
  secrets.set('CLI token', minted);
  assert.equal((await call('GET', '/v1.0/me', { headers: bearer(minted) })).status, 200);

  // Let the asynchronous log writer catch up, then stop the server so everything is flushed.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await server.stop();
  stopped = true;
  const serverLog = server.output();
  const lines = serverLog.split('\n').filter(Boolean);
  assert.ok(lines.length >= 15, `the server logged the run (${lines.length} lines)`);
  assert.ok(
    lines.some((line) => /"url":"\/v1.0\/me\/photo\/\$value"/.test(line)),
    'request lines name their URL',
  );

  const logs = [serverLog, ...cliStderr].join('\n');
  const lineWith = (value: string) =>
    logs
      .split('\n')
      .find((line) => line.includes(value))
      ?.replaceAll(value, '<HERE>');
  for (const [what, value] of secrets) {
    assert.ok(value && value.length >= 8, `${what} is a real value`);
    // Also URL-encoded, as it would be in a logged query string.
    for (const form of new Set([value, encodeURIComponent(value)])) {
      assert.equal(lineWith(form), undefined, `the logs contain the ${what}: ${lineWith(form)}`);
    }
  }
  const jwt = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/.exec(logs);
  assert.equal(jwt, null, `a JWT in the logs: ${jwt?.[0].slice(0, 40)}…`);
});
