// The mailbox port: a user's contact folders and contacts.
import type { Contact, ContactFields, ContactFolder, NewContact } from '../domain/directory.js';
import type { ListQuery, Page } from '../domain/listing.js';

export interface MailboxStore {
  /** The user's contact folder of that name (any case), created when missing. */
  ensureContactFolder(tenantId: string, userId: string, displayName: string): Promise<ContactFolder>;
  /** Throws DuplicateError when the user has a folder of that name. */
  createContactFolder(tenantId: string, userId: string, displayName: string): Promise<ContactFolder>;
  findContactFolder(tenantId: string, userId: string, folderId: string): Promise<ContactFolder | undefined>;
  listContactFolders(tenantId: string, userId: string): Promise<ContactFolder[]>;
  /** Deletes the folder with its contacts and their photos. */
  deleteContactFolder(tenantId: string, userId: string, folderId: string): Promise<boolean>;
  /** Creates the contact, and its folder when named and missing, in one transaction. */
  createContact(input: NewContact): Promise<Contact>;
  /** A contact of that user's mailbox, in any folder. */
  findContact(tenantId: string, userId: string, contactId: string): Promise<Contact | undefined>;
  /** Contacts of one folder; `null` is the default Contacts folder. */
  listContacts(
    tenantId: string,
    userId: string,
    folderId: string | null,
    query: ListQuery,
  ): Promise<Page<Contact>>;
  updateContact(
    tenantId: string,
    userId: string,
    contactId: string,
    change: Partial<ContactFields>,
  ): Promise<Contact>;
  /** Deletes the contact with its photo. */
  deleteContact(tenantId: string, userId: string, contactId: string): Promise<boolean>;
}
