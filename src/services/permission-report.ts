// The least-privilege report (SPEC §1, §8): what an app was granted, which of those permissions
// actually allowed its calls, which it never needed, and the least privileged set that would
// have allowed every call seen — from the usage counters and the permission matrix.
import { findPermission, GRAPH_PERMISSIONS } from '../auth/graph-permissions.js';
import { leastPrivilegedSet, type MatrixCell, permissionRule } from '../auth/permission-matrix.js';
import type { AppRegistration } from '../domain/identity.js';
import type { Tenant } from '../domain/tenant.js';
import type { Store } from '../store/store.js';

export interface PermissionReport {
  app: string;
  appId: string;
  tenant: string;
  /** The first day counted, `YYYY-MM-DD`. */
  since: string;
  granted: string[];
  used: string[];
  unused: string[];
  suggested: string[];
  /** What was called, and what allowed it. */
  calls: { action: string; label: string; column: string; permission: string; calls: number }[];
}

/** Permission names in one spelling and order: the order Portrait lists them in. */
function canonical(names: Iterable<string>): string[] {
  const known = new Set<string>();
  const unknown = new Set<string>();
  for (const name of names) {
    const permission = findPermission(name);
    if (permission) known.add(permission.name);
    else unknown.add(name);
  }
  return [...GRAPH_PERMISSIONS.map((p) => p.name).filter((name) => known.has(name)), ...[...unknown].sort()];
}

/** The matrix row's wording; counters of an action the matrix no longer has keep its name. */
function labelOf(action: string): string {
  try {
    return permissionRule(action as MatrixCell['action']).label;
  } catch {
    return action;
  }
}

export async function permissionReport(
  store: Pick<Store, 'apps' | 'usage'>,
  tenant: Tenant,
  app: AppRegistration,
  since: string,
): Promise<PermissionReport> {
  const uses = await store.usage.usageSince(tenant.id, app.appId, since);
  const granted = canonical([
    ...app.grantedRoles,
    ...app.grantedScopes,
    ...(await store.apps.consentedScopes(tenant.id, app.appId)),
  ]);
  const used = canonical(uses.map((use) => use.permission));
  const calls = new Map<string, PermissionReport['calls'][number]>();
  for (const use of uses) {
    const key = `${use.action}|${use.column}|${use.permission}`;
    const seen = calls.get(key);
    if (seen) seen.calls += use.calls;
    else {
      const label = labelOf(use.action);
      calls.set(key, {
        action: use.action,
        label,
        column: use.column,
        permission: use.permission,
        calls: use.calls,
      });
    }
  }
  const cells = [...calls.values()].map(({ action, column }) => ({ action, column }) as MatrixCell);
  return {
    app: app.displayName,
    appId: app.appId,
    tenant: tenant.name,
    since,
    granted,
    used,
    unused: granted.filter((name) => !used.includes(name)),
    suggested: canonical(leastPrivilegedSet(cells)),
    calls: [...calls.values()],
  };
}
