// Tenants: the one place a tenant is created or its settings changed (the CLI, the photo update
// policy route, the demo tenant). Settings are checked where they are parsed (tenant-settings.ts).
import type { NewTenant, Tenant, TenantSettings } from '../domain/tenant.js';
import { directoryBadRequest } from '../errors.js';
import type { DirectoryStore } from '../store/directory-store.js';
import { DuplicateError } from '../store/store-errors.js';

/** Creates a tenant; a name or id in use is refused naming the tenant that has it. */
export async function createTenant(directory: DirectoryStore, input: NewTenant): Promise<Tenant> {
  try {
    return await directory.createTenant(input);
  } catch (error) {
    if (!(error instanceof DuplicateError)) throw error;
    const existing =
      (await directory.findTenant(input.name)) ?? (input.id && (await directory.findTenant(input.id)));
    if (!existing) throw error;
    const clash = existing.name.toLowerCase() === input.name.toLowerCase() ? 'name' : 'id';
    throw directoryBadRequest(
      `tenant '${existing.name}' (id ${existing.id}) already exists; pick another ${clash}`,
    );
  }
}

/** Changes the settings named; the others keep their values. */
export function updateTenantSettings(
  directory: DirectoryStore,
  tenant: Tenant,
  settings: Partial<TenantSettings>,
): Promise<Tenant> {
  return directory.updateTenantSettings(tenant.id, settings);
}
