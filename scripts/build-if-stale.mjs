// Builds dist/ with tsc only when a source is newer than the last successful build, so `npm start`
// (prestart) and `npx portrait` (prepare) start at once when nothing changed, and build when
// something did. Plain JavaScript: it runs before there is anything compiled, without tsx.
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Written after tsc succeeds: tsc emits even when type checking fails, so dist/src/main.js alone
// would let a broken build pass for a good one.
const stamp = join(root, 'dist', '.built');
const inputs = ['src', 'tsconfig.json', 'package-lock.json'];

/** The newest modification time under `path`, in ms. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const builtAt = (() => {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return 0;
  }
})();

if (Math.max(...inputs.map((input) => newest(join(root, input)))) > builtAt) {
  rmSync(stamp, { force: true });
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  } catch {
    process.exit(1); // tsc has printed what is wrong
  }
  chmodSync(join(root, 'dist', 'src', 'main.js'), 0o755);
  writeFileSync(stamp, '');
}
