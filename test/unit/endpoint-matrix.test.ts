import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allowedMethods,
  documentedMethods,
  findRule,
  successStatus,
} from '../../src/graph/endpoint-matrix.js';
import { SEED_BETA_METHODS, SEED_V1_METHODS } from '../support/seed-000-methods.js';

describe('endpoint matrix', () => {
  it('covers every method the permissions page lists, in both versions', () => {
    for (const [version, seed] of [
      ['v1.0', SEED_V1_METHODS],
      ['beta', SEED_BETA_METHODS],
    ] as const) {
      const ours = new Set(documentedMethods(version));
      assert.deepEqual(
        seed.filter((line) => !ours.has(line)),
        [],
        `${version} lines the matrix lacks`,
      );
    }
  });

  it('has beta drop PATCH for user and group photos but keep it for contacts', () => {
    assert.ok(findRule('photo/$value', 'user', 'v1.0', 'PATCH'));
    assert.equal(findRule('photo/$value', 'user', 'beta', 'PATCH'), undefined);
    assert.equal(findRule('photo/$value', 'group', 'beta', 'PATCH'), undefined);
    assert.ok(findRule('photo/$value', 'contact', 'beta', 'PATCH'));
    assert.equal(
      documentedMethods('beta').some((l) => l.startsWith('PATCH /me/photo')),
      false,
    );
  });

  it('gives teams PUT only, answered with 204', () => {
    assert.deepEqual(allowedMethods('photo/$value', 'team', 'v1.0'), ['GET', 'HEAD', 'PUT']);
    const put = findRule('photo/$value', 'team', 'v1.0', 'PUT')!;
    assert.equal(successStatus(put, 'team'), 204);
    assert.equal(successStatus(put, 'user'), 200);
  });

  it('has no DELETE for contacts or teams', () => {
    assert.equal(findRule('photo/$value', 'contact', 'v1.0', 'DELETE'), undefined);
    assert.equal(findRule('photo/$value', 'team', 'v1.0', 'DELETE'), undefined);
    assert.ok(findRule('photo/$value', 'group', 'beta', 'DELETE'));
  });
});
