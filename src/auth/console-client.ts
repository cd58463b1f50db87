// The web console's own OAuth client (SPEC §8). Like Microsoft's first-party apps it has one
// fixed client id in every tenant and installation, needs no registration, and its delegated
// scopes are pre-authorized: people sign in without a consent page. That gives no one more than
// their roles allow — writing another user's photo still needs an admin role, a group's photo
// ownership or a groups admin role (the permission matrix). It is a public client (PKCE, no
// secret) that only ever returns to the Portrait server that showed the sign-in page.
import type { AppRegistration } from '../domain/identity.js';

export const CONSOLE_CLIENT_ID = '9f8c4a1e-5b7d-4e2f-a6c3-2d1b0e9f8a7c';

/**
 * What the console does: your own profile and photo, everyone's photos, groups and teams, and
 * (for the explorer's "Try it") your own contacts and their photos.
 */
export const CONSOLE_SCOPES = [
  'User.ReadWrite',
  'User.ReadBasic.All',
  'ProfilePhoto.ReadWrite.All',
  'GroupMember.Read.All',
  'TeamSettings.ReadWrite.All',
  'Contacts.Read',
];

export const consoleApp = (tenantId: string): AppRegistration => ({
  id: CONSOLE_CLIENT_ID,
  tenantId,
  appId: CONSOLE_CLIENT_ID,
  displayName: 'Portrait console',
  requestedRoles: [],
  grantedRoles: [],
  grantedScopes: CONSOLE_SCOPES,
  redirectUris: [],
  publicClient: true,
  createdAt: '1970-01-01T00:00:00.000Z',
});

/** The console's redirect URI: the root of the server the sign-in was started on. */
export const consoleRedirectAllowed = (redirectUri: string, serverOrigins: readonly string[]) =>
  serverOrigins.some((origin) => redirectUri === `${origin}/`);
