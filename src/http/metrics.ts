// The Prometheus metrics of one app (SPEC §1, /metrics): requests and their durations by method,
// photo operation and status, fast-path reads, simulated faults, and Node's own.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'operation' | 'status'>;
  duration: Histogram<'method' | 'operation'>;
  faults: Counter<'tenant' | 'fault'>;
  fastReads: Counter;
}

/** One registry per app, so several apps in one process (tests) keep their own counts. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'portrait_' });
  return {
    registry,
    requests: new Counter({
      name: 'portrait_http_requests_total',
      help: 'HTTP requests by method, photo operation and status.',
      labelNames: ['method', 'operation', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'portrait_http_request_duration_seconds',
      help: 'HTTP request duration by method and photo operation.',
      labelNames: ['method', 'operation'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    fastReads: new Counter({
      name: 'portrait_http_fast_reads_total',
      help: 'Photo byte reads answered on the fast path (also counted in portrait_http_requests_total).',
      registers: [registry],
    }),
    faults: new Counter({
      name: 'portrait_faults_injected_total',
      help: "Simulated faults (a tenant's --faults) by tenant and fault: 429, 503, 504 or delay.",
      labelNames: ['tenant', 'fault'],
      registers: [registry],
    }),
  };
}
