// Contacts and contact folders of a mailbox (SPEC §6), under /me and /users/{id | upn}: list and
// create in the default folder or a named one, read, update and delete. Deleting a contact or a
// folder deletes the photos in it.
import type { FastifyInstance, FastifyReply as Reply } from 'fastify';
import { itemNotFound } from '../../errors.js';
import { maxLengthOf } from '../../graph/property-limits.js';
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
import { bodyOf, text, withoutAnnotations } from './body-schemas.js';
import { type DirectoryRequest, resource, sendCollection, sendEntity } from './resource.js';
import { pathUser } from './user-routes.js';

/** A contact's writable properties; of its email addresses the first is kept. */
const CONTACT = bodyOf('Contact', 'microsoft.graph.contact', {
  displayName: text('Contact', 'displayName'),
  givenName: text('Contact', 'givenName', true),
  surname: text('Contact', 'surname', true),
  emailAddresses: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        address: { type: 'string', maxLength: maxLengthOf('Contact', 'emailAddresses') },
        name: {},
      },
      required: ['address'],
    },
  },
});
const CONTACT_FOLDER = bodyOf(
  'ContactFolder',
  'microsoft.graph.contactFolder',
  { displayName: text('ContactFolder', 'displayName'), parentFolderId: {} },
  ['displayName'],
);

type ContactBody = Partial<Omit<ContactFields, 'emailAddress'>> & { emailAddresses?: { address: string }[] };

/** A contact body's fields (its shape checked by the schema), as the service takes them. */
function contactFields(request: DirectoryRequest): Partial<ContactFields> {
  const { emailAddresses, ...fields } = withoutAnnotations(request.body as ContactBody);
  return emailAddresses === undefined
    ? fields
    : { ...fields, emailAddress: emailAddresses[0]?.address ?? null };
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

  const createIn = (folderParam: boolean) => ({
    body: CONTACT,
    handler: async (request: DirectoryRequest, reply: Reply) => {
      const user = await mailboxOf(request, 'contacts.write');
      const folderId = folderParam ? (await folderOf(request, user)).id : null;
      const created = await createContact(mailbox, user, { ...contactFields(request), folderId });
      return sendContact(request, reply, user, created, true);
    },
  });

  for (const owner of ['/me', '/users/:user']) {
    resource(app, `${owner}/contacts`, { GET: listIn(false), POST: createIn(false) });
    resource(app, `${owner}/contactFolders/:folder/contacts`, { GET: listIn(true), POST: createIn(true) });

    const oneContact = {
      GET: async (request, reply) => {
        const user = await mailboxOf(request, 'contacts.read');
        const contact = await contactOf(request, user);
        return sendContact(request, reply, user, contact);
      },
      PATCH: {
        body: CONTACT,
        handler: async (request, reply) => {
          const user = await mailboxOf(request, 'contacts.write');
          const contact = await contactOf(request, user);
          const updated = await updateContact(mailbox, user, contact, contactFields(request));
          return sendContact(request, reply, user, updated);
        },
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
      POST: {
        body: CONTACT_FOLDER,
        handler: async (request, reply) => {
          const user = await mailboxOf(request, 'contacts.write');
          const { displayName } = request.body as { displayName: string };
          const folder = await createContactFolder(mailbox, user, displayName);
          return sendFolder(request, reply, user, folder, true);
        },
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
