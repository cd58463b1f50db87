// The server's log destination (src/logger.ts): lines written in one turn of the event loop are
// handed on together, so none may be lost or reordered, including at exit and on a crash.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

const LOGGER = new URL('../../src/logger.ts', import.meta.url).href;

/** Runs `body` in a child whose standard output is the destination; returns the lines it wrote. */
function linesOf(body: string): { lines: { n: number; msg: string }[]; status: number | null } {
  const script = `
    import { createLogger, serverLogDestination } from ${JSON.stringify(LOGGER)};
    const log = createLogger('info', serverLogDestination());
    ${body}
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  const lines = child.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { n: number; msg: string });
  return { lines, status: child.status };
}

const numbered = (lines: { n: number }[]) => lines.map((line) => line.n);
const upTo = (count: number) => Array.from({ length: count }, (_, i) => i);

describe('the server log destination', () => {
  it('writes every line in order across turns of the event loop', () => {
    const { lines } = linesOf(`
      for (let turn = 0; turn < 50; turn++) {
        for (let i = 0; i < 100; i++) log.info({ n: turn * 100 + i }, 'line');
        await new Promise((resolve) => setImmediate(resolve));
      }
      log.flush();
    `);
    assert.deepEqual(numbered(lines), upTo(5000));
  });

  it('loses nothing written just before process.exit, in the same turn', () => {
    const { lines, status } = linesOf(`
      for (let i = 0; i < 3000; i++) log.info({ n: i }, 'line');
      process.exit(3);
    `);
    assert.equal(status, 3);
    assert.deepEqual(numbered(lines), upTo(3000));
  });

  it('loses nothing written before an uncaught exception', () => {
    const { lines, status } = linesOf(`
      for (let i = 0; i < 10; i++) log.info({ n: i }, 'line');
      setTimeout(() => {
        log.fatal({ n: 10 }, 'about to fail');
        throw new Error('boom');
      }, 5);
    `);
    assert.equal(status, 1);
    assert.deepEqual(numbered(lines), upTo(11));
    assert.equal(lines.at(-1)?.msg, 'about to fail');
  });
});
