// Who is calling, as the photo API needs to know it: taken from a verified token's claims (SPEC §5).
import type { PermissionColumn } from './permission-matrix.js';

/** The consumer tenant: a token with this `tid` is a personal Microsoft account. */
export const CONSUMER_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

export interface Caller {
  tenantId: string;
  /** `delegated`: a signed-in user (has `scp`); `application`: app-only (has `roles`, no `scp`). */
  type: 'delegated' | 'application';
  personalAccount: boolean;
  /** The signed-in user's object id, or the app's service principal id. */
  objectId: string;
  appId: string;
  /** Delegated scopes (`scp`) or application permissions (`roles`), whichever the token grants. */
  permissions: readonly string[];
  /** Directory role template ids (`wids`). */
  directoryRoles: readonly string[];
}

export const permissionColumn = (caller: Caller): PermissionColumn =>
  caller.type === 'application' ? 'application' : caller.personalAccount ? 'personal' : 'delegated';
