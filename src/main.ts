#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node
// The environment above tunes glibc's allocator for sharp: fewer per-thread arenas and large
// buffers always mapped, so memory freed after a burst of uploads goes back to the system
// (measured in docs/benchmarks.md). Elsewhere it is ignored.
// The `portrait` command: serve the API, or work on the store behind it.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { identityCommands } from './cli/app-commands.js';
import { blobCommands } from './cli/blob-commands.js';
import { directoryCommands } from './cli/directory-commands.js';
import { directorySyncCommands } from './cli/directory-sync-command.js';
import { fixturesCommand } from './cli/fixtures-command.js';
import { permissionsCommand } from './cli/permissions-command.js';
import { photosCommand } from './cli/photo-commands.js';
import { serveCommand } from './cli/serve-command.js';
import { storeCommands } from './cli/store-commands.js';
import { tokenCommand } from './cli/token-command.js';
import { packageFile } from './package-files.js';
import { FixtureError } from './services/fixture-file.js';

/** The package's version, from its package.json. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function buildProgram(): Command {
  const program = new Command('portrait')
    .description('A self-hostable profile-photo service that speaks the Microsoft Graph profilePhoto API.')
    .version(packageVersion());
  for (const command of [
    serveCommand(),
    tokenCommand(),
    ...directoryCommands(),
    directorySyncCommands(),
    photosCommand(),
    ...identityCommands(),
    permissionsCommand(),
    ...storeCommands(),
    blobCommands(),
    fixturesCommand(),
  ])
    program.addCommand(command);
  const throwInsteadOfExit = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(throwInsteadOfExit);
  };
  throwInsteadOfExit(program);
  return program;
}

const SYSCALL_VERBS: Record<string, string> = {
  open: 'read',
  mkdir: 'create the directory',
  scandir: 'list',
};

/** Node's system errors (`ENOENT: no such file or directory, open 'x.pem'`) in a person's words. */
function plainMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  if (!code || !syscall) return error.message;
  // What the system said, without its code and the call: "no such file or directory".
  const reason = (/E[A-Z]+: ([^,]+)/.exec(error.message)?.[1] ?? code).replace(/ \S+:\d+$/, '');
  const { port, address, hostname } = error as { port?: number; address?: string; hostname?: string };
  if (syscall === 'listen' && code === 'EADDRINUSE') {
    return `port ${port} on ${address} is already in use (another portrait serve?); stop it or pick another --port`;
  }
  if (syscall === 'listen')
    return `cannot listen on ${address} port ${port}: ${reason}; check --host and --port`;
  if (syscall === 'getaddrinfo') return `no host named '${hostname}' here; check --host`;
  return path ? `cannot ${SYSCALL_VERBS[syscall] ?? syscall} ${path}: ${reason}` : error.message;
}

/** Exit codes (SPEC §1): 0 ok, 1 failure, 2 usage error. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  // The command whose action runs: its failures print through commander, as its own errors do.
  let running = program;
  program.hook('preAction', (_program, actionCommand) => {
    running = actionCommand;
  });
  try {
    await program.parseAsync(argv);
    // A command that finished but partly failed (an import with bad rows) has set this.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    // commander has printed its own errors (unknown option, bad value, …) and the help already.
    // An InvalidArgumentError that reaches here was thrown by an action: a usage error it found.
    if (error instanceof CommanderError && !(error instanceof InvalidArgumentError)) {
      return error.exitCode === 0 ? 0 : 2;
    }
    // Fixtures that cannot be applied (a member who is not in the tenant) are a mistake in the input too.
    const exitCode = error instanceof InvalidArgumentError || error instanceof FixtureError ? 2 : 1;
    try {
      running.error(`error: ${plainMessage(error)}`, { exitCode, code: 'portrait.error' });
    } catch {
      // exitOverride turns commander's exit into this throw; the exit code is returned below.
    }
    return exitCode;
  }
}

// `portrait … | head`: once the reader has gone, nothing more can be said; stop quietly, as Unix
// tools do, instead of an unhandled EPIPE and its stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw error;
  });
}
process.exitCode = await run(process.argv);
