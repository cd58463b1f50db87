// Builds dist/ only when a source is newer than the last successful build, so `npm start`
// (prestart) and `npx portrait` (prepare) start at once when nothing changed, and build when
// something did: the server with tsc, the web console with Vite, each from its own sources.
// Plain JavaScript: it runs before there is anything compiled, without tsx.
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** One build: what it reads, how it runs, and the stamp written after it succeeded. */
const builds = [
  {
    // Written after tsc succeeds: tsc emits even when type checking fails, so dist/src/main.js
    // alone would let a broken build pass for a good one.
    stamp: join(root, 'dist', '.built'),
    inputs: ['src', 'tsconfig.json', 'package-lock.json'],
    run: () => {
      exec(join(root, 'node_modules', 'typescript', 'bin', 'tsc'), ['-p', 'tsconfig.json']);
      chmodSync(join(root, 'dist', 'src', 'main.js'), 0o755);
    },
  },
  {
    // The console imports its client id and the permission matrix from src/auth, and the photo
    // sizes and the demo tenant's name from src/domain; Vite empties dist/web, stamp included.
    stamp: join(root, 'dist', 'web', '.built'),
    inputs: ['web', join('src', 'auth'), join('src', 'domain'), 'package-lock.json'],
    run: () =>
      exec(join(root, 'node_modules', 'vite', 'bin', 'vite.js'), [
        'build',
        '--config',
        join('web', 'vite.config.ts'),
        '--logLevel',
        'warn',
      ]),
  },
];

function exec(script, args) {
  try {
    execFileSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });
  } catch {
    process.exit(1); // the tool has printed what is wrong
  }
}

/** The newest modification time under `path`, in ms. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const builtAt = (stamp) => {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return 0;
  }
};

for (const build of builds) {
  if (Math.max(...build.inputs.map((input) => newest(join(root, input)))) > builtAt(build.stamp)) {
    rmSync(build.stamp, { force: true });
    build.run();
    writeFileSync(build.stamp, '');
  }
}
