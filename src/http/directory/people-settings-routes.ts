// GET/PATCH /beta/admin/people/photoUpdateSettings (SPEC §8): the tenant's photo update policy.
// When `allowedRoles` is not empty, delegated callers change user photos (their own too) only
// while holding one of those directory roles; app-only callers are not affected.
//   PATCH /beta/admin/people/photoUpdateSettings  {"allowedRoles": ["024906de-61e5-49c8-8572-40335f1e0e10"]}
import type { FastifyInstance } from 'fastify';
import { directoryBadRequest } from '../../errors.js';
import { PHOTO_UPDATE_SETTINGS } from '../../graph/settings-endpoints.js';
import type { Tenant } from '../../domain/tenant.js';
import { updateTenantSettings } from '../../services/tenants.js';
import type { ApiDeps } from '../api-deps.js';
import { permit } from '../permit.js';
import { bodyOf } from './body-schemas.js';
import { contextUrl, resource } from './resource.js';
import { sendJson } from '../graph-protocol.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SETTINGS = bodyOf('photoUpdateSettings', 'microsoft.graph.photoUpdateSettings', {
  source: {},
  allowedRoles: {},
});

/** The `allowedRoles` of a PATCH: directory role template ids. */
function allowedRoles(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'string' && GUID.test(id))) {
    throw directoryBadRequest(
      'allowedRoles must be a list of directory role template ids, e.g. ["024906de-61e5-49c8-8572-40335f1e0e10"] for People Administrator.',
    );
  }
  return [...new Set(value.map((id: string) => id.toLowerCase()))];
}

export function peopleSettingsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  if (!PHOTO_UPDATE_SETTINGS.versions.includes(deps.version)) return;
  const { GET, PATCH } = PHOTO_UPDATE_SETTINGS.methods;
  const send = (
    request: Parameters<typeof contextUrl>[1],
    reply: Parameters<typeof sendJson>[0],
    tenant: Tenant,
  ) =>
    sendJson(reply, {
      '@odata.context': contextUrl(deps, request, 'admin/people/photoUpdateSettings/$entity'),
      ...tenant.settings.photoUpdateSettings,
    });

  resource(app, PHOTO_UPDATE_SETTINGS.path, {
    GET: async (request, reply) => {
      permit(request, GET!);
      return send(request, reply, request.auth!.tenant);
    },
    PATCH: {
      body: SETTINGS,
      handler: async (request, reply) => {
        const { tenant } = request.auth!;
        permit(request, PATCH!);
        const body = request.body as Record<string, unknown>;
        if (body['source'] !== undefined && body['source'] !== 'cloud') {
          throw directoryBadRequest(
            `Invalid value '${String(body['source'])}' for property 'source': Portrait keeps photos in the cloud, so it is 'cloud'.`,
          );
        }
        const current = tenant.settings.photoUpdateSettings;
        const updated = await updateTenantSettings(deps.ports.directory, tenant, {
          photoUpdateSettings: {
            source: 'cloud',
            allowedRoles:
              body['allowedRoles'] === undefined ? current.allowedRoles : allowedRoles(body['allowedRoles']),
          },
        });
        return send(request, reply, updated);
      },
    },
  });
}
