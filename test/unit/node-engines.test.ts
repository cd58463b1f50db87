// The README promises Node 20, 22 and 24 (issue 29): every installed package must say it runs on
// each, or `npm install` warns EBADENGINE (and the package may really not run there). A package
// whose newest release needs Node 22 is pinned to the last that runs on 20 (package.json
// `overrides`); this test finds the next one that slips in.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODES = ['20.19.0', '22.12.0', '24.0.0'];

/** Every package under node_modules (nested ones too): its name, version and `engines.node`. */
function* packages(dir: string): Generator<{ name: string; version: string; node?: string }> {
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (entry.startsWith('@')) {
      yield* packages(path);
      continue;
    }
    const manifest = join(path, 'package.json');
    if (existsSync(manifest)) {
      const { name, version, engines } = JSON.parse(readFileSync(manifest, 'utf8'));
      yield { name, version, node: engines?.node };
    }
    const nested = join(path, 'node_modules');
    if (existsSync(nested)) yield* packages(nested);
  }
}

it('installs no package that declares it does not run on Node 20, 22 or 24', () => {
  const refused: string[] = [];
  let checked = 0;
  for (const { name, version, node } of packages(join(ROOT, 'node_modules'))) {
    if (!node || !semver.validRange(node)) continue;
    checked++;
    const not = NODES.filter((v) => !semver.satisfies(v, node));
    if (not.length > 0) refused.push(`${name}@${version} (engines.node ${node}: not ${not.join(', ')})`);
  }
  assert.ok(checked > 100, `only ${checked} packages declare engines.node: is node_modules there?`);
  assert.deepEqual(refused, []);
});
