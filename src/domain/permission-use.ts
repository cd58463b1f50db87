// What the least-privilege report counts (SPEC §8): an app's allowed calls per permission and day.

/** Calls of one app on one day that one permission allowed, for one action of the matrix. */
export interface PermissionUse {
  tenantId: string;
  appId: string;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  column: 'delegated' | 'personal' | 'application';
  action: string;
  permission: string;
  calls: number;
}
