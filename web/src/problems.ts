// Graph's errors (SPEC §9) in words for a person: what happened and what to do.
import { ApiError } from './api.ts';

export function readable(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const details = error.details;
  switch (error.code) {
    case 'Authorization_RequestDenied': {
      if (Array.isArray(details['requiredRoles'])) {
        return `You are not allowed to do this: it needs one of these roles: ${(details['requiredRoles'] as string[]).join(', ')}.`;
      }
      if (typeof details['reason'] === 'string')
        return `You are not allowed to do this. ${details['reason']}`;
      if (typeof details['requiredPermission'] === 'string') {
        return `You are not allowed to do this: it needs the permission ${details['requiredPermission']}.`;
      }
      return `You are not allowed to do this. ${error.message}`;
    }
    case 'InvalidAuthenticationToken':
      return 'Your sign-in has ended. Sign in again.';
    case 'ImageNotFound':
      return 'There is no photo yet.';
    case 'RequestEntityTooLarge':
      return 'The image is larger than 4 MB. Pick a smaller one, or crop it.';
    case 'UnsupportedMediaType':
      return 'That kind of file is not accepted. Pick a JPEG, PNG, GIF, WebP, AVIF or TIFF image.';
    case 'ErrorInvalidImage':
      return `The image was not accepted: ${error.message}`;
    case 'PreconditionFailed':
      return 'Someone changed this photo since it was shown. Reload and try again.';
    case 'TooManyRequests':
    case 'serviceNotAvailable':
      return `The server is busy. Try again in ${error.retryAfter ?? 'a few'} seconds.`;
    case 'Request_ResourceNotFound':
    case 'ErrorItemNotFound':
      return 'There is no such user or group (any more).';
    case 'generalException':
      return `Something went wrong on the server. Quote this request id to your administrator: ${String(details['request-id'] ?? '')}.`;
    default:
      return error.message;
  }
}
