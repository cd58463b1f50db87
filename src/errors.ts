// The Graph error catalogue (SPEC §9): every status, code and message Portrait answers with is
// made here, so handlers and services throw from it and one error handler renders the envelope;
// and messageOf, how a failure reported per item (an import's row, a sync's entry) is worded.

export type GraphErrorCode =
  | 'InvalidAuthenticationToken'
  | 'Authorization_RequestDenied'
  | 'Request_ResourceNotFound'
  | 'ErrorItemNotFound'
  | 'ImageNotFound'
  | 'RequestEntityTooLarge'
  | 'ErrorInvalidImage'
  | 'UnsupportedMediaType'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'PreconditionFailed'
  | 'TooManyRequests'
  | 'NotSupported'
  | 'Request_BadRequest'
  | 'Request_UnsupportedQuery'
  | 'ErrorFolderExists'
  | 'Conflict'
  | 'serviceNotAvailable'
  | 'RequestTimeout'
  | 'UnknownError'
  | 'generalException';

/** Extra members of `innerError` (beside date and request ids) that tell the caller what to change. */
export type ErrorDetails = Record<string, string | string[] | number | boolean>;

export class GraphError extends Error {
  override readonly name = 'GraphError';
  constructor(
    readonly status: number,
    readonly code: GraphErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** Fastify's name for the status, read when a body stream fails with this error. */
  get statusCode(): number {
    return this.status;
  }

  /** 4xx messages are for the client; 5xx bodies stay constant and the cause goes to the log. */
  get expose(): boolean {
    return this.status < 500;
  }
}

export const INSUFFICIENT_PRIVILEGES = 'Insufficient privileges to complete the operation.';

/**
 * RFC 6750 challenge, with Graph's client id as Entra-protected APIs send it. The description
 * may quote the token (its `alg`): a header value holds printable ASCII only, so anything else
 * becomes `?` — a control character would make Node refuse the whole reply.
 */
const bearerChallenge = (description: string) =>
  `Bearer realm="", client_id="00000003-0000-0000-c000-000000000000", error="invalid_token", ` +
  `error_description="${description.replace(/["\\]/g, '').replace(/[^\x20-\x7e]/g, '?')}"`;

export const invalidToken = (message: string) =>
  new GraphError(
    401,
    'InvalidAuthenticationToken',
    message,
    {},
    { 'www-authenticate': bearerChallenge(message) },
  );

export const accessDenied = (details: ErrorDetails) =>
  new GraphError(403, 'Authorization_RequestDenied', INSUFFICIENT_PRIVILEGES, details);

/** Users, groups and teams: the directory's own wording. */
export const resourceNotFound = (id: string) =>
  new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

/** Contacts and contact folders live in the mailbox, which words it differently. */
export const itemNotFound = () =>
  new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

export const imageNotFound = (what = 'No photo has been uploaded for this object.') =>
  new GraphError(404, 'ImageNotFound', what);

/** `what` names the body that was too large: a photo, or a $batch request. */
export const entityTooLarge = (limit: number, what = 'a photo') =>
  new GraphError(
    413,
    'RequestEntityTooLarge',
    `The request body is larger than the ${limit}-byte (${Math.round(limit / 1048576)} MB) limit for ${what}.`,
    { maxBytes: limit },
    // The rest of an oversized body is not read, so the connection cannot be reused.
    { connection: 'close' },
  );

export const invalidImage = (message: string) => new GraphError(400, 'ErrorInvalidImage', message);

export const unsupportedMediaType = (got: string | undefined) =>
  new GraphError(
    415,
    'UnsupportedMediaType',
    got
      ? `Content-Type '${got}' is not supported here; send the photo bytes with an image Content-Type such as image/jpeg.`
      : 'The request has no Content-Type; send the photo bytes with an image Content-Type such as image/jpeg.',
  );

/** Directory writes and $batch take JSON. */
export const jsonRequired = (got: string | undefined) =>
  new GraphError(
    415,
    'UnsupportedMediaType',
    `${got ? `Content-Type '${got}' is not supported here` : 'The request has no Content-Type'}; send a JSON body with Content-Type: application/json.`,
  );

export const badRequest = (message: string) => new GraphError(400, 'BadRequest', message);

/** The directory's own 400, for bad property values, query options and references. */
export const directoryBadRequest = (message: string) => new GraphError(400, 'Request_BadRequest', message);

/** A query the directory understands but does not serve this way. */
export const unsupportedQuery = (message: string) => new GraphError(400, 'Request_UnsupportedQuery', message);

export const unsupportedFilter = (property: string, entity: string) =>
  unsupportedQuery(
    `Unsupported or invalid query filter clause specified for property '${property}' of resource '${entity}'.`,
  );

export const folderExists = () =>
  new GraphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');

/** `hint` says where the method would work, e.g. that photo bytes are written at `photo/$value`. */
export const methodNotAllowed = (method: string, allow: readonly string[], hint?: string) =>
  new GraphError(
    405,
    'MethodNotAllowed',
    `The ${method} method is not supported on this resource. Supported: ${allow.join(', ')}.${hint ? ` ${hint}` : ''}`,
    {},
    { allow: allow.join(', ') },
  );

export const preconditionFailed = () =>
  new GraphError(
    412,
    'PreconditionFailed',
    'The photo has changed since it was read (If-Match does not match its current ETag).',
  );

/** The reference pages: photos through Graph "are currently not supported in Azure AD B2C tenants". */
export const notSupportedInB2c = () =>
  new GraphError(
    400,
    'NotSupported',
    'Reading or updating photos through Microsoft Graph is not supported in Azure AD B2C tenants, and this tenant is one.',
  );

/** Graph's 503: `why`, then when to try again (the Retry-After header, in seconds). */
export const serviceNotAvailable = (why: string, retryAfterSeconds: number) =>
  new GraphError(
    503,
    'serviceNotAvailable',
    `${why} Retry after the number of seconds in Retry-After.`,
    {},
    { 'retry-after': String(retryAfterSeconds) },
  );

/** Graph's answer when it is too busy: try again after Retry-After seconds. */
export const serviceBusy = (retryAfterSeconds: number) =>
  serviceNotAvailable('The service is busy with other uploads.', retryAfterSeconds);

/** The blob store failed or timed out (SPEC §14): nothing was changed; try again shortly. */
export const storageUnavailable = (retryAfterSeconds: number) =>
  serviceNotAvailable('The photo storage is not answering just now; nothing was changed.', retryAfterSeconds);

/** An upload body that arrived too slowly; the rest of it is not read, so the connection closes. */
export const requestTimeout = (bytesReceived: number, seconds: number) =>
  new GraphError(
    408,
    'RequestTimeout',
    `The request body arrived too slowly (${bytesReceived} bytes in ${seconds} s) and was abandoned; the photo was not changed. Send it again on a faster connection.`,
    { bytesReceived },
    { connection: 'close' },
  );

export const generalException = () =>
  new GraphError(
    500,
    'generalException',
    'An unexpected error occurred. The request-id identifies it in the log.',
  );

/** What went wrong, in its own words: an Error's message, or anything else as text. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
