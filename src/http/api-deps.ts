// What the routes of one API version are given (api-routes.ts builds it): the directory, the
// photo service, the verifier, throttling, faults, the upload gate, and a way to run a request
// through the whole application, as $batch does.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { ApiVersion } from '../graph/endpoint-matrix.js';
import type { DirectoryPorts } from '../services/owner-resolver.js';
import type { PhotoServiceDeps } from '../services/photo-service.js';
import type { BodyTimeRules } from './body-deadline.js';
import type { FaultInjector } from './faults.js';
import type { PublicOrigin } from './public-origin.js';
import type { Throttle } from './throttle.js';
import type { UploadGate } from './upload-gate.js';

export interface ApiDeps {
  version: ApiVersion;
  ports: DirectoryPorts;
  verifier: TokenVerifier;
  photos: PhotoServiceDeps;
  throttle: Throttle;
  faults: FaultInjector;
  uploads: UploadGate;
  bodyTime: BodyTimeRules;
  photoMaxAgeSeconds: number;
  /** The origin links in responses are built on. */
  origin: PublicOrigin;
  /** Runs a request through the whole application, as $batch does with each of its requests. */
  inject: (options: InjectOptions) => Promise<LightMyRequestResponse>;
}
