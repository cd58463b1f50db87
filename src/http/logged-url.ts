// The URL as the request log writes it. A query string can carry what must never reach a log:
// clients put `client_secret`, `code` or `access_token` there by mistake or by habit. Values are
// kept only for parameters known to be harmless (OData options, the avatar options, the public
// parts of an authorize request); any other value is replaced, its name kept for the operator.

/** Parameters whose values are logged as sent. */
const HARMLESS = new Set([
  // the avatar endpoint
  's',
  'size',
  'd',
  'default',
  'f',
  'forcedefault',
  // the public parts of an OAuth authorize request
  'client_id',
  'response_type',
  'response_mode',
  'redirect_uri',
  'scope',
  'prompt',
  'code_challenge_method',
]);

export const REDACTED = '[redacted]';

export function loggedUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      const name = pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: not a name we know, so its value is not kept
      }
      return decoded.startsWith('$') || HARMLESS.has(decoded.toLowerCase()) ? pair : `${name}=${REDACTED}`;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}
