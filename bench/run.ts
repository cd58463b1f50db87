// npm run bench: Portrait measured side by side with its references in one run on this machine,
// printed as a table of ratios with the raw figures. `--record` also writes docs/benchmarks.md.
// `--quick` shortens every measurement (for a smoke run, not for the record).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { blobStore } from './scenarios/blob-store.js';
import { bulkImport } from './scenarios/bulk-import.js';
import { directorySync } from './scenarios/directory-sync.js';
import { memoryUnderPressure } from './scenarios/memory.js';
import { postgres } from './scenarios/postgres.js';
import { reads } from './scenarios/reads.js';
import { scale } from './scenarios/scale.js';
import { testSuite } from './scenarios/test-suite.js';
import { uploads } from './scenarios/uploads.js';
import { loadGenerator } from './lib/load.js';
import { type Row, table } from './lib/report.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const only = [...args]
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wanted = (name: string) => !only || only.includes(name);
const notes: string[] = [];
const note = (line: string) => {
  notes.push(line);
  process.stderr.write(`${line}\n`);
};

const rows: Row[] = [];
const step = async (name: string, run: () => Promise<Row[]>) => {
  if (!wanted(name)) return;
  process.stderr.write(`== ${name}\n`);
  rows.push(...(await run()));
};

await step('reads', () => reads({ connections: 50, seconds: quick ? 3 : 10 }, note));
await step('uploads', () => uploads({ count: quick ? 4 : 12 }, note));
await step('memory', () => memoryUnderPressure({ uploads: 32 }, note));
await step('scale', () =>
  scale({ small: 1000, large: quick ? 10_000 : 100_000, seconds: quick ? 3 : 10 }, note),
);
await step('import', () => bulkImport({ files: quick ? 100 : 1000 }, note));
await step('postgres', () =>
  postgres(
    {
      // The machine's PostgreSQL (trust auth, user postgres), as the tests use; a scratch database is made and dropped.
      server: process.env['PORTRAIT_BENCH_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432',
      seconds: quick ? 3 : 10,
      small: 1000,
      large: quick ? 10_000 : 100_000,
      uploads: quick ? 8 : 24,
    },
    note,
  ),
);

await step('test-suite', () =>
  testSuite(
    {
      resets: quick ? 5 : 20,
      postgres: process.env['PORTRAIT_BENCH_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432',
    },
    note,
  ),
);

await step('directory-sync', () =>
  directorySync(
    {
      entries: quick ? 1000 : 10_000,
      photos: quick ? 200 : 2_000,
      postgres: process.env['PORTRAIT_BENCH_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432',
    },
    note,
  ),
);

await step('blob-store', () =>
  blobStore(
    {
      users: quick ? 64 : 256,
      connections: 50,
      seconds: quick ? 2 : 4,
      coldConcurrency: 8,
      rounds: quick ? 1 : 3,
      hotRounds: quick ? 1 : 5,
      uploadsOneAtATime: quick ? 2 : 4,
      uploadsFourAtOnce: quick ? 4 : 8,
    },
    note,
  ),
);

const version = (command: string, flag: string) => {
  try {
    // nginx -v writes its version to stderr.
    return execFileSync('sh', ['-c', `${command} ${flag} 2>&1`], { encoding: 'utf8' })
      .trim()
      .split('\n')[0];
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? 'not installed')
      .trim()
      .split('\n')[0];
  }
};
const machine = [
  `${new Date().toISOString().slice(0, 10)}`,
  `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB`,
  `Node ${process.version}`,
  version('nginx', '-v'),
  `load generator: ${loadGenerator()}, undici (uploads, latency)`,
].join('; ');
const report = `${table(rows)}\n\n${machine}${notes.length ? `\n\nNotes:\n${notes.map((n) => `- ${n}`).join('\n')}` : ''}\n`;
process.stdout.write(report);

if (args.has('--record')) {
  const path = new URL('../docs/benchmarks.md', import.meta.url);
  const doc = readFileSync(path, 'utf8');
  const marker = /(<!-- results:start -->\n)[\s\S]*?(\n<!-- results:end -->)/;
  writeFileSync(
    path,
    doc.replace(marker, (_m, start: string, end: string) => `${start}${report}${end}`),
  );
  process.stderr.write('recorded in docs/benchmarks.md\n');
}
