// 2. Uploads: an end-to-end PUT of a ~3 MB 3000x2250 JPEG against bare sharp doing the same
// decode, resizes and encodes in this process; one at a time, then four uploaders at once (with
// the server's CPU use, to show both cores at work).
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { bareSizes as bare } from '../lib/bare-sharp.js';
import { photoJpeg, seed } from '../lib/fixtures.js';
import { cpuSecondsOfTree, startPortrait } from '../lib/processes.js';
import { runJobs } from '../lib/load.js';
import type { Row } from '../lib/report.js';

/** Runs `count` jobs, `parallel` at a time; mean wall time per job in ms. */
const timed = async (count: number, parallel: number, job: (i: number) => Promise<void>): Promise<number> =>
  (await runJobs(count, parallel, job)) / count;

export async function uploads(options: { count: number }, note: (line: string) => void): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'portrait-bench-uploads-'));
  try {
    const seeded = await seed(`sqlite:${join(dir, 'portrait.db')}`, 8);
    const jpeg = await photoJpeg(3000, 2250, 94, 1.0);
    note(`upload source: 3000x2250 JPEG of ${(jpeg.length / 1e6).toFixed(2)} MB`);
    const server = await startPortrait(dir, ['--http', '--log-level', 'warn']);
    const agent = new Agent({ connections: 8 });
    const put = async (i: number) => {
      const user = seeded.userIds[i % seeded.userIds.length];
      const response = await request(`${server.url}/v1.0/users/${user}/photo/$value`, {
        method: 'PUT',
        body: jpeg,
        headers: { authorization: `Bearer ${seeded.token}`, 'content-type': 'image/jpeg' },
        dispatcher: agent,
      });
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`upload answered ${response.statusCode}`);
    };
    try {
      await timed(3, 1, put);
      await timed(3, 1, () => bare(jpeg));
      const bareOne = await timed(options.count, 1, () => bare(jpeg));
      const fullDecode = await timed(options.count, 1, () => bare(jpeg, { fullDecode: true }));
      const putOne = await timed(options.count, 1, put);
      const bareFour = await timed(options.count * 2, 4, () => bare(jpeg));
      const cpuBefore = cpuSecondsOfTree(server.child.pid!);
      const wallBefore = performance.now();
      const putFour = await timed(options.count * 2, 4, put);
      const cores =
        (cpuSecondsOfTree(server.child.pid!) - cpuBefore) / ((performance.now() - wallBefore) / 1000);
      return [
        {
          measure: 'upload, one at a time: PUT of a 3000x2250 JPEG, end to end, against naive libvips',
          portrait: `${putOne.toFixed(0)} ms per upload`,
          reference: `bare sharp decoding the whole source (no shrink-on-load), same resizes and encodes: ${fullDecode.toFixed(0)} ms`,
          ratio: putOne / fullDecode,
          target: '≤ 0.8',
          met: putOne / fullDecode <= 0.8,
        },
        {
          measure: 'upload, one at a time: PUT of a 3000x2250 JPEG, end to end',
          portrait: `${putOne.toFixed(0)} ms per upload`,
          reference: `bare sharp, same work in process: ${bareOne.toFixed(0)} ms`,
          ratio: putOne / bareOne,
          target: '≤ 1.5',
          met: putOne / bareOne <= 1.5,
        },
        {
          measure: `upload, 4 uploaders at once (server used ${cores.toFixed(2)} of ${availableParallelism()} cores)`,
          portrait: `${putFour.toFixed(0)} ms per upload (throughput)`,
          reference: `bare sharp, 4 at once: ${bareFour.toFixed(0)} ms`,
          ratio: putFour / bareFour,
          target: '≤ 1.5',
          met: putFour / bareFour <= 1.5,
        },
      ];
    } finally {
      await agent.close();
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
