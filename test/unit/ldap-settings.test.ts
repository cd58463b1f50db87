// `--ldap "URL key=value …"` and the options of `portrait directory sync` (SPEC §13): what they
// accept, what they refuse and in which words, and that a kept setting prints back as it parses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkLdapFilter,
  formatLdapSetting,
  ldapSourceFrom,
  parseLdapSetting,
} from '../../src/services/ldap-settings.js';

describe('the --ldap setting', () => {
  it('reads a full setting; unset parts are null, to be detected or defaulted at each sync', () => {
    assert.deepEqual(
      parseLdapSetting(
        "ldaps://dc1.corp.example:636 base-dn='OU=Staff, DC=corp,DC=example' bind-dn=CN=portrait,DC=corp,DC=example bind-password-env=AD_PASSWORD map='userPrincipalName=mail jobTitle=' write-photos=thumbnailPhoto delete-missing every=15m ca=/etc/ssl/corp-ca.pem",
      ),
      {
        url: 'ldaps://dc1.corp.example:636',
        baseDn: 'OU=Staff, DC=corp,DC=example',
        bindDn: 'CN=portrait,DC=corp,DC=example',
        bindPasswordEnv: 'AD_PASSWORD',
        filter: null,
        map: { userPrincipalName: 'mail', jobTitle: '' },
        anchor: null,
        photoAttribute: null,
        writePhotos: 'thumbnailPhoto',
        deleteMissing: true,
        startTls: false,
        caFile: '/etc/ssl/corp-ca.pem',
        everySeconds: 900,
      },
    );
    assert.equal(parseLdapSetting('off'), null);
  });

  it('refuses what cannot work, saying what is wrong', () => {
    const refusals: [string, RegExp][] = [
      ['https://dc1 base-dn=x', /starts with ldap:\/\/ or ldaps:\/\//],
      ['ldap://dc1/ou=x base-dn=x', /ldap\[s\]:\/\/host\[:port\], with nothing after it/],
      ['ldap://dc1', /base-dn is missing/],
      ['ldap://dc1 base-dn=x bind-dn=cn=a', /bind-dn needs bind-password-env/],
      ['ldap://dc1 base-dn=x bind-password-env=1BAD', /names an environment variable/],
      ['ldaps://dc1 base-dn=x starttls', /starttls is for ldap:\/\/ URLs/],
      ['ldap://dc1 base-dn=x every=5s', /every is a duration from 10s to 7d/],
      ['ldap://dc1 base-dn=x every=soon', /every is a duration/],
      ['ldap://dc1 base-dn=x map=colour=hue', /map: 'colour=hue' is not property=attribute/],
      ['ldap://dc1 base-dn=x map=displayName=', /every user needs a displayName/],
      ['ldap://dc1 base-dn=x anchor=obj;binary', /anchor names an LDAP attribute/],
      ['ldap://dc1 base-dn=x password=secret', /'password=secret' is not one of base-dn=…/],
      ['ldap://dc1 base-dn=x delete-missing=maybe', /delete-missing is on or off/],
      ['ldap://dc1 base-dn=x filter=(uid=a', /parentheses do not match/],
      ["ldap://dc1 base-dn='x", /a quote is not closed/],
    ];
    for (const [text, message] of refusals) assert.throws(() => parseLdapSetting(text), message, text);
  });

  it('lets options given to one sync replace only what they name', () => {
    const kept = parseLdapSetting('ldap://dc1 base-dn=dc=x bind-dn=cn=a bind-password-env=P every=1h')!;
    const source = ldapSourceFrom(
      undefined,
      new Map([
        ['filter', '(uid=a*)'],
        ['starttls', ''],
      ]),
      kept,
    );
    assert.equal(source.url, 'ldap://dc1');
    assert.equal(source.bindDn, 'cn=a');
    assert.equal(source.filter, '(uid=a*)');
    assert.equal(source.startTls, true);
    assert.equal(source.everySeconds, 3600);
    assert.equal(kept.filter, null, 'the kept setting is not changed');
  });

  it('prints a setting that parses back to itself', () => {
    const attribute = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9-]{0,12}$/);
    fc.assert(
      fc.property(
        fc.record({
          host: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5})?$/),
          secure: fc.boolean(),
          baseDn: fc.stringMatching(/^(ou|dc|cn)=[A-Za-z][A-Za-z ]{0,8}[A-Za-z](,dc=[a-z]{1,6}){0,2}$/),
          bind: fc.option(
            fc.tuple(fc.stringMatching(/^cn=[a-z]{1,8}$/), fc.stringMatching(/^[A-Z_]{1,10}$/)),
          ),
          photo: fc.option(attribute),
          anchor: fc.option(attribute),
          every: fc.option(fc.integer({ min: 10, max: 7 * 86_400 })),
          deleteMissing: fc.boolean(),
          map: fc.option(fc.tuple(fc.constantFrom('mail', 'jobTitle', 'givenName'), fc.option(attribute))),
        }),
        (r) => {
          const words = [
            `${r.secure ? 'ldaps' : 'ldap'}://${r.host}`,
            `base-dn='${r.baseDn}'`,
            ...(r.bind ? [`bind-dn=${r.bind[0]}`, `bind-password-env=${r.bind[1]}`] : []),
            ...(r.photo ? [`photo-attribute=${r.photo}`] : []),
            ...(r.anchor ? [`anchor=${r.anchor}`] : []),
            ...(r.every ? [`every=${r.every}s`] : []),
            ...(r.map ? [`map=${r.map[0]}=${r.map[1] ?? ''}`] : []),
            ...(r.deleteMissing ? ['delete-missing'] : []),
          ];
          const parsed = parseLdapSetting(words.join(' '))!;
          assert.deepEqual(parseLdapSetting(formatLdapSetting(parsed)), parsed);
        },
      ),
    );
  });
});

describe('LDAP filters', () => {
  it('accepts RFC 4515 filters and refuses what ldapts would read otherwise', () => {
    for (const filter of [
      '(objectClass=user)',
      '(&(objectClass=inetOrgPerson)(!(uid=svc-*)))',
      '(cn=A\\28B\\29)',
    ]) {
      assert.doesNotThrow(() => checkLdapFilter(filter), filter);
    }
    for (const filter of ['(&(uid=a)', 'uid=a', '(uid=a))', '(=a)', '(uid~a)']) {
      assert.throws(() => checkLdapFilter(filter), /is not an LDAP filter/, filter);
    }
  });
});
