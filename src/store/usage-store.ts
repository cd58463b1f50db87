// The permission usage port: the least-privilege report's counters.
import type { PermissionUse } from '../domain/permission-use.js';

/** Counters of allowed calls per app, permission and day: the least-privilege report's input. */
export interface UsageStore {
  /** Adds each use's calls to its day's counter. */
  addUsage(uses: readonly PermissionUse[]): Promise<void>;
  /** Every counter of the app from `day` on (inclusive). */
  usageSince(tenantId: string, appId: string, day: string): Promise<PermissionUse[]>;
  /** Drops counters older than `day`: the store keeps a bounded history. */
  forgetUsageBefore(day: string): Promise<void>;
}
