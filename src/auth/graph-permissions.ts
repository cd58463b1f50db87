// The Microsoft Graph permissions Portrait knows: their delegated and application forms, whether a
// delegated one needs admin consent, and how Microsoft describes them. App registrations, the
// consent page and the permissions explorer read this; the matrix says what each one grants.

export interface PermissionForm {
  /** Short title, as the consent prompt shows it. */
  title: string;
  description: string;
}

export interface GraphPermission {
  name: string;
  delegated?: PermissionForm & { adminConsent: boolean };
  application?: PermissionForm;
}

const perm = (
  name: string,
  title: string,
  what: string,
  forms: { delegated?: 'user' | 'admin'; application?: boolean },
): GraphPermission => ({
  name,
  ...(forms.delegated
    ? {
        delegated: {
          title,
          description: `Allows the app to ${what}, on behalf of the signed-in user.`,
          adminConsent: forms.delegated === 'admin',
        },
      }
    : {}),
  ...(forms.application
    ? { application: { title, description: `Allows the app to ${what}, without a signed-in user.` } }
    : {}),
});

export const GRAPH_PERMISSIONS: readonly GraphPermission[] = [
  perm('User.Read', 'Sign in and read user profile', "read the signed-in user's profile and photo", {
    delegated: 'user',
  }),
  perm(
    'User.ReadWrite',
    'Read and write access to user profile',
    "read and update the signed-in user's profile and photo",
    {
      delegated: 'user',
    },
  ),
  perm(
    'User.ReadBasic.All',
    "Read all users' basic profiles",
    'read the basic profile and photo of every user',
    {
      delegated: 'user',
    },
  ),
  perm('User.Read.All', "Read all users' full profiles", 'read the full profile and photo of every user', {
    delegated: 'admin',
    application: true,
  }),
  perm(
    'User.ReadWrite.All',
    "Read and write all users' full profiles",
    'read and write the full profile and photo of every user',
    {
      delegated: 'admin',
      application: true,
    },
  ),
  perm(
    'ProfilePhoto.Read.All',
    'Read profile photo of a user or group',
    'read all profile photos of users and groups',
    {
      delegated: 'admin',
      application: true,
    },
  ),
  perm(
    'ProfilePhoto.ReadWrite.All',
    'Read and write profile photo of a user or group',
    'read and write all profile photos of users and groups',
    { delegated: 'admin', application: true },
  ),
  perm('Group.Read.All', 'Read all groups', 'read all groups, their properties and photos', {
    delegated: 'admin',
    application: true,
  }),
  perm(
    'Group.ReadWrite.All',
    'Read and write all groups',
    'create, read, update and delete all groups and their photos',
    {
      delegated: 'admin',
      application: true,
    },
  ),
  perm(
    'Team.ReadBasic.All',
    'Read the names and descriptions of teams',
    'read the names, descriptions and photos of teams',
    {
      delegated: 'user',
      application: true,
    },
  ),
  perm('TeamSettings.Read.All', "Read teams' settings", "read all teams' settings and photos", {
    delegated: 'admin',
    application: true,
  }),
  perm(
    'TeamSettings.ReadWrite.All',
    "Read and change teams' settings",
    "read and change all teams' settings and photos",
    {
      delegated: 'admin',
      application: true,
    },
  ),
  perm('GroupMember.Read.All', 'Read group memberships', 'read the memberships of all groups', {
    delegated: 'admin',
    application: true,
  }),
  perm(
    'GroupMember.ReadWrite.All',
    'Read and write group memberships',
    'add and remove owners and members of all groups',
    {
      delegated: 'admin',
      application: true,
    },
  ),
  perm(
    'Directory.Read.All',
    'Read directory data',
    "read data in your organization's directory, such as users and groups",
    {
      delegated: 'admin',
      application: true,
    },
  ),
  perm(
    'Directory.ReadWrite.All',
    'Read and write directory data',
    "read and write data in your organization's directory, such as users and groups",
    {
      delegated: 'admin',
      application: true,
    },
  ),
  perm(
    'PeopleSettings.Read.All',
    'Read tenant-wide people settings',
    'read the tenant-wide people settings, such as who may change profile photos',
    { delegated: 'admin', application: true },
  ),
  perm(
    'PeopleSettings.ReadWrite.All',
    'Read and write tenant-wide people settings',
    'read and change the tenant-wide people settings, such as who may change profile photos',
    { delegated: 'admin', application: true },
  ),
  perm('Contacts.Read', 'Read user contacts', 'read contacts and their photos', {
    delegated: 'user',
    application: true,
  }),
  perm(
    'Contacts.ReadWrite',
    'Have full access to user contacts',
    'create, read, update and delete contacts and their photos',
    {
      delegated: 'user',
      application: true,
    },
  ),
];

/** The permission of that name (any case), or undefined. */
export const findPermission = (name: string): GraphPermission | undefined =>
  GRAPH_PERMISSIONS.find((p) => p.name.toLowerCase() === name.toLowerCase());

export const applicationPermissionNames = () =>
  GRAPH_PERMISSIONS.filter((p) => p.application).map((p) => p.name);
export const delegatedPermissionNames = () => GRAPH_PERMISSIONS.filter((p) => p.delegated).map((p) => p.name);
