// Contacts and contact folders of a mailbox (SPEC §6): the one place they are created, changed and
// deleted. The API routes, the CLI and the demo tenant call these; each change is one store
// transaction (a contact with the folder it names; a delete with its photos), refused with SPEC
// §9's Graph errors.
import type { Contact, ContactFields, ContactFolder, User } from '../domain/directory.js';
import { directoryBadRequest, folderExists, itemNotFound } from '../errors.js';
import { checkLengths } from '../graph/property-limits.js';
import type { MailboxStore } from '../store/mailbox-store.js';
import { DuplicateError } from '../store/store-errors.js';

/** What a caller gives to create a contact: its fields, and where it goes. */
export interface ContactInput extends Partial<ContactFields> {
  /** A fixed id; a new one when absent. */
  id?: string;
  /** The folder by id (null or absent: the default Contacts folder)... */
  folderId?: string | null;
  /** ...or by name, created when the mailbox has none of that name... */
  folderName?: string;
  /** ...with this id (fixtures); a new one when absent. */
  newFolderId?: string;
}

/** Throws Graph's 400 naming the first property of `fields` that is too long. */
export function checkContactInput(fields: Partial<ContactFields> & { folderName?: string }): void {
  const { emailAddress, folderName, ...names } = fields;
  checkLengths('Contact', { ...names, emailAddresses: emailAddress });
  if (folderName !== undefined) checkFolderName(folderName);
}

function checkFolderName(displayName: string): void {
  if (displayName.trim() === '') {
    throw directoryBadRequest(
      `Invalid value specified for property 'displayName' of resource 'ContactFolder'.`,
    );
  }
  checkLengths('ContactFolder', { displayName });
}

/**
 * Creates a contact in the owner's mailbox. Outlook makes the display name from the name parts, or
 * the address, when none is given; a contact with none of them is refused.
 */
export async function createContact(
  mailbox: MailboxStore,
  owner: User,
  input: ContactInput,
): Promise<Contact> {
  checkContactInput(input);
  const displayName =
    input.displayName ??
    ([input.givenName, input.surname].filter(Boolean).join(' ') || input.emailAddress || '');
  if (!displayName) {
    throw directoryBadRequest('A contact needs a displayName, a givenName or surname, or an email address.');
  }
  return mailbox.createContact({ ...input, tenantId: owner.tenantId, userId: owner.id, displayName });
}

export async function updateContact(
  mailbox: MailboxStore,
  owner: User,
  contact: Contact,
  change: Partial<ContactFields>,
): Promise<Contact> {
  checkContactInput(change);
  return mailbox.updateContact(owner.tenantId, owner.id, contact.id, change);
}

/** Deletes a contact with its photo. */
export async function deleteContact(mailbox: MailboxStore, owner: User, contact: Contact): Promise<void> {
  if (!(await mailbox.deleteContact(owner.tenantId, owner.id, contact.id))) throw itemNotFound();
}

/** Creates a contact folder; Graph's 409 when the mailbox has one of that name (any case). */
export async function createContactFolder(
  mailbox: MailboxStore,
  owner: User,
  displayName: string,
): Promise<ContactFolder> {
  checkFolderName(displayName);
  try {
    return await mailbox.createContactFolder(owner.tenantId, owner.id, displayName);
  } catch (error) {
    throw error instanceof DuplicateError ? folderExists() : error;
  }
}

/** Deletes a contact folder with the contacts in it and their photos. */
export async function deleteContactFolder(mailbox: MailboxStore, owner: User, folder: ContactFolder) {
  if (!(await mailbox.deleteContactFolder(owner.tenantId, owner.id, folder.id))) throw itemNotFound();
}
