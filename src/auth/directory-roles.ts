// Microsoft Entra built-in directory roles Portrait knows by name. Tokens carry their template ids
// in `wids`; the CLI takes either the name or the id. Template ids are the same in every tenant.

export interface DirectoryRole {
  name: string;
  templateId: string;
}

export const DIRECTORY_ROLES = {
  globalAdministrator: { name: 'Global Administrator', templateId: '62e90394-69f5-4237-9190-012177145e10' },
  userAdministrator: { name: 'User Administrator', templateId: 'fe930be7-5e62-47db-91af-98c3a49a38b1' },
  peopleAdministrator: { name: 'People Administrator', templateId: '024906de-61e5-49c8-8572-40335f1e0e10' },
  groupsAdministrator: { name: 'Groups Administrator', templateId: 'fdd7a751-b60b-444a-984c-02652fe8fa1c' },
  teamsAdministrator: { name: 'Teams Administrator', templateId: '69091246-20e8-4a56-aa4d-066075b2a7a8' },
  globalReader: { name: 'Global Reader', templateId: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451' },
  helpdeskAdministrator: {
    name: 'Helpdesk Administrator',
    templateId: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  },
  directoryReaders: { name: 'Directory Readers', templateId: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b' },
} as const satisfies Record<string, DirectoryRole>;

const ALL_ROLES: readonly DirectoryRole[] = Object.values(DIRECTORY_ROLES);

/** A role by display name (any case) or template id; undefined when Portrait does not know it. */
export function findDirectoryRole(nameOrId: string): DirectoryRole | undefined {
  const wanted = nameOrId.trim().toLowerCase();
  return ALL_ROLES.find((role) => role.name.toLowerCase() === wanted || role.templateId === wanted);
}

/** Display name for a template id (the id itself for roles Portrait has no name for). */
export const roleName = (templateId: string): string =>
  ALL_ROLES.find((role) => role.templateId === templateId)?.name ?? templateId;

export const knownRoleNames = (): string[] => ALL_ROLES.map((role) => role.name);
