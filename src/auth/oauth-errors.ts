// Errors of the built-in issuer's OAuth endpoints, in Entra ID's shape: an OAuth 2.0 `error`, an
// `AADSTS` code with its description, and trace ids. Clients such as MSAL read these fields.

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'access_denied'
  | 'consent_required'
  | 'interaction_required';

export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly status: number,
    readonly error: OAuthErrorCode,
    readonly aadsts: number,
    description: string,
  ) {
    super(description);
  }

  /** `AADSTS7000215: Invalid client secret provided. …` */
  get description(): string {
    return `AADSTS${this.aadsts}: ${this.message}`;
  }
}

export const oauth = {
  tenantNotFound: (tenant: string) =>
    new OAuthError(
      400,
      'invalid_request',
      90002,
      `Tenant '${tenant}' not found. Check the tenant id or name in the URL.`,
    ),
  malformed: (detail: string) =>
    new OAuthError(
      400,
      'invalid_request',
      9002313,
      `Invalid request. Request is malformed or invalid: ${detail}`,
    ),
  missingParameter: (name: string) =>
    new OAuthError(
      400,
      'invalid_request',
      900144,
      `The request body must contain the following parameter: '${name}'.`,
    ),
  unsupportedGrant: (grant: string) =>
    new OAuthError(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grant}'.`,
    ),
  unknownClient: (clientId: string, tenant: string) =>
    new OAuthError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
    ),
  missingSecret: () =>
    new OAuthError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  badSecret: (clientId: string) =>
    new OAuthError(401, 'invalid_client', 7000215, `Invalid client secret provided for app '${clientId}'.`),
  publicClientSecret: () =>
    new OAuthError(
      401,
      'invalid_client',
      700025,
      'Client is public so neither client_assertion nor client_secret should be presented.',
    ),
  notDefaultScope: (scope: string) =>
    new OAuthError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  unknownScope: (scope: string) =>
    new OAuthError(
      400,
      'invalid_scope',
      70011,
      `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    ),
  badCode: () =>
    new OAuthError(
      400,
      'invalid_grant',
      70008,
      'The provided authorization code is invalid, expired or was already redeemed. Request a new one.',
    ),
  redirectMismatch: (uri: string, clientId: string) =>
    new OAuthError(
      400,
      'invalid_request',
      50011,
      `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
    ),
  pkceMismatch: () =>
    new OAuthError(
      400,
      'invalid_grant',
      50148,
      'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.',
    ),
  pkceRequired: () =>
    new OAuthError(
      400,
      'invalid_request',
      9002325,
      'Proof Key for Code Exchange (S256) is required for this client.',
    ),
  unsupportedResponseType: (type: string) =>
    new OAuthError(
      400,
      'unsupported_response_type',
      700054,
      `response_type '${type}' is not supported; use 'code'.`,
    ),
  declined: () => new OAuthError(400, 'access_denied', 65004, 'User declined to consent to access the app.'),
  needsAdmin: (scopes: string[]) =>
    new OAuthError(
      400,
      'consent_required',
      65001,
      `The user or administrator has not consented to use the application for: ${scopes.join(', ')}. An administrator must grant them (portrait app grant --scopes).`,
    ),
} as const;
