// An organisation's OpenID provider for the federation tests (SPEC §12): oidc-provider over HTTPS
// on loopback, with a certificate from a CA of its own, a client registered for Portrait's
// callback, and people whose claims the test sets. Its own sign-in pages are oidc-provider's
// development pages: a login form that takes any password, then a consent form.
//
// The server under test reaches it with Node's fetch, which trusts what the process trusts: as an
// administrator gives a private CA with NODE_EXTRA_CA_CERTS, `trustInThisProcess()` adds this CA.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { rootCertificates } from 'node:tls';
import Provider from 'oidc-provider';
import { Agent, type Dispatcher, request, setGlobalDispatcher } from 'undici';
import type { Tenant } from '../../src/domain/tenant.js';
import { parseSignInProvider } from '../../src/services/sign-in-provider.js';
import { updateTenantSettings } from '../../src/services/tenants.js';
import type { Store } from '../../src/store/store.js';
import { ephemeralDevCertificate } from '../../src/tls/dev-certificate.js';

export interface Person {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

/**
 * oidc-provider's own default lifetimes (s), given explicitly: left to its defaults it says so at
 * the first use of each ("default ttl.IdToken function called …"), which only clutters test output.
 */
export const PROVIDER_TTL = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  ClientCredentials: 600,
  Grant: 1_209_600,
  IdToken: 3600,
  Interaction: 3600,
  Session: 1_209_600,
};

/**
 * Runs `make` without oidc-provider's warnings that its in-memory adapter, development keys and
 * sign-in pages are for development only (it says so while it is constructed): in a test, that is
 * what they are for, and the lines would only clutter `npm test`. Every other warning passes.
 */
export function withoutDevelopmentWarnings<T>(make: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (
      typeof args[0] === 'string' &&
      args[0].includes('oidc-provider WARNING: a quick start development-only')
    )
      return;
    warn(...args);
  };
  try {
    return make();
  } finally {
    console.warn = warn;
  }
}

export class UpstreamIdp {
  /** The people it knows, by login (their `sub`); a test changes their claims between sign-ins. */
  readonly people = new Map<string, Person>();
  /** When set, its token endpoint waits this long before answering (a provider that does not answer). */
  stallTokenMs = 0;
  /** When set, the ID token of each token response is passed through it (a forged token). */
  tamperIdToken?: (idToken: string) => string;
  private handler?: (req: IncomingMessage, res: ServerResponse) => void;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    /** PEM of the CA that signed its certificate. */
    readonly ca: string,
  ) {}

  /** The environment variable Portrait reads this provider's client secret from (`forPortrait`). */
  private secretEnv = '';

  /**
   * A provider with Portrait registered as its client for the tenant, redirecting to its callback,
   * the client secret put in the environment variable `secretEnv`: as an administrator sets it up.
   */
  static async forPortrait(portraitUrl: string, tenant: Tenant, secretEnv: string): Promise<UpstreamIdp> {
    const secret = randomBytes(18).toString('base64url');
    process.env[secretEnv] = secret;
    const idp = await UpstreamIdp.start({
      clientId: 'portrait',
      clientSecret: secret,
      redirectUris: [`${portraitUrl}/${tenant.id}/federation/callback`],
    });
    idp.secretEnv = secretEnv;
    return idp;
  }

  /** Makes it the tenant's sign-in provider: `settings` as `--sign-in-provider` takes them after the client. */
  useFor(store: Store, tenant: Tenant, settings: string): Promise<Tenant> {
    return updateTenantSettings(store.directory, tenant, {
      signInProvider: parseSignInProvider(
        `${this.issuer} client-id=portrait client-secret-env=${this.secretEnv} ${settings}`,
      ),
    });
  }

  static async start(options: {
    clientId: string;
    clientSecret: string;
    redirectUris: string[];
  }): Promise<UpstreamIdp> {
    const tls = await ephemeralDevCertificate(['127.0.0.1']);
    const server = createServer({ cert: tls.cert, key: tls.key });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const idp = new UpstreamIdp(server, `https://127.0.0.1:${port}`, tls.ca);
    const provider = withoutDevelopmentWarnings(
      () =>
        new Provider(idp.issuer, {
          clients: [
            {
              client_id: options.clientId,
              client_secret: options.clientSecret,
              grant_types: ['authorization_code'],
              response_types: ['code'],
              redirect_uris: options.redirectUris,
            },
          ],
          claims: {
            openid: ['sub'],
            email: ['email', 'email_verified'],
            profile: ['name'],
            groups: ['groups'],
          },
          scopes: ['openid', 'email', 'profile', 'groups'],
          features: { devInteractions: { enabled: true } },
          pkce: { required: () => true },
          findAccount: async (_ctx, sub) => ({
            accountId: sub,
            claims: async () => ({ ...(idp.people.get(sub) ?? { sub }) }),
          }),
          // The claims in the ID token itself, as Keycloak and Entra put them there.
          conformIdTokenClaims: false,
          cookies: { keys: ['upstream-cookie-key'] },
          ttl: PROVIDER_TTL,
        }),
    );
    idp.handler = provider.callback();
    server.on('request', (req, res) => {
      if (idp.tamperIdToken && req.url?.startsWith('/token')) idp.rewriteIdToken(res, idp.tamperIdToken);
      if (idp.stallTokenMs > 0 && req.url?.startsWith('/token')) {
        setTimeout(() => idp.handler!(req, res), idp.stallTokenMs);
      } else idp.handler!(req, res);
    });
    return idp;
  }

  /** The token response as sent, with its ID token replaced by `tamper`'s. */
  private rewriteIdToken(res: ServerResponse, tamper: (idToken: string) => string): void {
    const chunks: Buffer[] = [];
    const end = res.end.bind(res) as (body: string) => ServerResponse;
    res.write = ((chunk: Buffer | string) => {
      chunks.push(Buffer.from(chunk));
      return true;
    }) as typeof res.write;
    res.end = ((chunk?: Buffer | string) => {
      if (chunk) chunks.push(Buffer.from(chunk));
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { id_token?: string };
      if (body.id_token) body.id_token = tamper(body.id_token);
      const text = JSON.stringify(body);
      res.setHeader('content-length', Buffer.byteLength(text));
      return end(text);
    }) as typeof res.end;
  }

  /** Node's fetch in this process (the server under test's, openid-client's) trusts this provider too. */
  trustInThisProcess(...more: string[]): Agent {
    const agent = new Agent({ connect: { ca: [...rootCertificates, this.ca, ...more] } });
    setGlobalDispatcher(agent);
    return agent;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface BrowserRun {
  /** The last response that was not a redirect (or the redirect to the app). */
  status: number;
  url: string;
  body: string;
  /** Every URL visited, in order. */
  visited: string[];
}

/**
 * A browser without JavaScript: follows redirects with a cookie jar per host, presses "Sign in
 * with …" on Portrait's page, and answers the provider's login (as `login`) and consent forms.
 * Stops at `stopAt` (the app's redirect URI) or at a page it has no answer for.
 */
export async function walkSignIn(options: {
  start: string;
  login: string;
  stopAt: string;
  dispatcher: Dispatcher;
  /** Called with each URL before it is fetched; may return a replacement (to tamper). */
  rewrite?: (url: string) => string;
}): Promise<BrowserRun> {
  const jars = new Map<string, Map<string, string>>();
  const visited: string[] = [];
  let url = options.start;
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 30; hop++) {
    if (options.rewrite) url = options.rewrite(url);
    visited.push(url);
    if (url.startsWith(options.stopAt)) return { status: 302, url, body: '', visited };
    const host = new URL(url).host;
    const jar = jars.get(host) ?? new Map<string, string>();
    jars.set(host, jar);
    const response = await request(url, {
      method,
      dispatcher: options.dispatcher,
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body } : {}),
    });
    for (const cookie of [response.headers['set-cookie'] ?? []].flat()) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (/max-age=0/i.test(cookie) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    const text = await response.body.text();
    const location = response.headers['location'];
    method = 'GET';
    body = undefined;
    if (location) {
      url = new URL(String(location), url).toString();
      continue;
    }
    const federation = /<a class="button" href="([^"]+)">Sign in with /.exec(text)?.[1];
    const form = /action="([^"]+)"/.exec(text)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(text)?.[1];
    if (response.statusCode === 200 && federation) {
      url = new URL(federation.replaceAll('&amp;', '&'), url).toString();
    } else if (response.statusCode === 200 && form && prompt) {
      url = new URL(form, url).toString();
      method = 'POST';
      body = new URLSearchParams(
        prompt === 'login' ? { prompt, login: options.login, password: 'any' } : { prompt },
      ).toString();
    } else {
      return { status: response.statusCode, url, body: text, visited };
    }
  }
  throw new Error(`no end after 30 hops: ${visited.join('\n')}`);
}
