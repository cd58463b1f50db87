// The bulk-import reference, run as its own process like `portrait photos import`: read every
// file of a folder and do bare sharp's work on it, CONCURRENCY files at a time.
//   node --import tsx bench/lib/bare-import.ts DIR CONCURRENCY
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { bareSizes } from './bare-sharp.js';

const [dir, concurrency] = process.argv.slice(2) as [string, string];
const limit = pLimit(Number(concurrency));
const files = (await readdir(dir)).filter((name) => name.endsWith('.jpg'));
await Promise.all(files.map((name) => limit(async () => bareSizes(await readFile(join(dir, name))))));
process.stdout.write(`${JSON.stringify({ files: files.length })}\n`);
