// The state of a sign-in between its pages (login, then consent), carried in the page itself as a
// short-lived token MACed with an installation secret: no server-side session, any node can
// continue it, and a form cannot be replayed with edited parameters.
import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

const LIFETIME_SECONDS = 600;

export interface AuthorizationRequest {
  tenantId: string;
  clientId: string;
  redirectUri: string;
  responseMode: 'query' | 'fragment' | 'form_post';
  /** Canonical Graph scope names asked for. */
  scopes: string[];
  /** openid, profile, email, offline_access as asked for. */
  oidcScopes: string[];
  state: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  loginHint: string | null;
  forceConsent: boolean;
}

export interface Interaction {
  request: AuthorizationRequest;
  /** Set once the user has signed in: the consent step. */
  userId?: string;
}

export class InteractionSeal {
  private constructor(private readonly key: Uint8Array) {}

  /** The MAC key lives with the installation, so every node seals and opens alike. */
  static async open(
    setting: (name: string, ifAbsent: () => string) => Promise<string>,
  ): Promise<InteractionSeal> {
    const secret = await setting('interactionKey', () => randomBytes(32).toString('base64url'));
    return new InteractionSeal(Buffer.from(secret, 'base64url'));
  }

  seal(interaction: Interaction): Promise<string> {
    return new SignJWT({ ...interaction })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime(`${LIFETIME_SECONDS}s`)
      .sign(this.key);
  }

  /** The interaction, or undefined when the token is forged, altered or stale. */
  async unseal(token: unknown): Promise<Interaction | undefined> {
    if (typeof token !== 'string') return undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      return payload as unknown as Interaction;
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
  }
}
