// The photo API of SPEC §3: one route per API version that parses the Graph path, looks the
// endpoint up in the matrix, resolves and authorizes the owner, then runs one handler per
// operation. Every owner kind and both versions share this code.
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticated } from '../auth/verification.js';
import { unsupportedMediaType } from '../errors.js';
import { type ApiVersion, type EndpointRule, successStatus } from '../graph/endpoint-matrix.js';
import type { PhotoTarget } from '../graph/photo-path.js';
import type { DirectoryPorts, ResolvedOwner } from '../services/owner-resolver.js';
import { decidePhotoCall } from '../services/photo-call.js';
import {
  deletePhoto,
  listPhotos,
  MAX_PHOTO_BYTES,
  type PhotoMetadata,
  type PhotoServiceDeps,
  readPhoto,
  readPhotoMetadata,
  replacePhoto,
} from '../services/photo-service.js';
import { type BodyTimeRules, TimedBody } from './body-deadline.js';
import { ifMatchList, noneMatch, quoteEtag } from '../graph/etags.js';
import { recordGrant } from './permit.js';
import { sendJson } from './graph-protocol.js';
import type { PublicOrigin } from './public-origin.js';
import { endWithReply } from './reply-done.js';
import type { UploadGate } from './upload-gate.js';

export interface PhotoRouteDeps {
  version: ApiVersion;
  ports: DirectoryPorts;
  uploads: UploadGate;
  /** How long an upload body may take to arrive. */
  bodyTime: BodyTimeRules;
  photos: PhotoServiceDeps;
  photoMaxAgeSeconds: number;
  /** The origin links in responses are built on. */
  origin: PublicOrigin;
}

interface PhotoCall {
  version: ApiVersion;
  target: PhotoTarget;
  rule: EndpointRule;
  owner: ResolvedOwner;
  auth: Authenticated;
}

declare module 'fastify' {
  interface FastifyRequest {
    photoCall?: PhotoCall;
  }
}

export type { PhotoCall };

/** Everything that can refuse a call before its body is read: the decisions above, and a busy server. */
async function prepareCall(
  deps: PhotoRouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const auth = request.auth!;
  const { target, rule, owner, grant } = await decidePhotoCall(
    deps.ports,
    deps.version,
    auth,
    request.method,
    request.url,
  );
  recordGrant(request, grant);
  // Admitted to send its body; a processing slot comes only once the body is in (the handler).
  if (rule.operation === 'replace') deps.uploads.admit(reply);
  request.photoCall = { version: deps.version, target, rule, owner, auth };
}

/** The headers of photo bytes, on this route and on the fast read path alike. */
export const photoValueHeaders = (etag: string, maxAgeSeconds: number) => ({
  etag: quoteEtag(etag),
  'cache-control': `private, max-age=${maxAgeSeconds}`,
});

/**
 * `image/*`, or `application/octet-stream`: the Kiota-based Graph SDKs send that for
 * `photo.content.put(bytes)` and Graph accepts it. The bytes decide the format either way.
 */
const PHOTO_CONTENT_TYPE = /^(image\/[\w.+-]+|application\/octet-stream)\s*(;.*)?$/i;

function requireImageContentType(request: FastifyRequest): void {
  const type = request.headers['content-type'];
  if (!type || !PHOTO_CONTENT_TYPE.test(type)) throw unsupportedMediaType(type);
}

/**
 * An upload's body, checked for type and timed: a sender too slow gets 408 (body-deadline.ts).
 * The timed stream ends with the reply, also when the answer (a 413 from Content-Length, say)
 * comes before the body was read.
 */
function uploadBody(
  deps: PhotoRouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  payload: Readable,
): Readable {
  if (request.photoCall?.rule.operation !== 'replace') return payload;
  requireImageContentType(request);
  const timed = endWithReply(reply, new TimedBody(deps.bodyTime));
  // Not pipeline(): destroying the request would close the socket before the 408 is written.
  payload.on('error', (error) => timed.destroy(error));
  payload.on('aborted', () => timed.destroy(new Error('The client closed the connection.')));
  return payload.pipe(timed);
}

/** The API root links are built on, e.g. `https://localhost:8443/v1.0`. */
const apiRoot = (deps: PhotoRouteDeps, request: FastifyRequest, call: PhotoCall) =>
  `${deps.origin.of(request)}/${call.version}`;

const contextUrl = (root: string, call: PhotoCall, suffix: string) =>
  `${root}/$metadata#${call.owner.contextPath}/${suffix}`;

/** One photo's metadata; `@odata.id` names it as the reference pages show it. */
const metadataJson = (m: PhotoMetadata, id: string) => ({
  '@odata.id': id,
  '@odata.mediaContentType': m.contentType,
  '@odata.mediaEtag': m.etag ? quoteEtag(m.etag) : '',
  id: m.id,
  width: m.width,
  height: m.height,
});

type Handler = (
  deps: PhotoRouteDeps,
  call: PhotoCall,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<unknown>;

const HANDLERS: Record<EndpointRule['operation'], Handler> = {
  async metadata(deps, call, request, reply) {
    const metadata = await readPhotoMetadata(
      deps.photos,
      call.owner,
      call.auth.tenant.settings,
      call.target.size,
    );
    const root = apiRoot(deps, request, call);
    const [entity, path] = call.target.size
      ? ['photos/$entity', `photos('${metadata.id}')`]
      : ['photo/$entity', 'photo'];
    return sendJson(reply, {
      '@odata.context': contextUrl(root, call, entity),
      ...metadataJson(metadata, `${root}/${call.owner.contextPath}/${path}`),
    });
  },

  async value(deps, call, request, reply) {
    const photo = await readPhoto(deps.photos, call.owner, call.target.size);
    reply.headers(photoValueHeaders(photo.etag, deps.photoMaxAgeSeconds));
    if (noneMatch(request.headers['if-none-match'], photo.etag)) return reply.code(304).send();
    return reply.type(photo.contentType).send(photo.bytes);
  },

  async list(deps, call, request, reply) {
    const sizes = await listPhotos(deps.photos, call.owner);
    const root = apiRoot(deps, request, call);
    return sendJson(reply, {
      '@odata.context': contextUrl(root, call, 'photos'),
      value: sizes.map((m) => metadataJson(m, `${root}/${call.owner.contextPath}/photos('${m.id}')`)),
    });
  },

  async replace(deps, call, request, reply) {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const ifMatch = ifMatchList(request.headers['if-match']);
    const set = await deps.uploads.process(reply, () =>
      replacePhoto(deps.photos, call.owner, body, ifMatch ? { ifMatch } : {}),
    );
    return reply.code(successStatus(call.rule, call.owner.kind)).header('etag', quoteEtag(set.etag)).send();
  },

  async delete(deps, call, request, reply) {
    const ifMatch = ifMatchList(request.headers['if-match']);
    await deletePhoto(deps.photos, call.owner, ifMatch ? { ifMatch } : {});
    return reply.code(200).send();
  },
};

export async function photoRoutes(app: FastifyInstance, deps: PhotoRouteDeps): Promise<void> {
  // Photo bodies are raw bytes of any declared type; the pipeline decides what they are. Bodies over
  // the limit are refused while streaming.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_PHOTO_BYTES }, (_request, body, done) =>
    done(null, body),
  );
  // Every path of the version the directory routes do not claim: the photo matrix decides.
  app.route({
    method: ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'POST', 'OPTIONS'],
    url: '/*',
    exposeHeadRoute: false,
    bodyLimit: MAX_PHOTO_BYTES,
    onRequest: (request, reply) => prepareCall(deps, request, reply),
    preParsing: async (request, reply, payload) => uploadBody(deps, request, reply, payload),
    handler: (request, reply) => {
      const call = request.photoCall!;
      return HANDLERS[call.rule.operation](deps, call, request, reply);
    },
  });
}
