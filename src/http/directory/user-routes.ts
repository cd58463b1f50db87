// Users (SPEC §6): GET/PATCH /me, GET/POST /users, GET/PATCH/DELETE /users/{id | upn}, and the
// groups a user has joined. Deleting a user deletes their photo and contacts.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Caller } from '../../auth/caller.js';
import { GROUP_SHAPE, graphGroup, graphUser, USER_SHAPE } from '../../graph/directory-json.js';
import { resolveUser } from '../../services/owner-resolver.js';
import { createUser, deleteUser, type UserInput, updateUser } from '../../services/users.js';
import type { User } from '../../domain/directory.js';
import type { ListQuery } from '../../domain/listing.js';
import type { ApiDeps } from '../api-deps.js';
import { permit } from '../permit.js';
import { bodyOf, flag, text, withoutAnnotations } from './body-schemas.js';
import { type DirectoryRequest, resource, sendCollection, sendCount, sendEntity } from './resource.js';

/** A user's writable properties (SPEC §6); `mailNickname` is accepted and not kept, as Graph's mailbox-less users. */
const USER_PROPERTIES = {
  userPrincipalName: text('User', 'userPrincipalName'),
  displayName: text('User', 'displayName'),
  givenName: text('User', 'givenName', true),
  surname: text('User', 'surname', true),
  jobTitle: text('User', 'jobTitle', true),
  mail: text('User', 'mail', true),
  mailNickname: text('User', 'mailNickname', true),
  accountEnabled: flag,
  passwordProfile: { type: 'object', properties: { password: { type: 'string' } }, required: ['password'] },
};
const CREATE_USER = bodyOf('User', 'microsoft.graph.user', USER_PROPERTIES, [
  'userPrincipalName',
  'displayName',
]);
const UPDATE_USER = bodyOf('User', 'microsoft.graph.user', USER_PROPERTIES);

interface UserBody extends Omit<UserInput, 'password'> {
  passwordProfile?: { password: string };
  mailNickname?: string | null;
}

/** The writable properties of a user body (its shape checked by the schema), as the service takes them. */
function userFields(request: DirectoryRequest): UserInput {
  const { passwordProfile, mailNickname: _notKept, ...fields } = withoutAnnotations(request.body as UserBody);
  return passwordProfile ? { ...fields, password: passwordProfile.password } : fields;
}

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
    const change = userFields(request);
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

  const patch = { body: UPDATE_USER, handler: patchUser };
  resource(app, '/me', { GET: getUser, PATCH: patch });
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
    POST: {
      body: CREATE_USER,
      handler: async (request, reply) => {
        const { caller } = request.auth!;
        permit(request, 'users.write');
        const fields = userFields(request);
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
    },
  });

  resource(app, '/users/:user', {
    GET: getUser,
    PATCH: patch,
    DELETE: async (request, reply) => {
      const user = await pathUser(deps, request);
      permit(request, 'users.write');
      await deleteUser(directory, user);
      return reply.code(204).send();
    },
  });
}
