// App registrations: create with a secret shown once, admin consent (grant/revoke) for
// application permissions and delegated scopes, and client authentication for the token endpoint.
import { newClientSecret, secretMatches } from '../auth/credentials.js';
import {
  applicationPermissionNames,
  delegatedPermissionNames,
  findPermission,
  type GraphPermission,
} from '../auth/graph-permissions.js';
import { oauth } from '../auth/oauth-errors.js';
import type { AppRegistration } from '../domain/identity.js';
import type { Tenant } from '../domain/tenant.js';
import type { AppStore } from '../store/app-store.js';
import { CONSOLE_CLIENT_ID, consoleApp } from '../auth/console-client.js';

export class PermissionNameError extends TypeError {}

/** Canonical names of permissions that have the given form; unknown names throw. */
export function canonicalPermissions(names: readonly string[], form: 'application' | 'delegated'): string[] {
  return [
    ...new Set(
      names.map((name) => {
        const permission: GraphPermission | undefined = findPermission(name);
        if (!permission?.[form]) {
          const known = form === 'application' ? applicationPermissionNames() : delegatedPermissionNames();
          throw new PermissionNameError(
            `'${name}' is not ${form === 'application' ? 'an' : 'a'} ${form} permission of Microsoft Graph that Portrait knows; use one of ${known.join(', ')}`,
          );
        }
        return permission.name;
      }),
    ),
  ];
}

export interface CreatedApp {
  app: AppRegistration;
  /** Shown once; only its hash is stored. Absent for public clients. */
  secret?: string;
}

export async function createApp(
  apps: AppStore,
  input: {
    tenant: Tenant;
    name: string;
    roles?: string[];
    redirectUris?: string[];
    publicClient?: boolean;
    /** Fixed ids and secret (fixtures); made up when absent. */
    id?: string;
    appId?: string;
    secret?: string;
  },
): Promise<CreatedApp> {
  const app = await apps.createApp({
    ...(input.id ? { id: input.id } : {}),
    ...(input.appId ? { appId: input.appId } : {}),
    tenantId: input.tenant.id,
    displayName: input.name,
    requestedRoles: canonicalPermissions(input.roles ?? [], 'application'),
    redirectUris: input.redirectUris ?? [],
    publicClient: input.publicClient ?? false,
  });
  if (app.publicClient) return { app };
  const { secret, record } = newClientSecret(app.id, new Date(), input.secret);
  await apps.addClientSecret(record);
  return { app, secret };
}

/** Admin consent: grants application permissions (all requested ones by default) and delegated scopes. */
export async function grantConsent(
  apps: AppStore,
  app: AppRegistration,
  grant: { roles?: string[]; scopes?: string[] },
): Promise<AppRegistration> {
  const roles = grant.roles
    ? canonicalPermissions(grant.roles, 'application')
    : grant.scopes
      ? []
      : app.requestedRoles;
  const scopes = canonicalPermissions(grant.scopes ?? [], 'delegated');
  return apps.updateApp(app.tenantId, app.appId, {
    requestedRoles: [...new Set([...app.requestedRoles, ...roles])],
    grantedRoles: [...new Set([...app.grantedRoles, ...roles])],
    grantedScopes: [...new Set([...app.grantedScopes, ...scopes])],
  });
}

/** Withdraws consent for the named permissions, or for all of them when none are named. */
export async function revokeConsent(
  apps: AppStore,
  app: AppRegistration,
  revoke: { roles?: string[]; scopes?: string[] },
): Promise<AppRegistration> {
  const all = !revoke.roles && !revoke.scopes;
  const roles = new Set(
    revoke.roles ? canonicalPermissions(revoke.roles, 'application') : all ? app.grantedRoles : [],
  );
  const scopes = new Set(
    revoke.scopes ? canonicalPermissions(revoke.scopes, 'delegated') : all ? app.grantedScopes : [],
  );
  return apps.updateApp(app.tenantId, app.appId, {
    grantedRoles: app.grantedRoles.filter((r) => !roles.has(r)),
    grantedScopes: app.grantedScopes.filter((s) => !scopes.has(s)),
  });
}

/** The app a token request comes from, with its secret checked (confidential) or absent (public). */
/** An app registration, or the console's own first-party client, by client id. */
export async function findClient(
  apps: AppStore,
  tenantId: string,
  clientId: string,
): Promise<AppRegistration | undefined> {
  return clientId.toLowerCase() === CONSOLE_CLIENT_ID
    ? consoleApp(tenantId)
    : apps.findApp(tenantId, clientId);
}

export async function authenticateClient(
  apps: AppStore,
  tenant: Tenant,
  clientId: string | undefined,
  secret: string | undefined,
): Promise<AppRegistration> {
  if (!clientId) throw oauth.missingParameter('client_id');
  const app = await findClient(apps, tenant.id, clientId);
  if (!app || app.appId !== clientId.toLowerCase()) throw oauth.unknownClient(clientId, tenant.id);
  if (app.publicClient) {
    if (secret) throw oauth.publicClientSecret();
    return app;
  }
  if (!secret) throw oauth.missingSecret();
  if (!secretMatches(secret, await apps.clientSecrets(app.id))) throw oauth.badSecret(clientId);
  return app;
}
