// Groups and teams (SPEC §6): GET/POST /groups, GET/PATCH/DELETE /groups/{id}, owners and
// members listed and changed by `$ref`, PUT /groups/{id}/team, GET /teams/{id}. Deleting a group
// deletes its photo.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { directoryBadRequest } from '../../errors.js';
import {
  directoryObject,
  GROUP_SHAPE,
  graphGroup,
  graphTeam,
  TEAM_SHAPE,
  USER_SHAPE,
} from '../../graph/directory-json.js';
import type { Group, GroupFields } from '../../domain/directory.js';
import type { ListQuery } from '../../domain/listing.js';
import {
  addGroupMember,
  createGroup,
  deleteGroup,
  makeTeam,
  removeGroupMember,
  requireGroup,
  updateGroup,
} from '../../services/groups.js';
import type { ApiDeps } from '../api-deps.js';
import { permit } from '../permit.js';
import {
  bodyObject,
  type DirectoryRequest,
  onlyProperties,
  resource,
  sendCollection,
  sendCount,
  sendEntity,
  stringProperty,
} from './resource.js';

const RELATIONS = { owners: 'owner', members: 'member' } as const;
const WRITABLE = [
  'displayName',
  'description',
  'mailNickname',
  'mailEnabled',
  'securityEnabled',
  'groupTypes',
  'visibility',
  'owners@odata.bind',
  'members@odata.bind',
];

/** `https://graph.microsoft.com/v1.0/users/{id}` or `…/directoryObjects/{id}` → the id. */
function referencedId(value: unknown): string {
  const invalid = () =>
    directoryBadRequest(
      `Invalid object reference '${String(value)}'; use https://graph.microsoft.com/v1.0/users/{id}.`,
    );
  const match =
    typeof value === 'string' ? /\/(?:users|directoryObjects)(?:\/|\(')([^/'()]+)'?\)?$/i.exec(value) : null;
  if (!match) throw invalid();
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    throw invalid();
  }
}

function groupFields(body: Record<string, unknown>, required: boolean): Partial<GroupFields> {
  onlyProperties(body, WRITABLE, 'microsoft.graph.group');
  const fields: Partial<GroupFields> = {};
  const displayName = stringProperty(body, 'displayName', 'Group', { required });
  if (displayName) fields.displayName = displayName;
  for (const name of ['description', 'mailNickname', 'visibility'] as const) {
    const value = stringProperty(body, name, 'Group', { nullable: true });
    if (value !== undefined) fields[name] = value;
  }
  for (const name of ['mailEnabled', 'securityEnabled'] as const) {
    const value = body[name];
    if (value === undefined) continue;
    if (typeof value !== 'boolean')
      throw directoryBadRequest(`Invalid value specified for property '${name}' of resource 'Group'.`);
    fields[name] = value;
  }
  if (body['groupTypes'] !== undefined) {
    const types = body['groupTypes'];
    if (!Array.isArray(types) || !types.every((t) => typeof t === 'string')) {
      throw directoryBadRequest(`Invalid value specified for property 'groupTypes' of resource 'Group'.`);
    }
    fields.groupTypes = types;
  }
  return fields;
}

export function groupRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { groups } = deps.ports;

  const findGroup = (request: DirectoryRequest, team = false): Promise<Group> =>
    requireGroup(deps.ports, request.auth!.caller.tenantId, request.params['id']!, team);

  /** The write actions: delegated callers must own the group or hold a groups admin role. */
  const authorizeWrite = async (
    request: DirectoryRequest,
    group: Group,
    action: 'groups.write' | 'groups.members.write',
  ) => {
    const { caller } = request.auth!;
    const ownsObject =
      caller.type === 'delegated' && (await groups.groupRelation(group.id, caller.objectId)).owner;
    permit(request, action, { ownsObject });
  };

  /** The users a body's `…@odata.bind` references name, by id (the service resolves them). */
  const referencedUsers = (references: unknown, property: string): string[] => {
    if (references === undefined) return [];
    if (!Array.isArray(references))
      throw directoryBadRequest(`'${property}' must be an array of object references.`);
    return references.map(referencedId);
  };

  const listGroups = (request: DirectoryRequest) => {
    const { caller } = request.auth!;
    permit(request, 'groups.read');
    return (query: ListQuery) => groups.listGroups(caller.tenantId, query);
  };

  resource(app, '/groups/$count', {
    GET: async (request, reply) => sendCount(request, reply, GROUP_SHAPE, listGroups(request)),
  });

  resource(app, '/groups', {
    GET: async (request, reply) =>
      sendCollection(deps, request, reply, 'groups', GROUP_SHAPE, listGroups(request), graphGroup),
    POST: async (request, reply) => {
      const { caller } = request.auth!;
      permit(request, 'groups.create');
      const body = bodyObject(request);
      const fields = groupFields(body, true);
      const { group: created } = await createGroup(
        deps.ports,
        request.auth!.tenant,
        {
          ...fields,
          displayName: fields.displayName!,
          owners: referencedUsers(body['owners@odata.bind'], 'owners@odata.bind'),
          members: referencedUsers(body['members@odata.bind'], 'members@odata.bind'),
        },
        caller.type === 'delegated' ? caller.objectId : undefined,
      );
      return sendEntity(deps, request, reply, 'groups/$entity', GROUP_SHAPE, graphGroup(created), {
        path: `groups/${created.id}`,
      });
    },
  });

  resource(app, '/groups/:id', {
    GET: async (request, reply) => {
      const group = await findGroup(request);
      permit(request, 'groups.read');
      return sendEntity(deps, request, reply, 'groups/$entity', GROUP_SHAPE, graphGroup(group));
    },
    PATCH: async (request, reply) => {
      const group = await findGroup(request);
      await authorizeWrite(request, group, 'groups.write');
      const body = bodyObject(request);
      if (body['owners@odata.bind'] !== undefined || body['members@odata.bind'] !== undefined) {
        throw directoryBadRequest(
          'Change owners and members with POST/DELETE on owners/$ref and members/$ref.',
        );
      }
      await updateGroup(deps.ports, group, groupFields(body, false));
      return reply.code(204).send();
    },
    DELETE: async (request, reply) => {
      const group = await findGroup(request);
      await authorizeWrite(request, group, 'groups.write');
      await deleteGroup(deps.ports, group);
      return reply.code(204).send();
    },
  });

  for (const [segment, relation] of Object.entries(RELATIONS)) {
    resource(app, `/groups/:id/${segment}`, {
      GET: async (request, reply) => {
        const group = await findGroup(request);
        permit(request, 'groups.read');
        return sendCollection(
          deps,
          request,
          reply,
          'directoryObjects',
          USER_SHAPE,
          (query) => groups.groupMembers(group.id, relation, query),
          directoryObject,
        );
      },
    });
    resource(app, `/groups/:id/${segment}/$ref`, {
      POST: async (request, reply) => {
        const group = await findGroup(request);
        await authorizeWrite(request, group, 'groups.members.write');
        const [userId] = referencedUsers([bodyObject(request)['@odata.id']], '@odata.id');
        await addGroupMember(deps.ports, group, userId!, relation);
        return reply.code(204).send();
      },
    });
    resource(app, `/groups/:id/${segment}/:user/$ref`, {
      DELETE: async (request, reply) => {
        const group = await findGroup(request);
        await authorizeWrite(request, group, 'groups.members.write');
        await removeGroupMember(deps.ports, group, request.params['user']!, relation);
        return reply.code(204).send();
      },
    });
  }

  resource(app, '/groups/:id/team', {
    GET: async (request, reply) => sendTeam(request, reply, await findGroup(request, true)),
    PUT: async (request, reply) => {
      const group = await findGroup(request);
      await authorizeWrite(request, group, 'groups.write');
      const team = await makeTeam(deps.ports, group);
      return sendEntity(deps, request, reply, 'teams/$entity', TEAM_SHAPE, graphTeam(team), {
        path: `teams/${team.id}`,
      });
    },
  });

  const sendTeam = (request: DirectoryRequest, reply: FastifyReply, team: Group) => {
    permit(request, 'teams.read');
    return sendEntity(deps, request, reply, 'teams/$entity', TEAM_SHAPE, graphTeam(team));
  };
  resource(app, '/teams/:id', {
    GET: async (request, reply) => sendTeam(request, reply, await findGroup(request, true)),
  });
}
