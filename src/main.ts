#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node
// The environment above tunes glibc's allocator for sharp: fewer per-thread arenas and large
// buffers always mapped, so memory freed after a burst of uploads goes back to the system
// (measured in docs/benchmarks.md). Elsewhere it is ignored.
// The `portrait` command: serve the API, or work on the store behind it.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { identityCommands } from './cli/app-commands.js';
import { UsageError } from './cli/cli-support.js';
import { directoryCommands } from './cli/directory-commands.js';
import { photosCommand } from './cli/photo-commands.js';
import { serveCommand } from './cli/serve-command.js';
import { tokenCommand } from './cli/token-command.js';

/** The package's version, from the nearest package.json (src/ under tsx, dist/src/ when built). */
function packageVersion(): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (pkg.name === 'portrait') return pkg.version;
    } catch {
      // not this level
    }
  }
  return 'unknown';
}

export function buildProgram(): Command {
  const program = new Command('portrait')
    .description('A self-hostable profile-photo service that speaks the Microsoft Graph profilePhoto API.')
    .version(packageVersion());
  for (const command of [
    serveCommand(),
    tokenCommand(),
    ...directoryCommands(),
    photosCommand(),
    ...identityCommands(),
  ])
    program.addCommand(command);
  const throwInsteadOfExit = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(throwInsteadOfExit);
  };
  throwInsteadOfExit(program);
  return program;
}

/** Exit codes (SPEC §1): 0 ok, 1 failure, 2 usage error. */
export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    // A command that finished but partly failed (an import with bad rows) has set this.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    if (error instanceof CommanderError) {
      // commander has printed the message or the help already.
      return error.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

process.exitCode = await run(process.argv);
