// Groups and teams (SPEC §6): GET/POST /groups, GET/PATCH/DELETE /groups/{id}, owners and
// members listed and changed by `$ref`, PUT /groups/{id}/team, GET /teams/{id}. Deleting a group
// deletes its photo.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Caller } from '../../auth/caller.js';
import { directoryBadRequest, GraphError, resourceNotFound } from '../../errors.js';
import {
  directoryObject,
  GROUP_SHAPE,
  graphGroup,
  graphTeam,
  TEAM_SHAPE,
  USER_SHAPE,
} from '../../graph/directory-json.js';
import type { Group, GroupFields, User } from '../../domain/directory.js';
import type { ListQuery } from '../../domain/listing.js';
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

const teamExists = () => new GraphError(409, 'Conflict', 'The group already has a team.');

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
  const { directory, groups } = deps.ports;

  const findGroup = async (request: DirectoryRequest, team = false): Promise<Group> => {
    const id = request.params['id']!;
    const group = await groups.findGroup(request.auth!.caller.tenantId, id);
    if (!group || (team && !group.isTeam)) throw resourceNotFound(id);
    return group;
  };

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

  const userIds = async (caller: Caller, references: unknown, property: string): Promise<string[]> => {
    if (references === undefined) return [];
    if (!Array.isArray(references))
      throw directoryBadRequest(`'${property}' must be an array of object references.`);
    return Promise.all(
      references.map(async (reference) => {
        const id = referencedId(reference);
        const user = await directory.findUser(caller.tenantId, id);
        if (!user) throw resourceNotFound(id);
        return user.id;
      }),
    );
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
      const ownerIds = await userIds(caller, body['owners@odata.bind'], 'owners@odata.bind');
      const memberIds = await userIds(caller, body['members@odata.bind'], 'members@odata.bind');
      // A person who creates a group owns it, as in Microsoft 365.
      if (caller.type === 'delegated' && ownerIds.length === 0) ownerIds.push(caller.objectId);
      const created = await groups.createGroup({
        ...fields,
        tenantId: caller.tenantId,
        displayName: fields.displayName!,
        mail: fields.mailNickname ? `${fields.mailNickname}@${request.auth!.tenant.name}.example` : null,
        ownerIds,
        memberIds,
      });
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
      await groups.updateGroup(group.tenantId, group.id, groupFields(body, false));
      return reply.code(204).send();
    },
    DELETE: async (request, reply) => {
      const group = await findGroup(request);
      await authorizeWrite(request, group, 'groups.write');
      await groups.deleteGroup(group.tenantId, group.id);
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
        const { caller } = request.auth!;
        await authorizeWrite(request, group, 'groups.members.write');
        const [userId] = await userIds(caller, [bodyObject(request)['@odata.id']], '@odata.id');
        if (!(await groups.addGroupMember(group.id, userId!, relation))) {
          throw directoryBadRequest(
            `One or more added object references already exist for the following modified properties: '${segment}'.`,
          );
        }
        return reply.code(204).send();
      },
    });
    resource(app, `/groups/:id/${segment}/:user/$ref`, {
      DELETE: async (request, reply) => {
        const group = await findGroup(request);
        const { caller } = request.auth!;
        await authorizeWrite(request, group, 'groups.members.write');
        const user: User | undefined = await directory.findUser(caller.tenantId, request.params['user']!);
        if (!user || !(await groups.removeGroupMember(group.id, user.id, relation))) {
          throw resourceNotFound(request.params['user']!);
        }
        return reply.code(204).send();
      },
    });
  }

  resource(app, '/groups/:id/team', {
    GET: async (request, reply) => sendTeam(request, reply, await findGroup(request, true)),
    PUT: async (request, reply) => {
      const group = await findGroup(request);
      await authorizeWrite(request, group, 'groups.write');
      if (group.isTeam) throw teamExists();
      const team = await groups.updateGroup(group.tenantId, group.id, { isTeam: true });
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
