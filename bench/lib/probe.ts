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
