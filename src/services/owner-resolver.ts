// Finds the object a photo URL names, within the caller's tenant only (another tenant's object is
// a 404, never a 403), and what the caller is to it, for the permission check.
import type { AccessFacts } from '../auth/authorize.js';
import type { Caller } from '../auth/caller.js';
import { badRequest, itemNotFound, resourceNotFound } from '../errors.js';
import type { OwnerKind } from '../domain/owner-kind.js';
import type { OwnerRef, UserRef } from '../graph/photo-path.js';
import type { User } from '../domain/directory.js';
import type { DirectoryStore } from '../store/directory-store.js';
import type { Store } from '../store/store.js';

/** The directory ports an owner is looked up in. */
export type DirectoryPorts = Pick<Store, 'directory' | 'groups' | 'mailbox'>;

export interface ResolvedOwner {
  kind: OwnerKind;
  tenantId: string;
  /** Whose photo set this is: the user, the group (for teams and joined groups too) or the contact. */
  photoOwnerId: string;
  /** The entity path of `@odata.context`, e.g. `users('…')` or `users('…')/contacts('…')`. */
  contextPath: string;
  /** The caller's own user photo (only ever for delegated callers). */
  self: boolean;
  access: AccessFacts;
}

const ME_WITH_APP_TOKEN = '/me request is only valid with delegated authentication flow.';

/** The user `/me` or `/users/{id | userPrincipalName}` names, in the caller's tenant. */
export async function resolveUser(directory: DirectoryStore, caller: Caller, ref: UserRef): Promise<User> {
  if (ref.me) {
    if (caller.type === 'application') throw badRequest(ME_WITH_APP_TOKEN);
    const me = await directory.findUser(caller.tenantId, caller.objectId);
    if (!me) throw resourceNotFound(caller.objectId);
    return me;
  }
  const user = await directory.findUser(caller.tenantId, ref.key);
  if (!user) throw resourceNotFound(ref.key);
  return user;
}

const isCaller = (caller: Caller, userId: string) =>
  caller.type === 'delegated' && caller.objectId === userId;

async function resolveGroup(ports: DirectoryPorts, caller: Caller, groupId: string, kind: 'group' | 'team') {
  const group = await ports.groups.findGroup(caller.tenantId, groupId);
  if (!group || (kind === 'team' && !group.isTeam)) throw resourceNotFound(groupId);
  const ownsObject =
    caller.type === 'delegated' && (await ports.groups.groupRelation(group.id, caller.objectId)).owner;
  return { group, ownsObject };
}

export async function resolveOwner(
  ports: DirectoryPorts,
  caller: Caller,
  ref: OwnerRef,
): Promise<ResolvedOwner> {
  const { directory } = ports;
  const base = { kind: ref.kind, tenantId: caller.tenantId, self: false, access: {} };
  switch (ref.kind) {
    case 'user': {
      const user = await resolveUser(directory, caller, ref.user);
      const self = isCaller(caller, user.id);
      return { ...base, photoOwnerId: user.id, contextPath: `users('${user.id}')`, self };
    }
    case 'group':
    case 'team': {
      const { group, ownsObject } = await resolveGroup(ports, caller, ref.groupId, ref.kind);
      const set = ref.kind === 'team' ? 'teams' : 'groups';
      return {
        ...base,
        photoOwnerId: group.id,
        contextPath: `${set}('${group.id}')`,
        access: { ownsObject },
      };
    }
    case 'joinedGroup': {
      const user = await resolveUser(directory, caller, ref.user);
      const group = await ports.groups.findGroup(caller.tenantId, ref.groupId);
      if (!group || !(await ports.groups.groupRelation(group.id, user.id)).member) {
        throw resourceNotFound(ref.groupId);
      }
      return {
        ...base,
        photoOwnerId: group.id,
        contextPath: `users('${user.id}')/joinedGroups('${group.id}')`,
      };
    }
    case 'contact': {
      const user = await resolveUser(directory, caller, ref.user);
      let folderPath = '';
      if (ref.folderId !== undefined) {
        const folder = await ports.mailbox.findContactFolder(caller.tenantId, user.id, ref.folderId);
        if (!folder) throw itemNotFound();
        folderPath = `/contactFolders('${folder.id}')`;
      }
      const contact = await ports.mailbox.findContact(caller.tenantId, user.id, ref.contactId);
      if (!contact) throw itemNotFound();
      if (ref.folderId !== undefined && folderPath !== `/contactFolders('${contact.parentFolderId}')`) {
        throw itemNotFound();
      }
      return {
        ...base,
        photoOwnerId: contact.id,
        contextPath: `users('${user.id}')${folderPath}/contacts('${contact.id}')`,
        access: { ownMailbox: isCaller(caller, user.id) },
      };
    }
  }
}
