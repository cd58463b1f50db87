// An app-only token for the explorer's "Try it": the client credentials grant at this server's
// token endpoint (oauth4webapi), as any confidential client gets one. App-only methods are
// then tried as the app, with the roles it was granted, never with the signed-in person's token.
// The secret is sent once and not kept; the token lives in this module's memory only, for every
// permission page until it expires or is forgotten.
import * as oauth from 'oauth4webapi';
import { useEffect, useState } from 'preact/hooks';

export interface AppToken {
  tenant: string;
  accessToken: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  appId: string;
  appName: string;
  /** The application permissions (`roles`) the token holds. */
  roles: string[];
}

const options = () => (location.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {});

const claimsOf = (jwt: string) =>
  JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;

export async function appToken(tenant: string, clientId: string, clientSecret: string): Promise<AppToken> {
  // This page's own origin, as the console's sign-in uses it (session.ts).
  const base = `${location.origin}/${encodeURIComponent(tenant)}`;
  const as: oauth.AuthorizationServer = {
    issuer: `${base}/v2.0`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
  };
  const client: oauth.Client = { client_id: clientId };
  let result: oauth.TokenEndpointResponse;
  try {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(clientSecret),
      { scope: 'https://graph.microsoft.com/.default' },
      options(),
    );
    result = await oauth.processClientCredentialsResponse(as, client, response);
  } catch (error) {
    // The issuer's own words ("AADSTS7000215: Invalid client secret provided…"), without the trace lines.
    if (error instanceof oauth.ResponseBodyError) {
      throw new Error(error.error_description?.split('\r\n')[0] ?? error.error);
    }
    throw error;
  }
  const claims = claimsOf(result.access_token);
  return {
    tenant,
    accessToken: result.access_token,
    expiresAt: Number(claims['exp']),
    appId: String(claims['appid'] ?? clientId),
    appName: String(claims['app_displayname'] ?? clientId),
    roles: Array.isArray(claims['roles']) ? (claims['roles'] as string[]) : [],
  };
}

let held: AppToken | null = null;
let expiry: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();

/** Keeps a token for the explorer's pages, or forgets it (null); it is forgotten when it ends too. */
export function holdAppToken(token: AppToken | null): void {
  held = token;
  clearTimeout(expiry);
  // App tokens last an hour and are not refreshed.
  if (token) expiry = setTimeout(() => holdAppToken(null), Math.max(0, token.expiresAt * 1000 - Date.now()));
  for (const listener of listeners) listener();
}

/** The app token held, re-rendering when it changes. */
export function useAppToken(): AppToken | null {
  const [token, setToken] = useState(held);
  useEffect(() => {
    const update = () => setToken(held);
    listeners.add(update);
    return () => listeners.delete(update);
  }, []);
  return token;
}
