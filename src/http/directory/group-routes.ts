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
import { bodyOf, flag, strings, text, withoutAnnotations } from './body-schemas.js';
import { type DirectoryRequest, resource, sendCollection, sendCount, sendEntity } from './resource.js';

const RELATIONS = { owners: 'owner', members: 'member' } as const;

/** A group's writable properties (SPEC §6), and its owners and members bound by reference. */
const GROUP_PROPERTIES = {
  displayName: text('Group', 'displayName'),
  description: text('Group', 'description', true),
  mailNickname: text('Group', 'mailNickname', true),
  visibility: text('Group', 'visibility', true),
  mailEnabled: flag,
  securityEnabled: flag,
  groupTypes: strings,
  'owners@odata.bind': strings,
  'members@odata.bind': strings,
};
const CREATE_GROUP = bodyOf('Group', 'microsoft.graph.group', GROUP_PROPERTIES, ['displayName']);
const UPDATE_GROUP = bodyOf('Group', 'microsoft.graph.group', GROUP_PROPERTIES);
/** `POST …/owners/$ref`: `{"@odata.id": "https://graph.microsoft.com/v1.0/users/{id}"}`. */
const REFERENCE = bodyOf('Group', 'microsoft.graph.directoryObject', {}, ['@odata.id']);

type GroupBody = Partial<GroupFields> & { 'owners@odata.bind'?: string[]; 'members@odata.bind'?: string[] };

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

/** The group's own fields in a body (its shape checked by the schema). */
function groupFields(body: GroupBody): Partial<GroupFields> {
  const { 'owners@odata.bind': _owners, 'members@odata.bind': _members, ...fields } = body;
  return withoutAnnotations(fields);
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
  const referencedUsers = (references: string[] | undefined): string[] =>
    (references ?? []).map(referencedId);

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
    POST: {
      body: CREATE_GROUP,
      handler: async (request, reply) => {
        const { caller } = request.auth!;
        permit(request, 'groups.create');
        const body = request.body as GroupBody;
        const { group: created } = await createGroup(
          deps.ports,
          request.auth!.tenant,
          {
            ...groupFields(body),
            displayName: body.displayName!,
            owners: referencedUsers(body['owners@odata.bind']),
            members: referencedUsers(body['members@odata.bind']),
          },
          caller.type === 'delegated' ? caller.objectId : undefined,
        );
        return sendEntity(deps, request, reply, 'groups/$entity', GROUP_SHAPE, graphGroup(created), {
          path: `groups/${created.id}`,
        });
      },
    },
  });

  resource(app, '/groups/:id', {
    GET: async (request, reply) => {
      const group = await findGroup(request);
      permit(request, 'groups.read');
      return sendEntity(deps, request, reply, 'groups/$entity', GROUP_SHAPE, graphGroup(group));
    },
    PATCH: {
      body: UPDATE_GROUP,
      handler: async (request, reply) => {
        const group = await findGroup(request);
        await authorizeWrite(request, group, 'groups.write');
        const body = request.body as GroupBody;
        if (body['owners@odata.bind'] !== undefined || body['members@odata.bind'] !== undefined) {
          throw directoryBadRequest(
            'Change owners and members with POST/DELETE on owners/$ref and members/$ref.',
          );
        }
        await updateGroup(deps.ports, group, groupFields(body));
        return reply.code(204).send();
      },
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
      POST: {
        body: REFERENCE,
        handler: async (request, reply) => {
          const group = await findGroup(request);
          await authorizeWrite(request, group, 'groups.members.write');
          const reference = (request.body as Record<string, unknown>)['@odata.id'];
          await addGroupMember(deps.ports, group, referencedId(reference), relation);
          return reply.code(204).send();
        },
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
