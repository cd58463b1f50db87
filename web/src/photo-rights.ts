// Which photo controls the console offers the signed-in person: the roles the permission matrix
// (SPEC §5) asks of delegated callers, against the directory roles in the token (`wids`), and for
// groups and teams whether Graph lists the person among the owners. It only decides what to show:
// the server decides what happens (a tenant's photo update policy, say, which only admins may
// read), and a refusal from it is still shown in words.
import { PERMISSION_MATRIX, type PhotoAction } from '../../src/auth/permission-matrix.ts';
import { api, type Owner } from './api.ts';
import type { Session } from './session.ts';

/** Allowed, or not and which directory roles would allow it. */
export type Right = { allowed: true } | { allowed: false; roles: string[] };

export interface PhotoRights {
  upload: Right;
  delete: Right;
}

/**
 * The matrix row each control calls: the console uploads a team's photo through /teams, and
 * deletes it through its group, as api.ts does.
 */
function actionOf(session: Session, owner: Owner, control: keyof PhotoRights): PhotoAction {
  switch (owner.kind) {
    case 'me':
      return 'userPhoto.write.self';
    case 'user':
      return owner.id.toLowerCase() === session.user.id.toLowerCase()
        ? 'userPhoto.write.self'
        : 'userPhoto.write.other';
    case 'group':
      return 'groupPhoto.write';
    case 'team':
      return control === 'upload' ? 'teamPhoto.write' : 'groupPhoto.write';
  }
}

const WHO = {
  me: 'people',
  user: 'people',
  group: "the group's owners and people",
  team: "the team's owners and people",
} as const;
const WHOSE = { me: 'this photo', user: "someone else's photo", group: 'its photo', team: 'its photo' };

/** What the signed-in person may do to one owner's photo; asks Graph for the owners where it matters. */
export async function photoRights(session: Session, owner: Owner): Promise<PhotoRights> {
  const held = new Set(session.roles.map((role) => role.toLowerCase()));
  let owns: Promise<boolean> | undefined;
  const rightTo = async (control: keyof PhotoRights): Promise<Right> => {
    const rule = PERMISSION_MATRIX.find((row) => row.action === actionOf(session, owner, control))!;
    const needs = rule.delegatedAlsoNeeds;
    if (!needs || needs.roles.some((role) => held.has(role.templateId.toLowerCase()))) {
      return { allowed: true };
    }
    if (needs.orOwner && owner.kind !== 'me') {
      owns ??= api.ownsGroup(owner.id, session.user.id);
      if (await owns) return { allowed: true };
    }
    return { allowed: false, roles: needs.roles.map((role) => role.name) };
  };
  const [upload, remove] = await Promise.all([rightTo('upload'), rightTo('delete')]);
  return { upload, delete: remove };
}

/**
 * Why the controls that are not offered are not, in words: one sentence where uploading and
 * deleting need the same roles. Deleting is only mentioned where there is a photo to delete.
 */
export function refusals(owner: Owner, rights: PhotoRights, hasPhoto: boolean): string[] {
  const sentence = (verbs: string, roles: string[]) =>
    `Only ${WHO[owner.kind]} with one of these directory roles may ${verbs} ${WHOSE[owner.kind]}: ${roles.join(', ')}.`;
  const { upload } = rights;
  const remove = hasPhoto ? rights.delete : ({ allowed: true } as const);
  if (!upload.allowed && !remove.allowed && upload.roles.join() === remove.roles.join()) {
    return [sentence('change or delete', upload.roles)];
  }
  return [
    ...(upload.allowed ? [] : [sentence('change', upload.roles)]),
    ...(remove.allowed ? [] : [sentence('delete', remove.roles)]),
  ];
}
