// Users (SPEC §6): GET/PATCH /me, GET/POST /users, GET/PATCH/DELETE /users/{id | upn}, and the
// groups a user has joined. Deleting a user deletes their photo and contacts.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Caller } from '../../auth/caller.js';
import { directoryBadRequest } from '../../errors.js';
import { GROUP_SHAPE, graphGroup, graphUser, USER_SHAPE } from '../../graph/directory-json.js';
import { resolveUser } from '../../services/owner-resolver.js';
import { createUser, deleteUser, type UserInput, updateUser } from '../../services/users.js';
import type { User } from '../../domain/directory.js';
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

const WRITABLE = [
  'displayName',
  'givenName',
  'surname',
  'jobTitle',
  'mail',
  'userPrincipalName',
  'accountEnabled',
  'mailNickname',
  'passwordProfile',
];

const isSelf = (caller: Caller, user: User) => caller.type === 'delegated' && caller.objectId === user.id;

/** The user a path names: `/me` (delegated only) or `/users/{id | userPrincipalName}`. */
export function pathUser(deps: ApiDeps, request: DirectoryRequest): Promise<User> {
  const key = request.params['user'];
  return resolveUser(
    deps.ports.directory,
    request.auth!.caller,
    key === undefined ? { me: true } : { me: false, key },
  );
}

/** The writable properties of a user body, as the service takes them (it checks their values). */
function userFields(body: Record<string, unknown>, required: boolean): UserInput {
  onlyProperties(body, WRITABLE, 'microsoft.graph.user');
  const fields: UserInput = {};
  for (const name of ['userPrincipalName', 'displayName'] as const) {
    const value = stringProperty(body, name, 'User', { required });
    if (value) fields[name] = value;
  }
  for (const name of ['givenName', 'surname', 'jobTitle', 'mail'] as const) {
    const value = stringProperty(body, name, 'User', { nullable: true });
    if (value !== undefined) fields[name] = value;
  }
  if (body['accountEnabled'] !== undefined) {
    if (typeof body['accountEnabled'] !== 'boolean') {
      throw directoryBadRequest(`Invalid value specified for property 'accountEnabled' of resource 'User'.`);
    }
    fields.accountEnabled = body['accountEnabled'];
  }
  const profile = body['passwordProfile'];
  if (profile !== undefined) {
    const password = (profile as { password?: unknown } | null)?.password;
    if (typeof password !== 'string') {
      throw directoryBadRequest('passwordProfile.password must be a string.');
    }
    fields.password = password;
  }
  return fields;
}

export function userRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { directory } = deps.ports;

  const getUser = async (request: DirectoryRequest, reply: FastifyReply) => {
    const user = await pathUser(deps, request);
    const { caller } = request.auth!;
    permit(request, isSelf(caller, user) ? 'users.read.self' : 'users.read');
    return sendEntity(deps, request, reply, 'users/$entity', USER_SHAPE, graphUser(user));
  };

  const patchUser = async (request: DirectoryRequest, reply: FastifyReply) => {
    const user = await pathUser(deps, request);
    const { caller } = request.auth!;
    const change = userFields(bodyObject(request), false);
    // Who may sign in, as whom and with what, is for administrators only.
    const adminOnly =
      change.password !== undefined ||
      change.userPrincipalName !== undefined ||
      change.accountEnabled !== undefined;
    permit(request, isSelf(caller, user) && !adminOnly ? 'users.write.self' : 'users.write');
    await updateUser(directory, user, change);
    return reply.code(204).send();
  };

  const joinedGroups = async (request: DirectoryRequest, reply: FastifyReply) => {
    const user = await pathUser(deps, request);
    const { caller } = request.auth!;
    permit(request, isSelf(caller, user) ? 'users.read.self' : 'groups.read');
    return sendCollection(
      deps,
      request,
      reply,
      'groups',
      GROUP_SHAPE,
      (query) => deps.ports.groups.joinedGroups(user.tenantId, user.id, query),
      graphGroup,
    );
  };

  resource(app, '/me', { GET: getUser, PATCH: patchUser });
  resource(app, '/me/joinedGroups', { GET: joinedGroups });
  resource(app, '/users/:user/joinedGroups', { GET: joinedGroups });

  const listUsers = (request: DirectoryRequest) => {
    const { caller } = request.auth!;
    permit(request, 'users.read');
    return (query: ListQuery) => directory.listUsers(caller.tenantId, query);
  };

  resource(app, '/users/$count', {
    GET: async (request, reply) => sendCount(request, reply, USER_SHAPE, listUsers(request)),
  });

  resource(app, '/users', {
    GET: async (request, reply) =>
      sendCollection(deps, request, reply, 'users', USER_SHAPE, listUsers(request), graphUser),
    POST: async (request, reply) => {
      const { caller } = request.auth!;
      permit(request, 'users.write');
      const fields = userFields(bodyObject(request), true);
      const created = await createUser(directory, caller.tenantId, {
        ...fields,
        userPrincipalName: fields.userPrincipalName!,
        displayName: fields.displayName!,
        mail: fields.mail ?? null,
      });
      return sendEntity(deps, request, reply, 'users/$entity', USER_SHAPE, graphUser(created), {
        path: `users/${created.id}`,
      });
    },
  });

  resource(app, '/users/:user', {
    GET: getUser,
    PATCH: patchUser,
    DELETE: async (request, reply) => {
      const user = await pathUser(deps, request);
      permit(request, 'users.write');
      await deleteUser(directory, user);
      return reply.code(204).send();
    },
  });
}
