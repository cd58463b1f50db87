// SPEC §10: every test that starts a server ends by checking that the server still serves and
// that its log has no fatal line, so a request that stops the process (or leaves something behind
// that does, later) fails the test that sent it, not whichever test happens to run next.
import assert from 'node:assert/strict';
import { Agent, type Dispatcher, request } from 'undici';

/** What a process that stopped, or is about to, leaves in its log and on its standard error. */
const FATAL_LINE =
  /"level":60|Unhandled 'error' event|Uncaught|triggerUncaughtException|FATAL ERROR|Segmentation fault/;

/** The log's fatal lines, if any. */
export const fatalLines = (log: string): string[] => log.split('\n').filter((line) => FATAL_LINE.test(line));

/**
 * Asserts that the server at `url` answers `/healthz` with 200 on a new connection and that `log`
 * has no fatal line. `dispatcher` trusts the server's certificate; without one, any is accepted
 * (the server's identity is not what is checked here).
 */
export async function expectServing(
  url: string,
  log: string,
  dispatcher: Dispatcher = new Agent({ connect: { rejectUnauthorized: false } }),
): Promise<void> {
  assert.deepEqual(fatalLines(log), [], `the server's log has fatal lines:\n${log.slice(-4000)}`);
  let status: number | string;
  try {
    const reply = await request(`${url}/healthz`, {
      dispatcher,
      reset: true,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    await reply.body.dump();
    status = reply.statusCode;
  } catch (error) {
    status = (error as NodeJS.ErrnoException).code ?? String(error);
  }
  assert.equal(status, 200, `the server no longer answers /healthz (${status}):\n${log.slice(-4000)}`);
}

/** Waits `ms`: tests of slow or refused bodies wait past the body deadlines before checking. */
export const pastDeadlines = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
