// The longest values Graph's user, group and contact resources accept for the properties Portrait
// stores (the reference pages' "Maximum length"; for contacts, which Outlook does not document,
// the directory's own limits). Every writer — the API, the CLI, the user import — checks them,
// so nothing longer is stored and the caller is told which property was too long.
import { directoryBadRequest } from '../errors.js';

export type LimitedEntity = 'User' | 'Group' | 'Contact' | 'ContactFolder';

const MAX_LENGTH: Record<LimitedEntity, Readonly<Record<string, number>>> = {
  // A userPrincipalName is at most 64 characters before the @ (isUserPrincipalName) and 113 in all.
  User: { userPrincipalName: 113, displayName: 256, givenName: 64, surname: 64, jobTitle: 128, mail: 254 },
  Group: { displayName: 256, description: 1024, mailNickname: 64, visibility: 16 },
  Contact: { displayName: 256, givenName: 64, surname: 64, emailAddresses: 254 },
  ContactFolder: { displayName: 256 },
};

/** The longest value a property may have, where Graph sets one. */
export const maxLengthOf = (entity: LimitedEntity, property: string): number | undefined =>
  MAX_LENGTH[entity][property];

/** What is wrong with a property's length, in words; undefined when it fits. */
export function lengthProblem(entity: LimitedEntity, property: string, value: string): string | undefined {
  const max = MAX_LENGTH[entity][property];
  if (max === undefined || value.length <= max) return undefined;
  return `Property '${property}' of resource '${entity}' is ${value.length} characters long; it may have at most ${max}.`;
}

/** Throws Graph's 400 naming the first text value of `values` longer than its property allows. */
export function checkLengths(entity: LimitedEntity, values: object): void {
  for (const [property, value] of Object.entries(values)) {
    const problem = typeof value === 'string' ? lengthProblem(entity, property, value) : undefined;
    if (problem) throw directoryBadRequest(problem);
  }
}
