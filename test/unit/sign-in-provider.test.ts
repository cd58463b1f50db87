// `--sign-in-provider` (SPEC §12): what the setting reads, its defaults, and what it refuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIRECTORY_ROLES } from '../../src/auth/directory-roles.js';
import { parseSignInProvider } from '../../src/services/sign-in-provider.js';

describe('parseSignInProvider', () => {
  it('reads every key, with quoted values holding spaces', () => {
    assert.deepEqual(
      parseSignInProvider(
        "https://login.acme.example/realms/acme/ client-id=portrait client-secret-env=ACME_SECRET name='Acme SSO' " +
          "scopes='openid profile email groups' user-claim=preferred_username provision=jit roles-claim=groups " +
          "role-map='portrait-admins=Global Administrator;photo-admins=People Administrator, Global Reader' passwords=off",
      ),
      {
        issuer: 'https://login.acme.example/realms/acme',
        clientId: 'portrait',
        clientSecretEnv: 'ACME_SECRET',
        name: 'Acme SSO',
        scopes: ['openid', 'profile', 'email', 'groups'],
        userClaim: 'preferred_username',
        provision: 'jit',
        rolesClaim: 'groups',
        roleMap: {
          'portrait-admins': [DIRECTORY_ROLES.globalAdministrator.templateId],
          'photo-admins': [
            DIRECTORY_ROLES.peopleAdministrator.templateId,
            DIRECTORY_ROLES.globalReader.templateId,
          ],
        },
        passwords: false,
      },
    );
  });

  it('gives the defaults of SPEC §12', () => {
    assert.deepEqual(parseSignInProvider('https://idp.example client-id=c client-secret-env=S'), {
      issuer: 'https://idp.example',
      clientId: 'c',
      clientSecretEnv: 'S',
      name: 'idp.example',
      scopes: ['openid', 'profile', 'email'],
      userClaim: 'email',
      provision: 'existing',
      rolesClaim: null,
      roleMap: {},
      passwords: true,
    });
    assert.deepEqual(
      parseSignInProvider("https://idp.example client-id=c client-secret-env=S scopes='email'")?.scopes,
      ['openid', 'email'],
    );
  });

  it('turns off with off', () => {
    assert.equal(parseSignInProvider('off'), null);
    assert.equal(parseSignInProvider(' OFF '), null);
  });

  it('allows plain HTTP only for a provider on this machine', () => {
    assert.equal(
      parseSignInProvider('http://127.0.0.1:5556/dex client-id=c client-secret-env=S')?.issuer,
      'http://127.0.0.1:5556/dex',
    );
    assert.throws(
      () => parseSignInProvider('http://idp.example client-id=c client-secret-env=S'),
      /must be https/,
    );
  });

  for (const [spec, error] of [
    ['client-id=c client-secret-env=S', /first word must be the provider's issuer URL/],
    ['https://idp.example client-secret-env=S', /client-id=… is required/],
    ['https://idp.example client-id=c', /client-secret-env=… is required/],
    ['https://idp.example client-id=c client-secret-env=my-secret', /names an environment variable/],
    [
      'https://idp.example client-id=c client-secret-env=S colour=blue',
      /'colour=blue' is not one of client-id=…/,
    ],
    [
      'https://idp.example client-id=c client-secret-env=S provision=always',
      /provision is jit or existing, not 'always'/,
    ],
    ['https://idp.example client-id=c client-secret-env=S passwords=maybe', /passwords is on or off/],
    ["https://idp.example client-id=c client-secret-env=S name='Acme", /quote is not closed/],
    [
      "https://idp.example client-id=c client-secret-env=S role-map='a=Global Administrator'",
      /role-map needs roles-claim/,
    ],
    [
      "https://idp.example client-id=c client-secret-env=S roles-claim=g role-map='a=Chief'",
      /unknown directory role 'Chief'/,
    ],
    [
      "https://idp.example client-id=c client-secret-env=S roles-claim=g role-map='nothing'",
      /'nothing' is not value=Role/,
    ],
  ] as const) {
    it(`refuses ${spec}`, () => assert.throws(() => parseSignInProvider(spec), error));
  }
});
