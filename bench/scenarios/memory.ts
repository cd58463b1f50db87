// 3. Memory under pressure: 32 uploads of 4 MiB at once. Peak RSS must stay within 400 MB and fall
// back near the idle figure; what the server cannot take must be refused fast, with Retry-After,
// and nothing may time out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { photoJpeg, seed } from '../lib/fixtures.js';
import { memory, startPortrait } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

const LIMIT = 4 * 1024 * 1024;
/** The overload burst is this many times the stated one. */
const OVERLOAD = 3;

/** A photo-like JPEG just under 4 MiB (4500x3375, about 3.9 MiB). */
async function fourMiBJpeg(): Promise<Buffer> {
  const jpeg = await photoJpeg(4500, 3375, 92);
  if (jpeg.length > LIMIT) throw new Error(`the pressure image is ${jpeg.length} bytes, over the limit`);
  return jpeg;
}

export async function memoryUnderPressure(
  options: { uploads: number; nodeArgs?: string[]; env?: Record<string, string> },
  note: (line: string) => void,
): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'portrait-bench-memory-'));
  try {
    const seeded = await seed(`sqlite:${join(dir, 'portrait.db')}`, options.uploads * OVERLOAD);
    const jpeg = await fourMiBJpeg();
    note(`pressure source: 4500x3375 JPEG of ${(jpeg.length / 1024 / 1024).toFixed(2)} MiB`);
    const server = await startPortrait(dir, ['--http', '--log-level', 'warn'], options.nodeArgs, options.env);
    const pid = server.child.pid!;
    const agent = new Agent({
      connections: options.uploads * OVERLOAD,
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    try {
      const put = (user: string) =>
        request(`${server.url}/v1.0/users/${user}/photo/$value`, {
          method: 'PUT',
          body: jpeg,
          headers: { authorization: `Bearer ${seeded.token}`, 'content-type': 'image/jpeg' },
          dispatcher: agent,
        });
      // Warm up the pipeline and the connection pool, then let the process settle: that is "idle".
      for (const user of seeded.userIds.slice(0, 2)) await (await put(user)).body.dump();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const idle = memory(pid).rssMb;

      const burst = async (users: string[]) => {
        let sampledPeak = 0;
        const sampler = setInterval(() => {
          sampledPeak = Math.max(sampledPeak, memory(pid).rssMb);
        }, 10);
        const results = await Promise.all(
          users.map(async (user) => {
            const started = performance.now();
            try {
              const response = await put(user);
              await response.body.dump();
              return {
                status: response.statusCode,
                ms: performance.now() - started,
                retryAfter: response.headers['retry-after'],
              };
            } catch (error) {
              return { status: 0, ms: performance.now() - started, error: String(error) };
            }
          }),
        );
        clearInterval(sampler);
        const peak = Math.max(sampledPeak, memory(pid).peakMb);
        await new Promise((resolve) => setTimeout(resolve, 3000));
        return { results, peak, after: memory(pid).rssMb };
      };
      // Three bursts as the target names them (the peak, and whether memory keeps growing),
      // then one three times as large: the excess must be refused fast, never left to time out.
      const burstUsers = seeded.userIds.slice(0, options.uploads);
      const bursts = [await burst(burstUsers), await burst(burstUsers), await burst(burstUsers)];
      const overload = await burst(seeded.userIds);
      const peak = Math.max(...bursts.map((b) => b.peak));
      const summary = (results: typeof overload.results) => {
        const stored = results.filter((r) => r.status === 200);
        const refused = results.filter((r) => r.status === 503 || r.status === 429);
        const failed = results.filter((r) => r.status !== 200 && r.status !== 503 && r.status !== 429);
        if (failed.length > 0)
          note(`memory: ${failed.length} uploads failed: ${JSON.stringify(failed.slice(0, 3))}`);
        if (refused.some((r) => !r.retryAfter)) note('memory: a refusal came without Retry-After');
        const slowest = (list: typeof results) => Math.max(0, ...list.map((r) => r.ms)).toFixed(0);
        return {
          failed: failed.length,
          text: `${stored.length} stored (slowest ${slowest(stored)} ms), ${refused.length} refused with 503 + Retry-After (slowest ${slowest(refused)} ms), ${failed.length} failed or timed out`,
        };
      };
      const first = summary(bursts[0]!.results);
      const excess = summary(overload.results);
      const mib = (jpeg.length / 1024 / 1024).toFixed(1);
      return [
        {
          measure: `memory: ${options.uploads} uploads of ${mib} MiB at once (3 bursts), peak RSS`,
          portrait: `${peak.toFixed(0)} MB peak; first burst: ${first.text}`,
          reference: 'budget: 400 MB',
          ratio: peak / 400,
          target: '≤ 1.0',
          met: peak <= 400 && bursts.every((b) => summary(b.results).failed === 0),
        },
        {
          measure: `memory: ${options.uploads * OVERLOAD} uploads of ${mib} MiB at once (overload), peak RSS`,
          portrait: `${overload.peak.toFixed(0)} MB peak; ${excess.text}`,
          reference: 'budget: 400 MB',
          ratio: overload.peak / 400,
          target: '≤ 1.0',
          met: overload.peak <= 400 && excess.failed === 0,
        },
        {
          measure: 'memory: RSS 3 s after each burst (the three, then the overload), against idle',
          portrait: [...bursts, overload].map((b) => `${b.after.toFixed(0)} MB`).join(', '),
          reference: `idle: ${idle.toFixed(0)} MB`,
          ratio: bursts.at(-1)!.after / idle,
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
