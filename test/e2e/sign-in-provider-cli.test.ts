// `portrait tenant update T --sign-in-provider "…"` (SPEC §12): saved even when the provider is
// not reachable now (with a warning), shown by `tenant list --json` without any secret, and off.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { portrait, portraitJson } from '../support/cli.js';

describe('tenant update --sign-in-provider', () => {
  let dir: string;
  let store: string[];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portrait-sso-'));
    store = ['--data', dir];
    await portraitJson(['tenant', 'create', 'acme', ...store]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('saves the setting with a warning when the issuer does not answer, and never a secret', async () => {
    const spec =
      "https://127.0.0.1:9/realms/acme client-id=portrait client-secret-env=ACME_SECRET name='Acme SSO' provision=jit";
    const run = await portrait(['tenant', 'update', 'acme', '--sign-in-provider', spec, '--json', ...store], {
      env: { ACME_SECRET: 'very-secret-value' },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /warning: https:\/\/127\.0\.0\.1:9\/realms\/acme did not answer discovery .*saved anyway/,
    );
    const listed = JSON.stringify(await portraitJson(['tenant', 'list', ...store]));
    assert.match(
      listed,
      /"signInProvider":\{"issuer":"https:\/\/127\.0\.0\.1:9\/realms\/acme","clientId":"portrait","clientSecretEnv":"ACME_SECRET","name":"Acme SSO"/,
    );
    assert.doesNotMatch(listed + run.stdout + run.stderr, /very-secret-value/);
  });

  it('warns when the secret variable is not set where the command runs', async () => {
    const run = await portrait([
      'tenant',
      'update',
      'acme',
      '--sign-in-provider',
      'https://127.0.0.1:9 client-id=p client-secret-env=NOT_SET_HERE',
      ...store,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning: NOT_SET_HERE is not set here/);
  });

  it('turns it off, and refuses a bad setting with exit 2', async () => {
    const off = await portraitJson(['tenant', 'update', 'acme', '--sign-in-provider', 'off', ...store]);
    assert.equal(off.settings.signInProvider, null);
    const bad = await portrait([
      'tenant',
      'update',
      'acme',
      '--sign-in-provider',
      'https://idp.example client-id=p',
      ...store,
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /client-secret-env=… is required/);
  });
});
