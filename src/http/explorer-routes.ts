// The permissions explorer's data as JSON (SPEC §8): public, no token, the same objects the
// explorer pages render and export.
//   curl --cacert data/tls/ca.pem https://localhost:8443/explorer/api/permissions/ProfilePhoto.ReadWrite.All
import type { FastifyInstance } from 'fastify';
import { GraphError } from '../errors.js';
import { explorerPermission, explorerPermissionNames } from '../services/permission-explorer.js';
import { sendJson } from './graph-protocol.js';

const unknownPermission = (name: string) =>
  new GraphError(
    404,
    'Request_ResourceNotFound',
    `Portrait knows no permission named '${name}'; GET /explorer/api/permissions lists those it knows.`,
  );

export async function explorerRoutes(app: FastifyInstance): Promise<void> {
  app.get('/explorer/api/permissions', async (_request, reply) => sendJson(reply, explorerPermissionNames()));

  app.get<{ Params: { name: string } }>('/explorer/api/permissions/:name', async (request, reply) => {
    const permission = explorerPermission(request.params.name);
    if (!permission) throw unknownPermission(request.params.name);
    return sendJson(reply, permission);
  });
}
