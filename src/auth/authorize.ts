// Enforces the least-privilege matrix: one function, reading PERMISSION_MATRIX, for every photo call.
import { accessDenied } from '../errors.js';
import { type Caller, permissionColumn } from './caller.js';
import { roleName } from './directory-roles.js';
import { type Action, type PermissionColumn, permissionRule } from './permission-matrix.js';

/** What the caller is to the object, as the owner resolver found it. */
export interface AccessFacts {
  /** The caller owns the group or team. */
  ownsObject?: boolean;
  /** The contact is in the signed-in user's own mailbox. */
  ownMailbox?: boolean;
  /** The tenant's photoUpdateSettings.allowedRoles (template ids), where its policy applies. */
  photoUpdateRoles?: readonly string[];
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

/** Whether the caller's `wids` include one of these role template ids. */
const holdsRole = (caller: Caller, templateIds: readonly string[]) =>
  caller.directoryRoles.some((held) => templateIds.some((id) => id.toLowerCase() === held.toLowerCase()));

/** What allowed a call: the matrix cell, and the least privileged permission the caller held for it. */
export interface Grant {
  action: Action;
  column: PermissionColumn;
  permission: string;
}

/**
 * Throws 403 Authorization_RequestDenied unless the matrix grants `action` to `caller`; says which
 * permission did (the least-privilege report counts these).
 */
export function authorize(caller: Caller, action: Action, facts: AccessFacts = {}): Grant {
  const rule = permissionRule(action);
  const column = permissionColumn(caller);
  const accepted = rule[column];
  if (!accepted) {
    throw accessDenied({
      reason: `This operation (${rule.label}) is not supported with ${COLUMN_WORDING[column]}.`,
    });
  }
  const held = grantedPermissions(caller);
  const permission = accepted.find((p) => held.has(p.toLowerCase()));
  if (!permission) {
    throw accessDenied({
      requiredPermission: accepted[0]!,
      acceptedPermissions: [...accepted],
      permissionType: column === 'application' ? 'Application' : 'Delegated',
    });
  }
  const grant = { action, column, permission };
  if (column === 'application') return grant;
  const policyRoles = rule.photoUpdatePolicy ? (facts.photoUpdateRoles ?? []) : [];
  if (policyRoles.length > 0 && !holdsRole(caller, policyRoles)) {
    const names = policyRoles.map(roleName);
    throw accessDenied({
      requiredRoles: names,
      reason:
        `This organization's photo update policy (photoUpdateSettings) lets only these directory roles ` +
        `change user photos: ${names.join(', ')}.`,
    });
  }
  if (rule.ownMailboxOnly && !facts.ownMailbox) {
    throw accessDenied({
      reason:
        "Delegated permissions reach only the signed-in user's own contacts; " +
        `another user's contacts need the application permission ${rule.application?.[0] ?? ''}.`.trim(),
    });
  }
  const also = rule.delegatedAlsoNeeds;
  if (also && column === 'delegated' && !(also.orOwner && facts.ownsObject)) {
    if (
      !holdsRole(
        caller,
        also.roles.map((role) => role.templateId),
      )
    ) {
      const names = also.roles.map((role) => role.name);
      throw accessDenied({
        requiredRoles: names,
        reason:
          `With delegated permissions, ${rule.label} also needs the signed-in user to ` +
          `${also.orOwner ? 'own it or ' : ''}hold one of these directory roles: ${names.join(', ')}.`,
      });
    }
  }
  return grant;
}
