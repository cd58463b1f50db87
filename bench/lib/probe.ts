// A closed-loop latency probe with microsecond timing, for latency (not throughput) figures:
// `concurrency` clients each send the next request when the last one answers.
import { Agent, request } from 'undici';

export interface Latencies {
  count: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<number, number>;
}

export async function probe(options: {
  base: string;
  paths: string[];
  headers: Record<string, string>;
  concurrency: number;
  seconds: number;
}): Promise<Latencies> {
  const agent = new Agent({ connections: options.concurrency, pipelining: 1 });
  const samples: number[] = [];
  const statuses: Record<number, number> = {};
  const deadline = performance.now() + options.seconds * 1000;
  let next = 0;
  const client = async () => {
    while (performance.now() < deadline) {
      const path = options.paths[next++ % options.paths.length]!;
      const started = performance.now();
      const response = await request(options.base + path, { headers: options.headers, dispatcher: agent });
      await response.body.dump();
      samples.push(performance.now() - started);
      statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  await agent.close();
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { count: samples.length, p50Ms: at(0.5), p99Ms: at(0.99), statuses };
}

/**
 * Latency measurements taken in turn, `rounds` times over (a, b, c, a, b, c, …), so that the
 * machine's drift falls on each alike; each one's p50 and p99 are the medians over its rounds.
 * At sub-millisecond p99s one run against another moves by a fifth or more.
 */
export async function inTurn<K extends string>(
  rounds: number,
  measures: Record<K, () => Promise<Latencies>>,
): Promise<Record<K, Latencies>> {
  const keys = Object.keys(measures) as K[];
  const runs = new Map<K, Latencies[]>(keys.map((key) => [key, []]));
  for (let round = 0; round < rounds; round++) {
    for (const key of keys) runs.get(key)!.push(await measures[key]());
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const result = {} as Record<K, Latencies>;
  for (const [key, taken] of runs) {
    const statuses: Record<number, number> = {};
    for (const run of taken) {
      for (const [status, count] of Object.entries(run.statuses))
        statuses[Number(status)] = (statuses[Number(status)] ?? 0) + count;
    }
    result[key] = {
      count: taken.reduce((sum, run) => sum + run.count, 0),
      p50Ms: median(taken.map((run) => run.p50Ms)),
      p99Ms: median(taken.map((run) => run.p99Ms)),
      statuses,
    };
  }
  return result;
}
