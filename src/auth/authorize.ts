// Enforces the least-privilege matrix: one function, reading PERMISSION_MATRIX, for every photo call.
import { accessDenied } from '../errors.js';
import { type Caller, permissionColumn } from './caller.js';
import { type Action, permissionRule } from './permission-matrix.js';

/** What the caller is to the object, as the owner resolver found it. */
export interface AccessFacts {
  /** The caller owns the group or team. */
  ownsObject?: boolean;
  /** The contact is in the signed-in user's own mailbox. */
  ownMailbox?: boolean;
}

const COLUMN_WORDING = {
  delegated: 'delegated permissions',
  personal: 'personal Microsoft accounts',
  application: 'application permissions',
} as const;

/** Permission names compare without case; a caller's set is made once (callers are cached with tokens). */
const granted = new WeakMap<Caller, ReadonlySet<string>>();

function grantedPermissions(caller: Caller): ReadonlySet<string> {
  let set = granted.get(caller);
  if (!set) {
    set = new Set(caller.permissions.map((p) => p.toLowerCase()));
    granted.set(caller, set);
  }
  return set;
}

/** Throws 403 Authorization_RequestDenied unless the matrix grants `action` to `caller`. */
export function authorize(caller: Caller, action: Action, facts: AccessFacts = {}): void {
  const rule = permissionRule(action);
  const column = permissionColumn(caller);
  const accepted = rule[column];
  if (!accepted) {
    throw accessDenied({
      reason: `This operation (${rule.label}) is not supported with ${COLUMN_WORDING[column]}.`,
    });
  }
  const held = grantedPermissions(caller);
  if (!accepted.some((permission) => held.has(permission.toLowerCase()))) {
    throw accessDenied({
      requiredPermission: accepted[0]!,
      acceptedPermissions: [...accepted],
      permissionType: column === 'application' ? 'Application' : 'Delegated',
    });
  }
  if (column === 'application') return;
  if (rule.ownMailboxOnly && !facts.ownMailbox) {
    throw accessDenied({
      reason:
        "Delegated permissions reach only the signed-in user's own contacts; " +
        `another user's contacts need the application permission ${rule.application?.[0] ?? ''}.`.trim(),
    });
  }
  const also = rule.delegatedAlsoNeeds;
  if (also && column === 'delegated') {
    if (also.orOwner && facts.ownsObject) return;
    const roles = new Set(caller.directoryRoles.map((r) => r.toLowerCase()));
    if (!also.roles.some((role) => roles.has(role.templateId))) {
      const names = also.roles.map((role) => role.name);
      throw accessDenied({
        requiredRoles: names,
        reason:
          `With delegated permissions, ${rule.label} also needs the signed-in user to ` +
          `${also.orOwner ? 'own it or ' : ''}hold one of these directory roles: ${names.join(', ')}.`,
      });
    }
  }
}
