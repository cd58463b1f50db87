// Contacts and contact folders of a mailbox (SPEC §6), under /me and /users/{id | upn}: list and
// create in the default folder or a named one, read, update and delete. Deleting a contact or a
// folder deletes the photos in it.
import type { FastifyInstance, FastifyReply as Reply } from 'fastify';
import { directoryBadRequest, itemNotFound } from '../../errors.js';
import {
  CONTACT_FOLDER_SHAPE,
  CONTACT_SHAPE,
  graphContact,
  graphContactFolder,
} from '../../graph/directory-json.js';
import type { Contact, ContactFields, ContactFolder, User } from '../../domain/directory.js';
import {
  createContact,
  createContactFolder,
  deleteContact,
  deleteContactFolder,
  updateContact,
} from '../../services/contacts.js';
import type { ApiDeps } from '../api-deps.js';
import { permit } from '../permit.js';
import {
  bodyObject,
  type DirectoryRequest,
  onlyProperties,
  resource,
  sendCollection,
  sendEntity,
  stringProperty,
} from './resource.js';
import { pathUser } from './user-routes.js';

const WRITABLE = ['displayName', 'givenName', 'surname', 'emailAddresses'];

function contactFields(body: Record<string, unknown>): Partial<ContactFields> {
  onlyProperties(body, WRITABLE, 'microsoft.graph.contact');
  const fields: Partial<ContactFields> = {};
  for (const name of ['displayName', 'givenName', 'surname'] as const) {
    const value = stringProperty(body, name, 'Contact', { nullable: name !== 'displayName' });
    if (value !== undefined) fields[name] = value as string;
  }
  const addresses = body['emailAddresses'];
  if (addresses !== undefined) {
    const first = Array.isArray(addresses) ? (addresses[0] as { address?: unknown } | undefined) : null;
    if (!Array.isArray(addresses) || (first !== undefined && typeof first?.address !== 'string')) {
      throw directoryBadRequest('emailAddresses must be a list of {"address": "…"} objects.');
    }
    fields.emailAddress = (first?.address as string | undefined) ?? null;
  }
  return fields;
}

export function contactRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { mailbox } = deps.ports;

  /** The mailbox owner, with the caller checked for the action on it. */
  const mailboxOf = async (
    request: DirectoryRequest,
    action: 'contacts.read' | 'contacts.write',
  ): Promise<User> => {
    const user = await pathUser(deps, request);
    const { caller } = request.auth!;
    permit(request, action, { ownMailbox: caller.type === 'delegated' && caller.objectId === user.id });
    return user;
  };

  const folderOf = async (request: DirectoryRequest, user: User) => {
    const folder = await mailbox.findContactFolder(user.tenantId, user.id, request.params['folder']!);
    if (!folder) throw itemNotFound();
    return folder;
  };

  /** The contact a path names; under `contactFolders/{id}/`, it must be in that folder. */
  const contactOf = async (request: DirectoryRequest, user: User) => {
    const contact = await mailbox.findContact(user.tenantId, user.id, request.params['contact']!);
    if (!contact) throw itemNotFound();
    if (
      request.params['folder'] !== undefined &&
      contact.parentFolderId !== (await folderOf(request, user)).id
    ) {
      throw itemNotFound();
    }
    return contact;
  };

  const context = (user: User, path: string) => `users('${user.id}')/${path}`;

  const sendContact = (
    request: DirectoryRequest,
    reply: Reply,
    user: User,
    contact: Contact,
    created = false,
  ) => {
    const folder = contact.parentFolderId ? `contactFolders/${contact.parentFolderId}/` : '';
    return sendEntity(
      deps,
      request,
      reply,
      `${context(user, 'contacts')}/$entity`,
      CONTACT_SHAPE,
      graphContact(contact),
      created ? { path: `users/${user.id}/${folder}contacts/${contact.id}` } : undefined,
    );
  };
  const sendFolder = (
    request: DirectoryRequest,
    reply: Reply,
    user: User,
    folder: ContactFolder,
    created = false,
  ) =>
    sendEntity(
      deps,
      request,
      reply,
      `${context(user, 'contactFolders')}/$entity`,
      CONTACT_FOLDER_SHAPE,
      graphContactFolder(folder),
      created ? { path: `users/${user.id}/contactFolders/${folder.id}` } : undefined,
    );

  const listIn = (folderParam: boolean) => async (request: DirectoryRequest, reply: Reply) => {
    const user = await mailboxOf(request, 'contacts.read');
    const folderId = folderParam ? (await folderOf(request, user)).id : null;
    return sendCollection(
      deps,
      request,
      reply,
      context(user, 'contacts'),
      CONTACT_SHAPE,
      (query) => mailbox.listContacts(user.tenantId, user.id, folderId, query),
      graphContact,
    );
  };

  const createIn = (folderParam: boolean) => async (request: DirectoryRequest, reply: Reply) => {
    const user = await mailboxOf(request, 'contacts.write');
    const folderId = folderParam ? (await folderOf(request, user)).id : null;
    const created = await createContact(mailbox, user, { ...contactFields(bodyObject(request)), folderId });
    return sendContact(request, reply, user, created, true);
  };

  for (const owner of ['/me', '/users/:user']) {
    resource(app, `${owner}/contacts`, { GET: listIn(false), POST: createIn(false) });
    resource(app, `${owner}/contactFolders/:folder/contacts`, { GET: listIn(true), POST: createIn(true) });

    const oneContact = {
      GET: async (request, reply) => {
        const user = await mailboxOf(request, 'contacts.read');
        const contact = await contactOf(request, user);
        return sendContact(request, reply, user, contact);
      },
      PATCH: async (request, reply) => {
        const user = await mailboxOf(request, 'contacts.write');
        const contact = await contactOf(request, user);
        const updated = await updateContact(mailbox, user, contact, contactFields(bodyObject(request)));
        return sendContact(request, reply, user, updated);
      },
      DELETE: async (request, reply) => {
        const user = await mailboxOf(request, 'contacts.write');
        const contact = await contactOf(request, user);
        await deleteContact(mailbox, user, contact);
        return reply.code(204).send();
      },
    } satisfies Parameters<typeof resource>[2];
    resource(app, `${owner}/contacts/:contact`, oneContact);
    resource(app, `${owner}/contactFolders/:folder/contacts/:contact`, oneContact);

    resource(app, `${owner}/contactFolders`, {
      GET: async (request, reply) => {
        const user = await mailboxOf(request, 'contacts.read');
        const folders = await mailbox.listContactFolders(user.tenantId, user.id);
        return sendCollection(
          deps,
          request,
          reply,
          context(user, 'contactFolders'),
          CONTACT_FOLDER_SHAPE,
          async () => ({ items: folders }),
          graphContactFolder,
        );
      },
      POST: async (request, reply) => {
        const user = await mailboxOf(request, 'contacts.write');
        const body = bodyObject(request);
        onlyProperties(body, ['displayName', 'parentFolderId'], 'microsoft.graph.contactFolder');
        const displayName = stringProperty(body, 'displayName', 'ContactFolder', { required: true })!;
        const folder = await createContactFolder(mailbox, user, displayName);
        return sendFolder(request, reply, user, folder, true);
      },
    });

    resource(app, `${owner}/contactFolders/:folder`, {
      GET: async (request, reply) => {
        const user = await mailboxOf(request, 'contacts.read');
        const folder = await folderOf(request, user);
        return sendFolder(request, reply, user, folder);
      },
      DELETE: async (request, reply) => {
        const user = await mailboxOf(request, 'contacts.write');
        const folder = await folderOf(request, user);
        await deleteContactFolder(mailbox, user, folder);
        return reply.code(204).send();
      },
    });
  }
}
