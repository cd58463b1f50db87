// Fault simulation (SPEC §8): a tenant can ask for a share of its API requests to fail as Graph
// fails — 429 TooManyRequests and 503 serviceNotAvailable with Retry-After, 504 — or to be slowed,
// so teams can test their Graph client code. Off by default; with a seed, the sequence of faults
// is the same on every run (requests taken in arrival order).
import type { FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import { GraphError, serviceNotAvailable } from '../errors.js';
import type { FaultSettings, Tenant } from '../domain/tenant.js';
import { tooManyRequests } from './throttle.js';

/** Each simulated error says so in innerError, for the developer reading it. */
const SIMULATED = { simulatedFault: true };

/** The same error, marked as simulated. */
const simulated = (error: GraphError) =>
  new GraphError(error.status, error.code, error.message, SIMULATED, error.headers);

const FAULTS = {
  tooManyRequests: (retryAfter: number) => simulated(tooManyRequests(retryAfter)),
  serviceUnavailable: (retryAfter: number) =>
    simulated(serviceNotAvailable('The service is temporarily unavailable.', retryAfter)),
  gatewayTimeout: () =>
    new GraphError(
      504,
      'UnknownError',
      'The gateway did not get a response from the service in time.',
      SIMULATED,
    ),
};

const STATUS = { tooManyRequests: '429', serviceUnavailable: '503', gatewayTimeout: '504' } as const;

/** A small, fast, seedable generator (mulberry32): repeatable sequences, not cryptography. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  /** Each tenant's generator, for the faults it was made for: setting them again starts anew. */
  private readonly generators = new Map<string, { faults: string; next: () => number }>();

  constructor(private readonly injected: Counter<'tenant' | 'fault'>) {}

  private draw(tenant: Tenant, faults: FaultSettings): number {
    if (faults.seed === null) {
      this.generators.delete(tenant.id);
      return Math.random();
    }
    const which = `${faults.seed}|${faults.setAt}`;
    let generator = this.generators.get(tenant.id);
    if (generator?.faults !== which) {
      generator = { faults: which, next: seeded(faults.seed) };
      this.generators.set(tenant.id, generator);
    }
    return generator.next();
  }

  /** Throws the simulated error for this request, or waits the configured delay. */
  async apply(request: FastifyRequest, tenant: Tenant): Promise<void> {
    const faults = tenant.settings.faults;
    // A $batch is not faulted itself: each of its requests is, on its own, as Graph answers them.
    if (!faults || /\/\$batch$/i.test(request.url.split('?')[0]!)) return;
    let draw = this.draw(tenant, faults);
    for (const kind of ['tooManyRequests', 'serviceUnavailable', 'gatewayTimeout'] as const) {
      if (draw < faults[kind]) {
        this.injected.inc({ tenant: tenant.id, fault: STATUS[kind] });
        throw FAULTS[kind](faults.retryAfterSeconds);
      }
      draw -= faults[kind];
    }
    if (faults.delayMs > 0) {
      this.injected.inc({ tenant: tenant.id, fault: 'delay' });
      await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
    }
  }
}
