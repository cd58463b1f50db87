// Tenant-wide settings endpoints, as data like the photo endpoint matrix: the route registers
// from it and the permissions explorer lists it (SPEC §8). Graph serves them in beta only.
import type { SettingsAction } from '../auth/permission-matrix.js';
import type { ApiVersion } from './endpoint-matrix.js';

export interface SettingsEndpoint {
  path: string;
  versions: readonly ApiVersion[];
  methods: Readonly<Partial<Record<'GET' | 'PATCH', SettingsAction>>>;
}

/** Graph beta's photoUpdateSettings: who may change user photos. */
export const PHOTO_UPDATE_SETTINGS: SettingsEndpoint = {
  path: '/admin/people/photoUpdateSettings',
  versions: ['beta'],
  methods: { GET: 'peopleSettings.read', PATCH: 'peopleSettings.write' },
};

export const SETTINGS_ENDPOINTS: readonly SettingsEndpoint[] = [PHOTO_UPDATE_SETTINGS];
