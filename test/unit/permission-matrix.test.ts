// Pins the permission matrix to SPEC §5 as written, so an edit to the data that every other
// test reads cannot slip through unnoticed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PERMISSION_MATRIX, photoAction } from '../../src/auth/permission-matrix.js';

const SPEC_5 = {
  'userPhoto.read.self': [
    'User.Read, User.ReadWrite, User.ReadBasic.All, User.Read.All, User.ReadWrite.All, ProfilePhoto.Read.All, ProfilePhoto.ReadWrite.All',
    'User.Read, User.ReadWrite',
    null,
  ],
  'userPhoto.read.other': [
    'ProfilePhoto.Read.All, ProfilePhoto.ReadWrite.All, User.ReadBasic.All, User.Read.All, User.ReadWrite.All',
    null,
    'ProfilePhoto.Read.All, ProfilePhoto.ReadWrite.All, User.ReadBasic.All, User.Read.All, User.ReadWrite.All',
  ],
  'userPhoto.write.self': [
    'User.ReadWrite, ProfilePhoto.ReadWrite.All, User.ReadWrite.All',
    'User.ReadWrite',
    null,
  ],
  'userPhoto.write.other': [
    'ProfilePhoto.ReadWrite.All, User.ReadWrite.All',
    null,
    'ProfilePhoto.ReadWrite.All, User.ReadWrite.All',
  ],
  'groupPhoto.read': [
    'ProfilePhoto.Read.All, ProfilePhoto.ReadWrite.All, Group.Read.All, Group.ReadWrite.All',
    null,
    'ProfilePhoto.Read.All, ProfilePhoto.ReadWrite.All, Group.Read.All, Group.ReadWrite.All',
  ],
  'groupPhoto.write': [
    'ProfilePhoto.ReadWrite.All, Group.ReadWrite.All',
    null,
    'ProfilePhoto.ReadWrite.All, Group.ReadWrite.All',
  ],
  'teamPhoto.read': [
    'Team.ReadBasic.All, TeamSettings.Read.All, TeamSettings.ReadWrite.All',
    null,
    'Team.ReadBasic.All, TeamSettings.Read.All, TeamSettings.ReadWrite.All',
  ],
  'teamPhoto.write': ['TeamSettings.ReadWrite.All', null, 'TeamSettings.ReadWrite.All'],
  'contactPhoto.read': [
    'Contacts.Read, Contacts.ReadWrite',
    'Contacts.Read, Contacts.ReadWrite',
    'Contacts.Read, Contacts.ReadWrite',
  ],
  'contactPhoto.write': ['Contacts.ReadWrite', null, 'Contacts.ReadWrite'],
} as const;

const joined = (list: readonly string[] | null) => (list ? list.join(', ') : null);

describe('permission matrix', () => {
  it('is SPEC §5, cell by cell, least privileged first', () => {
    assert.equal(PERMISSION_MATRIX.length, Object.keys(SPEC_5).length);
    for (const rule of PERMISSION_MATRIX) {
      const [delegated, personal, application] = SPEC_5[rule.action];
      assert.equal(joined(rule.delegated), delegated, `${rule.action} delegated`);
      assert.equal(joined(rule.personal), personal, `${rule.action} personal`);
      assert.equal(joined(rule.application), application, `${rule.action} application`);
    }
  });

  it('adds the role and ownership conditions SPEC §5 sets for delegated writes', () => {
    const conditions = Object.fromEntries(
      PERMISSION_MATRIX.filter((r) => r.delegatedAlsoNeeds).map((r) => [
        r.action,
        `${r.delegatedAlsoNeeds!.orOwner ? 'owner or ' : ''}${r.delegatedAlsoNeeds!.roles.map((x) => x.name).join('/')}`,
      ]),
    );
    assert.deepEqual(conditions, {
      'userPhoto.write.other': 'Global Administrator/User Administrator/People Administrator',
      'groupPhoto.write': 'owner or Global Administrator/Groups Administrator',
      'teamPhoto.write': 'owner or Global Administrator/Teams Administrator',
    });
    assert.deepEqual(
      PERMISSION_MATRIX.filter((r) => r.ownMailboxOnly).map((r) => r.action),
      ['contactPhoto.read', 'contactPhoto.write'],
    );
  });

  it('maps owners to rows: joined groups read group photos, teams their own row', () => {
    assert.equal(photoAction('user', 'read', true), 'userPhoto.read.self');
    assert.equal(photoAction('user', 'write', false), 'userPhoto.write.other');
    assert.equal(photoAction('joinedGroup', 'read', false), 'groupPhoto.read');
    assert.equal(photoAction('team', 'write', false), 'teamPhoto.write');
    assert.equal(photoAction('contact', 'read', true), 'contactPhoto.read');
  });
});
