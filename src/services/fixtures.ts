// Applying fixtures (SPEC §11) to a store, through the same services the API and the CLI use, so a
// fixture user is made as any user is and a fixture photo goes through the upload pipeline.
// Idempotent on any store: what exists is matched (by id, else by name) and changed only where it
// differs; a photo is replaced only when its source bytes changed, so a second run keeps ETags.
// Ids not given are made from the names, the same for the same fixtures.
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { findDirectoryRole } from '../auth/directory-roles.js';
import { nameBasedGuid } from '../auth/token-issuer.js';
import { newClientSecret, secretMatches, verifyPassword } from '../auth/credentials.js';
import type { User, UserFields } from '../domain/directory.js';
import type { Tenant, TenantSettings } from '../domain/tenant.js';
import type { PipelineOptions } from '../image/photo-pipeline.js';
import type { Store } from '../store/store.js';
import { canonicalPermissions, createApp, grantConsent } from './app-service.js';
import { createContact, deleteContact, updateContact } from './contacts.js';
import {
  FixtureError,
  type FixtureApp,
  type FixtureContact,
  type FixtureGroup,
  type FixtureTenant,
  type FixtureUser,
  type LoadedFixtures,
} from './fixture-file.js';
import { addGroupMember, createGroup, makeTeam, requireGroup, updateGroup } from './groups.js';
import { replacePhoto, sourceHash } from './photo-service.js';
import { parseCorsOrigins, parseFaults } from './tenant-settings.js';
import { createTenant, updateTenantSettings } from './tenants.js';
import { createUser, setPassword, updateUser } from './users.js';

/** What applying fixtures did: the tenants they name, how many objects were made or changed, and photos stored. */
export interface FixturesApplied {
  tenants: { id: string; name: string }[];
  created: number;
  changed: number;
  unchanged: number;
  /** Photos put through the pipeline this time (new or changed source bytes). */
  photos: number;
}

type Outcome = 'created' | 'changed' | 'unchanged';

/** Stable ids for what the fixtures do not give one: the same names give the same ids. */
const fixtureId = (...parts: string[]) =>
  nameBasedGuid('portrait-fixture', ...parts.map((p) => p.toLowerCase()));

/** A Graph error or a store refusal while applying an item, at that item's pointer. */
async function at<T>(pointer: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof FixtureError) throw error;
    throw new FixtureError(pointer, (error as Error).message);
  }
}

class Applier {
  readonly result: FixturesApplied = { tenants: [], created: 0, changed: 0, unchanged: 0, photos: 0 };

  /** Photos wait until every object exists, then go through the pipeline a few at a time. */
  private readonly photos: (() => Promise<void>)[] = [];

  constructor(
    private readonly store: Store,
    private readonly loaded: LoadedFixtures,
    private readonly pipeline: PipelineOptions,
  ) {}

  private count(outcome: Outcome): void {
    this.result[outcome]++;
  }

  /**
   * Owners, members and mailbox owners must be users of the fixture's tenant or of the store's:
   * checked before anything is written, so such a mistake leaves the store as it was.
   */
  private async checkReferences(): Promise<void> {
    for (const [t, spec] of this.loaded.fixtures.tenants.entries()) {
      const tenant = await this.store.directory.findTenant(spec.id ?? spec.name);
      const declared = new Set(
        (spec.users ?? []).flatMap((u) => [u.userPrincipalName, u.id ?? ''].map((k) => k.toLowerCase())),
      );
      const known = async (key: string) =>
        declared.has(key.toLowerCase()) ||
        (tenant !== undefined && (await this.store.directory.findUser(tenant.id, key)) !== undefined);
      const references: [string, string][] = [
        ...(spec.groups ?? []).flatMap((group, g) =>
          (['owners', 'members'] as const).flatMap((field) =>
            (group[field] ?? []).map((key, i): [string, string] => [
              `/tenants/${t}/groups/${g}/${field}/${i}`,
              key,
            ]),
          ),
        ),
        ...(spec.contacts ?? []).map((contact, c): [string, string] => [
          `/tenants/${t}/contacts/${c}/user`,
          contact.user,
        ]),
      ];
      for (const [pointer, key] of references) {
        if (!(await known(key)))
          throw new FixtureError(pointer, `no user '${key}' in the tenant '${spec.name}'`);
      }
    }
  }

  async apply(): Promise<FixturesApplied> {
    await this.checkReferences();
    for (const [t, spec] of this.loaded.fixtures.tenants.entries()) {
      const pointer = `/tenants/${t}`;
      const tenant = await at(pointer, () => this.tenant(pointer, spec));
      this.result.tenants.push({ id: tenant.id, name: tenant.name });
      for (const [u, user] of (spec.users ?? []).entries()) {
        await at(`${pointer}/users/${u}`, () => this.user(`${pointer}/users/${u}`, tenant, user));
      }
      for (const [g, group] of (spec.groups ?? []).entries()) {
        await at(`${pointer}/groups/${g}`, () => this.group(`${pointer}/groups/${g}`, tenant, group));
      }
      for (const [c, contact] of (spec.contacts ?? []).entries()) {
        await at(`${pointer}/contacts/${c}`, () => this.contact(`${pointer}/contacts/${c}`, tenant, contact));
      }
      for (const [a, app] of (spec.apps ?? []).entries()) {
        await at(`${pointer}/apps/${a}`, () => this.app(tenant, app));
      }
    }
    const limit = pLimit(availableParallelism());
    await Promise.all(this.photos.map((job) => limit(job)));
    return this.result;
  }

  private async tenant(pointer: string, spec: FixtureTenant): Promise<Tenant> {
    const settings = tenantSettings(spec);
    const byName = await this.store.directory.findTenant(spec.name);
    const byId = spec.id ? await this.store.directory.findTenant(spec.id) : undefined;
    if (spec.id && byName && byName.id !== spec.id.toLowerCase()) {
      throw new FixtureError(`${pointer}/id`, `the tenant '${byName.name}' exists with the id ${byName.id}`);
    }
    if (byId && byId.name.toLowerCase() !== spec.name.toLowerCase()) {
      throw new FixtureError(`${pointer}/id`, `the id is the tenant '${byId.name}''s`);
    }
    const existing = byName ?? byId;
    if (!existing) {
      this.count('created');
      return createTenant(this.store.directory, {
        name: spec.name,
        id: spec.id ?? fixtureId('tenant', spec.name),
        settings,
      });
    }
    const differs = (Object.keys(settings) as (keyof TenantSettings)[]).some((key) =>
      key === 'faults'
        ? JSON.stringify({ ...existing.settings.faults, setAt: '' }) !==
          JSON.stringify(settings.faults ? { ...settings.faults, setAt: '' } : { setAt: '' })
        : JSON.stringify(existing.settings[key]) !== JSON.stringify(settings[key]),
    );
    this.count(differs ? 'changed' : 'unchanged');
    return differs ? updateTenantSettings(this.store.directory, existing, settings) : existing;
  }

  private async user(pointer: string, tenant: Tenant, spec: FixtureUser): Promise<void> {
    const { directory } = this.store;
    const fields: Partial<UserFields> = {
      userPrincipalName: spec.userPrincipalName,
      displayName: spec.displayName,
      ...(spec.mail !== undefined ? { mail: spec.mail } : {}),
      ...(spec.givenName !== undefined ? { givenName: spec.givenName } : {}),
      ...(spec.surname !== undefined ? { surname: spec.surname } : {}),
      ...(spec.jobTitle !== undefined ? { jobTitle: spec.jobTitle } : {}),
      ...(spec.accountEnabled !== undefined ? { accountEnabled: spec.accountEnabled } : {}),
      directoryRoles: (spec.roles ?? []).map((role) => findDirectoryRole(role)!.templateId),
    };
    const byUpn = await directory.findUser(tenant.id, spec.userPrincipalName);
    if (spec.id && byUpn && byUpn.id !== spec.id.toLowerCase()) {
      throw new FixtureError(`${pointer}/id`, `'${spec.userPrincipalName}' exists with the id ${byUpn.id}`);
    }
    const existing = byUpn ?? (spec.id ? await directory.findUser(tenant.id, spec.id) : undefined);
    let user: User;
    if (!existing) {
      user = await createUser(directory, tenant.id, {
        ...fields,
        userPrincipalName: spec.userPrincipalName,
        displayName: spec.displayName,
        id: spec.id ?? fixtureId('user', tenant.id, spec.userPrincipalName),
        ...(spec.password !== undefined ? { password: spec.password } : {}),
      });
      this.count('created');
    } else {
      const changed = Object.entries(fields).filter(
        ([key, value]) => JSON.stringify(existing[key as keyof User]) !== JSON.stringify(value),
      );
      user =
        changed.length > 0 ? await updateUser(directory, existing, Object.fromEntries(changed)) : existing;
      const newPassword =
        spec.password !== undefined &&
        !(await verifyPassword(spec.password, await directory.passwordHash(tenant.id, user.id)));
      if (newPassword) await setPassword(directory, user, spec.password!);
      this.count(changed.length > 0 || newPassword ? 'changed' : 'unchanged');
    }
    await this.photo(`${pointer}/photo`, tenant.id, user.id);
  }

  private async group(pointer: string, tenant: Tenant, spec: FixtureGroup): Promise<void> {
    const ports = this.store;
    const fields = {
      displayName: spec.displayName,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      ...(spec.mail !== undefined ? { mail: spec.mail } : {}),
    };
    const id = spec.id ?? fixtureId('group', tenant.id, spec.displayName);
    const existing = await ports.groups.findGroup(tenant.id, id);
    const users = async (keys: string[] | undefined, field: string) =>
      Promise.all(
        (keys ?? []).map(async (key, i) => {
          const user = await ports.directory.findUser(tenant.id, key);
          if (!user)
            throw new FixtureError(
              `${pointer}/${field}/${i}`,
              `no user '${key}' in the tenant '${tenant.name}'`,
            );
          return user.id;
        }),
      );
    const owners = await users(spec.owners, 'owners');
    const members = await users(spec.members, 'members');
    let groupId = existing?.id;
    if (!existing) {
      groupId = (
        await createGroup(ports, tenant, { ...fields, id, isTeam: spec.team ?? false, owners, members })
      ).group.id;
      this.count('created');
    } else {
      let changed = Object.entries(fields).some(
        ([key, value]) => existing[key as keyof typeof existing] !== value,
      );
      if (changed) await updateGroup(ports, existing, fields);
      if (spec.team && !existing.isTeam) {
        await makeTeam(ports, existing);
        changed = true;
      }
      for (const [relation, ids] of [
        ['owner', owners],
        ['member', members],
      ] as const) {
        for (const userId of ids) {
          if (!(await ports.groups.groupRelation(existing.id, userId))[relation]) {
            await addGroupMember(ports, await requireGroup(ports, tenant.id, existing.id), userId, relation);
            changed = true;
          }
        }
      }
      this.count(changed ? 'changed' : 'unchanged');
    }
    await this.photo(`${pointer}/photo`, tenant.id, groupId!);
  }

  private async contact(pointer: string, tenant: Tenant, spec: FixtureContact): Promise<void> {
    const { mailbox } = this.store;
    const owner = (await this.store.directory.findUser(tenant.id, spec.user))!;
    const name = spec.displayName ?? spec.email ?? '';
    const id = spec.id ?? fixtureId('contact', tenant.id, owner.id, spec.folder ?? '', name);
    const fields = {
      ...(spec.displayName !== undefined ? { displayName: spec.displayName } : {}),
      givenName: spec.givenName ?? null,
      surname: spec.surname ?? null,
      emailAddress: spec.email ?? null,
    };
    const folder = spec.folder
      ? { folderName: spec.folder, newFolderId: fixtureId('folder', tenant.id, owner.id, spec.folder) }
      : {};
    const create = async () => (await createContact(mailbox, owner, { id, ...fields, ...folder })).id;
    let existing = await mailbox.findContact(tenant.id, owner.id, id);
    if (existing) {
      const folderName = existing.parentFolderId
        ? (await mailbox.findContactFolder(tenant.id, owner.id, existing.parentFolderId))?.displayName
        : undefined;
      if ((folderName ?? '').toLowerCase() !== (spec.folder ?? '').toLowerCase()) {
        // Moved to another folder: made again there, under the same id (its photo follows below).
        await deleteContact(mailbox, owner, existing);
        existing = undefined;
      }
    }
    let contactId = existing?.id;
    if (!existing) {
      contactId = await create();
      this.count('created');
    } else {
      const changed = Object.entries(fields).filter(
        ([key, value]) => existing![key as keyof typeof existing] !== value,
      );
      if (changed.length > 0) await updateContact(mailbox, owner, existing, Object.fromEntries(changed));
      this.count(changed.length > 0 ? 'changed' : 'unchanged');
    }
    await this.photo(`${pointer}/photo`, tenant.id, contactId!);
  }

  private async app(tenant: Tenant, spec: FixtureApp): Promise<void> {
    const { apps } = this.store;
    // As Graph spells them, so that `profilephoto.read.all` matches what is stored.
    const requested = canonicalPermissions(spec.roles ?? [], 'application');
    const scopesWanted = canonicalPermissions(spec.scopes ?? [], 'delegated');
    let app = await apps.findApp(tenant.id, spec.name);
    let outcome: Outcome = 'unchanged';
    if (!app) {
      app = (
        await createApp(apps, {
          tenant,
          name: spec.name,
          roles: requested,
          redirectUris: spec.redirectUris ?? [],
          publicClient: spec.publicClient ?? false,
          id: fixtureId('app', tenant.id, spec.name),
          // The client id `portrait token --app NAME` gives an app it does not know: the same app.
          appId: nameBasedGuid('app', tenant.id, spec.name.toLowerCase()),
          ...(spec.clientSecret ? { secret: spec.clientSecret } : {}),
        })
      ).app;
      outcome = 'created';
    } else if (spec.clientSecret && !secretMatches(spec.clientSecret, await apps.clientSecrets(app.id))) {
      await apps.addClientSecret(newClientSecret(app.id, new Date(), spec.clientSecret).record);
      outcome = 'changed';
    }
    const roles = spec.granted ? requested.filter((r) => !app!.grantedRoles.includes(r)) : [];
    const scopes = scopesWanted.filter((s) => !app!.grantedScopes.includes(s));
    const asked = requested.filter((r) => !app!.requestedRoles.includes(r));
    if (asked.length > 0) {
      app = await apps.updateApp(tenant.id, app.appId, { requestedRoles: [...app.requestedRoles, ...asked] });
    }
    if (roles.length > 0 || scopes.length > 0) {
      app = await grantConsent(apps, app, { roles, scopes });
    }
    if (outcome === 'unchanged' && (asked.length > 0 || roles.length > 0 || scopes.length > 0))
      outcome = 'changed';
    this.count(outcome);
  }

  /** The photo at `pointer` becomes the owner's, unless the owner already has it from the same bytes. */
  private async photo(pointer: string, tenantId: string, ownerId: string): Promise<void> {
    const body = this.loaded.photos.get(pointer);
    if (!body) return;
    this.photos.push(async () => {
      const hash = sourceHash(body);
      if ((await this.store.photos.readPhotoSet(tenantId, ownerId))?.sourceSha256 === hash) return;
      const deps = { photos: this.store.photos, pipeline: this.pipeline };
      await at(pointer, () =>
        replacePhoto(deps, { tenantId, photoOwnerId: ownerId }, body, { sourceSha256: hash }),
      );
      this.result.photos++;
    });
  }
}

/** The settings a fixture tenant names, as the tenant keeps them. */
function tenantSettings(spec: FixtureTenant): Partial<TenantSettings> {
  const given = spec.settings ?? {};
  return {
    ...(given.avatars ? { avatars: given.avatars } : {}),
    ...(given.missingPhotoMetadata ? { missingPhotoMetadata: given.missingPhotoMetadata } : {}),
    ...(given.corsOrigins
      ? { corsOrigins: parseCorsOrigins(given.corsOrigins === '*' ? '*' : given.corsOrigins.join(' ')) }
      : {}),
    ...(given.faults !== undefined ? { faults: parseFaults(given.faults) } : {}),
  };
}

/** Applies loaded fixtures to the store; a refusal names the JSON pointer of what it was applying. */
export function applyFixtures(
  store: Store,
  loaded: LoadedFixtures,
  pipeline: PipelineOptions,
): Promise<FixturesApplied> {
  return new Applier(store, loaded, pipeline).apply();
}
