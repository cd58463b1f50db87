// The tree shows the architecture (docs/architecture.md): modules of src/ import only from their
// own folder and from the layers below theirs, so no import goes in a circle or climbs a floor.
// Type-only imports count too: a circle of types is still two modules that cannot be read apart.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * Lowest first. A part is a folder of src/ or a file at its root; a module may import from its
 * own part and from parts of lower layers, never from a part of its own layer or a higher one.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'logger.ts', 'package-files.ts', 'domain'],
  ['store'],
  ['auth', 'image', 'tls'],
  ['graph'],
  ['services'],
  ['bulk'],
  ['http'],
  ['config.ts', 'app.ts'],
  ['server.ts'],
  ['start-portrait.ts', 'cli'],
  ['main.ts', 'index.ts'],
];

const layerOf = new Map(LAYERS.flatMap((parts, layer) => parts.map((part) => [part, layer] as const)));

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The src/ modules a module imports (values and types), by absolute path. */
function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    found.push(resolve(dirname(path), match[1]!.replace(/\.js$/, '.ts')));
  }
  return found;
}

const partOf = (path: string) => relative(SRC, path).split('/')[0]!;

const graph = new Map(modules(SRC).map((path) => [path, importsOf(path)]));
const name = (path: string) => relative(SRC, path);

/** Every strongly connected group of more than one module (Tarjan). */
function circles(): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(name(w));
      } while (w !== v);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('imports in src/', () => {
  it('finds the modules and their imports (the check below is not vacuous)', () => {
    assert.ok(graph.size > 100, `${graph.size} modules`);
    assert.ok([...graph.values()].flat().length > 300);
    for (const path of graph.keys())
      assert.ok(layerOf.has(partOf(path)), `${name(path)}: no layer for its part`);
  });

  it('go in no circle', () => {
    assert.deepEqual(circles(), []);
  });

  it('go only to the same part or to a lower layer', () => {
    const climbing: string[] = [];
    for (const [from, imports] of graph) {
      const part = partOf(from);
      for (const to of imports) {
        const target = partOf(to);
        if (target === part || !graph.has(to)) continue;
        if (layerOf.get(target)! >= layerOf.get(part)!) climbing.push(`${name(from)} → ${name(to)}`);
      }
    }
    assert.deepEqual(climbing, []);
  });
});
