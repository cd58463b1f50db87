// 5. Bulk import: `portrait photos import` of 1,000 3000x2250 JPEGs (the built CLI, as an admin
// runs it, default concurrency: one file per core) against bare sharp doing the same decode,
// resizes and encodes on the same files with the same concurrency, each in its own process; with
// the CPU each used (both cores at work) and their peak RSS.
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { photoJpeg } from '../lib/fixtures.js';
import { MAIN, runMeasured, shebangEnvironment } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import { openStore } from '../../src/store/open-store.js';

/** Distinct sources; the files are hard links to them, so 1,000 files need no 3 GB of disk. */
const DISTINCT = 8;
/** What the import may use at most, whatever the number of files. */
const RSS_BUDGET_MB = 400;

const BARE = fileURLToPath(new URL('../lib/bare-import.ts', import.meta.url));

export async function bulkImport(options: { files: number }, note: (line: string) => void): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'portrait-bench-import-'));
  try {
    const photos = join(dir, 'photos');
    mkdirSync(photos);
    const sources: string[] = [];
    for (let i = 0; i < DISTINCT; i++) {
      const path = join(dir, `source-${i}.jpg`);
      writeFileSync(path, await photoJpeg(3000, 2250, 94, 1.0));
      sources.push(path);
    }
    const store = await openStore(`sqlite:${join(dir, 'portrait.db')}`);
    try {
      const tenant = await store.directory.createTenant({ name: 'bench' });
      for (let i = 0; i < options.files; i++) {
        const upn = `user${i}@bench.example`;
        await store.directory.createUser({
          tenantId: tenant.id,
          userPrincipalName: upn,
          displayName: `User ${i}`,
        });
        linkSync(sources[i % DISTINCT]!, join(photos, `${upn}.jpg`));
      }
    } finally {
      await store.close();
    }
    const cores = availableParallelism();
    note(
      `bulk import: ${options.files} files, hard links to ${DISTINCT} distinct 3000x2250 JPEGs of about 3 MB`,
    );

    // With the allocator settings the portrait executable gives itself, so memory compares fairly.
    const bare = await runMeasured(
      process.execPath,
      ['--import', 'tsx', BARE, photos, String(cores)],
      shebangEnvironment(),
    );
    const portrait = await runMeasured(MAIN, [
      'photos',
      'import',
      photos,
      '--tenant',
      'bench',
      '--data',
      dir,
      '--json',
    ]);
    const report = JSON.parse(portrait.stdout) as { imported: number; failed: number };
    if (portrait.code !== 0 || report.imported !== options.files) {
      note(`the import did not import every file: ${portrait.stdout.trim()}`);
    }
    const perFile = (run: { wallMs: number }) => run.wallMs / options.files;
    const coresUsed = (run: { cpuSeconds: number; wallMs: number }) => run.cpuSeconds / (run.wallMs / 1000);
    return [
      {
        measure: `bulk import of ${options.files} 3000x2250 JPEGs, ${cores} at a time (CLI used ${coresUsed(portrait).toFixed(2)} of ${cores} cores)`,
        portrait: `${perFile(portrait).toFixed(0)} ms per photo (${(portrait.wallMs / 1000).toFixed(1)} s)`,
        reference: `bare sharp, same files and concurrency: ${perFile(bare).toFixed(0)} ms (${(bare.wallMs / 1000).toFixed(1)} s, ${coresUsed(bare).toFixed(2)} cores)`,
        ratio: portrait.wallMs / bare.wallMs,
        target: '≤ 1.3',
        met: portrait.wallMs / bare.wallMs <= 1.3,
      },
      {
        measure: `bulk import of ${options.files} 3000x2250 JPEGs, peak RSS`,
        portrait: `${portrait.peakMb.toFixed(0)} MB`,
        reference: `budget: ${RSS_BUDGET_MB} MB (bare sharp: ${bare.peakMb.toFixed(0)} MB)`,
        ratio: portrait.peakMb / RSS_BUDGET_MB,
        target: '≤ 1.0',
        met: portrait.peakMb <= RSS_BUDGET_MB,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
