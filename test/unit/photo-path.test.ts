import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphError } from '../../src/errors.js';
import { parsePhotoPath } from '../../src/graph/photo-path.js';

const badRequest = (path: string, mentions: string) => {
  assert.throws(
    () => parsePhotoPath('v1.0', path),
    (error: unknown) =>
      error instanceof GraphError &&
      error.status === 400 &&
      error.code === 'BadRequest' &&
      error.message.includes(mentions),
  );
};

describe('photo path parser', () => {
  it('reads every owner form of the matrix', () => {
    assert.deepEqual(parsePhotoPath('v1.0', '/me/photo').owner, { kind: 'user', user: { me: true } });
    assert.deepEqual(parsePhotoPath('v1.0', '/users/adele@contoso.com/photo/$value').owner, {
      kind: 'user',
      user: { me: false, key: 'adele@contoso.com' },
    });
    assert.deepEqual(parsePhotoPath('v1.0', '/groups/g1/photos').owner, { kind: 'group', groupId: 'g1' });
    assert.deepEqual(parsePhotoPath('beta', '/teams/t1/photo').owner, { kind: 'team', groupId: 't1' });
    assert.deepEqual(parsePhotoPath('v1.0', '/me/contacts/c1/photo').owner, {
      kind: 'contact',
      user: { me: true },
      contactId: 'c1',
    });
    assert.deepEqual(parsePhotoPath('v1.0', '/users/u1/contactfolders/f1/contacts/c1/photo/$value').owner, {
      kind: 'contact',
      user: { me: false, key: 'u1' },
      folderId: 'f1',
      contactId: 'c1',
    });
    assert.deepEqual(parsePhotoPath('v1.0', '/users/u1/joinedGroups/g1/photos').owner, {
      kind: 'joinedGroup',
      user: { me: false, key: 'u1' },
      groupId: 'g1',
    });
  });

  it('reads resources and sizes, in any case and percent-encoded', () => {
    const sized = parsePhotoPath('v1.0', '/Me/Photos/48X48/%24value');
    assert.equal(sized.resource, 'photos/{size}/$value');
    assert.deepEqual(sized.size, { width: 48, height: 48 });
    assert.equal(parsePhotoPath('v1.0', '/USERS/u/PHOTO/$VALUE').resource, 'photo/$value');
    assert.equal(parsePhotoPath('v1.0', '/me/photos/').resource, 'photos');
  });

  it('accepts the aliases the docs use: /team/{id} and photo/{size}', () => {
    assert.equal(parsePhotoPath('v1.0', '/team/t1/photo/$value').owner.kind, 'team');
    const alias = parsePhotoPath('v1.0', '/me/photo/96x96/$value');
    assert.equal(alias.resource, 'photos/{size}/$value');
    assert.deepEqual(alias.size, { width: 96, height: 96 });
  });

  it("accepts OData key syntax users('id')", () => {
    assert.deepEqual(parsePhotoPath('v1.0', "/users('u1')/photo").owner, {
      kind: 'user',
      user: { me: false, key: 'u1' },
    });
  });

  it('names the bad segment of a path outside the matrix', () => {
    badRequest('/printers/p1/photo', "'printers'");
    badRequest('/me/picture', "'picture'");
    badRequest('/me/photo/$value/extra', "'extra'");
    badRequest('/teams/t1/photos', "'photos'");
    badRequest('/me/contacts/c1/photos/48x48', "'photos'");
    badRequest('/users/u1/joinedGroups/g1/photo', "'photo'");
    badRequest('/me/contactfolders/f1/people/c1/photo', "'people'");
  });

  it('refuses a size that is not WxH with a 400 listing the sizes', () => {
    badRequest('/me/photos/huge', '48x48');
    badRequest('/me/photos/48/$value', '48x48');
    badRequest('/me/photos/0x0', '48x48');
  });

  it('refuses a missing id', () => {
    badRequest('/users', "'users'");
    badRequest('/groups/', "'groups'");
  });
});
