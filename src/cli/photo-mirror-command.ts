// `portrait photos mirror --from URL --to URL`: every user's photo from one Graph-compatible
// endpoint to another, resumable from a state file, patient with throttling (SPEC §1).
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { GraphClient } from '../bulk/graph-client.js';
import { MirrorState, MirrorStateError } from '../bulk/mirror-state.js';
import { mirrorPhotos } from '../bulk/photo-mirror.js';
import {
  concurrencyOption,
  emit,
  type Options,
  progressBar,
  storeCommand,
  summaryTable,
  UsageError,
} from './cli-support.js';

/** A Graph root with its version, e.g. https://graph.microsoft.com/v1.0. */
function graphBase(value: unknown, flag: string): string {
  const text = String(value).replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(text) || !URL.canParse(text)) {
    throw new UsageError(
      `${flag} takes a Graph URL such as https://graph.microsoft.com/v1.0, not '${value}'`,
    );
  }
  return text;
}

function token(opts: Options, key: string, env: string, side: string): string {
  const value = opts[key] as string | undefined;
  if (!value) throw new UsageError(`set ${env} to a bearer token for the ${side} endpoint`);
  return value;
}

/** One state file per pair of endpoints, in the working directory unless --state names another. */
const defaultStatePath = (from: string, to: string) =>
  resolve(
    `portrait-mirror-${createHash('sha256').update(`${from}\n${to}`).digest('hex').slice(0, 12)}.jsonl`,
  );

function openState(path: string, from: string, to: string): MirrorState {
  try {
    return MirrorState.open(path, from, to);
  } catch (error) {
    if (error instanceof MirrorStateError) throw new UsageError(error.message);
    throw error;
  }
}

/** Ctrl-C (or SIGTERM) lets the users in flight finish and be recorded; a second one stops at once. */
function interruptible(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    process.stderr.write('\nstopping after the users in flight; run the same command again to resume\n');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

export function photoMirrorCommand(): Command {
  return storeCommand(
    'mirror',
    "Copy every user's photo from one Graph endpoint to another, matched by userPrincipalName",
  )
    .requiredOption('--from <url>', 'source Graph root, e.g. https://graph.microsoft.com/v1.0')
    .requiredOption('--to <url>', 'target Graph root, e.g. https://photos.example.com/v1.0')
    .option(
      '--state <file>',
      'state file to resume from (default: portrait-mirror-<hash of the URLs>.jsonl here)',
    )
    .option('--concurrency <n>', 'users copied at once', concurrencyOption, 4)
    .addOption(new Option('--from-token <token>').env('PORTRAIT_FROM_TOKEN').hideHelp())
    .addOption(new Option('--to-token <token>').env('PORTRAIT_TO_TOKEN').hideHelp())
    .addHelpText(
      'after',
      '\nTokens come from the environment: PORTRAIT_FROM_TOKEN (reads users and photos: User.Read.All, or\n' +
        'User.ReadBasic.All with ProfilePhoto.Read.All) and PORTRAIT_TO_TOKEN (ProfilePhoto.ReadWrite.All).\n' +
        'Run it again after an interruption: users already copied are not copied again.\n' +
        '\nExample:\n' +
        '  PORTRAIT_FROM_TOKEN=… PORTRAIT_TO_TOKEN=$(portrait token --tenant contoso --app mirror --roles ProfilePhoto.ReadWrite.All) \\\n' +
        '    portrait photos mirror --from https://graph.microsoft.com/v1.0 --to https://localhost:8443/v1.0',
    )
    .action(async (opts: Options) => {
      const fromBase = graphBase(opts['from'], '--from');
      const toBase = graphBase(opts['to'], '--to');
      const fromToken = token(opts, 'fromToken', 'PORTRAIT_FROM_TOKEN', 'source (--from)');
      const toToken = token(opts, 'toToken', 'PORTRAIT_TO_TOKEN', 'target (--to)');
      const state = openState(
        resolve(String(opts['state'] ?? defaultStatePath(fromBase, toBase))),
        fromBase,
        toBase,
      );
      const bar = progressBar(opts, state.resumed ? 'resuming mirror' : 'mirroring photos');
      let retried = 0;
      const onWait = (seconds: number, why: string) => {
        retried++;
        bar?.update({ note: `  waiting ${Math.ceil(seconds)} s: ${why}` });
      };
      const from = new GraphClient(fromBase, fromToken, { onWait });
      const to = new GraphClient(toBase, toToken, { onWait });
      const interrupt = interruptible();
      try {
        const report = await mirrorPhotos(from, to, {
          concurrency: opts['concurrency'] as number,
          state,
          signal: interrupt.signal,
          onUsers: (total) => bar?.start(total, 0, { note: '' }),
          onUser: (done) => bar?.update(done, { note: '' }),
        });
        bar?.stop();
        const { interrupted, ...counts } = report;
        emit(
          opts,
          { ...counts, retried, interrupted, state: state.path },
          [
            summaryTable(
              [
                ['users', report.users],
                ['copied', report.copied],
                ['skipped (unchanged)', report.skipped],
                ['no photo', report.noPhoto],
                ['failed', report.failed],
                ['requests retried (throttled or busy)', retried],
              ],
              report.failures.map((f) => ({ name: f.user, error: f.error })),
              'user',
            ),
            interrupted
              ? `interrupted: run the same command again to resume (state: ${state.path})`
              : `state: ${state.path}`,
          ].join('\n'),
        );
        if (report.failed > 0 || interrupted) process.exitCode = 1;
      } finally {
        bar?.stop();
        interrupt.release();
      }
    });
}
