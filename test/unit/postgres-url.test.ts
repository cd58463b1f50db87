// `--database postgres://…`: the pool size comes from `?pool=N` (default 10), bad values are
// refused naming the option, and passwords never reach a message.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  DEFAULT_POOL_SIZE,
  openPostgresBackend,
  postgresConnection,
  redacted,
} from '../../src/store/sql/postgres-backend.js';

it('takes the pool size from ?pool= and leaves the rest of the URL to pg', () => {
  assert.deepEqual(postgresConnection('postgres://u@db:5432/portrait'), {
    connectionString: 'postgres://u@db:5432/portrait',
    poolSize: DEFAULT_POOL_SIZE,
  });
  assert.deepEqual(postgresConnection('postgres://u@db/portrait?pool=25&sslmode=require'), {
    connectionString: 'postgres://u@db/portrait?sslmode=require',
    poolSize: 25,
  });
});

it('refuses a pool size that is not a whole number from 1 to 1000', () => {
  for (const bad of ['0', '-1', '2.5', 'many', '1001']) {
    assert.throws(() => postgresConnection(`postgres://u@db/p?pool=${bad}`), {
      name: 'TypeError',
      message: new RegExp(`\\?pool= in --database .* not '${bad.replace('.', '\\.')}'`),
    });
  }
});

it('hides the password in messages', () => {
  assert.equal(redacted('postgres://u:secret@db/p'), 'postgres://u:***@db/p');
  assert.equal(redacted('postgres://u@db/p'), 'postgres://u@db/p');
});

it('says in plain words when PostgreSQL does not answer, without the password', async () => {
  await assert.rejects(openPostgresBackend('postgres://u:secret@127.0.0.1:1/p'), (error: Error) => {
    assert.match(error.message, /^cannot reach PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/p: /);
    assert.doesNotMatch(error.message, /secret/);
    return true;
  });
});
