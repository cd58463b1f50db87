// Parses a Graph photo URL into its owner, resource and size (SPEC §2–§3). Segment names match
// case-insensitively as Graph does; a segment outside the matrix is a 400 that names it.
import { badRequest } from '../errors.js';
import { type ApiVersion, type PhotoResource, resourceExists } from './endpoint-matrix.js';
import { type PhotoSize, parseSizeSegment, STANDARD_SIZES } from '../domain/photo-sizes.js';

/** `/me` or `/users/{id | userPrincipalName}`. */
export type UserRef = { me: true } | { me: false; key: string };

export type OwnerRef =
  | { kind: 'user'; user: UserRef }
  | { kind: 'group'; groupId: string }
  | { kind: 'team'; groupId: string }
  | { kind: 'contact'; user: UserRef; folderId?: string; contactId: string }
  | { kind: 'joinedGroup'; user: UserRef; groupId: string };

export interface PhotoTarget {
  version: ApiVersion;
  owner: OwnerRef;
  resource: PhotoResource;
  size?: PhotoSize;
}

const segmentNotFound = (segment: string) => badRequest(`Resource not found for the segment '${segment}'.`);

const badSize = (segment: string) =>
  badRequest(
    `'${segment}' is not a photo size. Use one of ${STANDARD_SIZES.map((s) => `${s}x${s}`).join(', ')}, ` +
      'or a size that /photos lists for this object.',
  );

/** Splits a path into decoded segments; OData key syntax `users('id')` becomes `users`, `id`. */
export function pathSegments(path: string): string[] {
  const raw = path.split('/').filter((s, i, all) => s !== '' || (i > 0 && i < all.length - 1));
  const segments: string[] = [];
  for (const part of raw) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      throw badRequest(`The path segment '${part}' is not valid percent-encoding.`);
    }
    if (decoded === '') throw badRequest('The path has an empty segment.');
    const keyed = /^([A-Za-z]+)\('([^']*)'\)$/.exec(decoded);
    if (keyed) segments.push(keyed[1]!, keyed[2]!);
    else segments.push(decoded);
  }
  return segments;
}

class Cursor {
  private index = 0;
  constructor(private readonly segments: string[]) {}
  next(): string | undefined {
    return this.segments[this.index++];
  }
  peekLower(): string | undefined {
    return this.segments[this.index]?.toLowerCase();
  }
  /** The segment that must follow `after` (an id); its absence is a 400 naming `after`. */
  required(after: string): string {
    const value = this.next();
    if (value === undefined) throw badRequest(`The segment '${after}' must be followed by an id.`);
    return value;
  }
  done(): boolean {
    return this.index >= this.segments.length;
  }
}

/**
 * Paths parsed lately: the same photo URLs are read over and over, and parsing one (decoding,
 * key syntax, sizes) costs several microseconds where a look-up costs a tenth of one. Bounded:
 * emptied when full. Only successful parses are kept; targets are never changed by their users.
 */
const parsed = new Map<string, PhotoTarget>();
const MAX_PARSED = 10_000;

/** Parses the part of a photo URL after `/{version}`, e.g. `/users/adele@contoso.com/photos/48x48/$value`. */
export function parsePhotoPath(version: ApiVersion, path: string): PhotoTarget {
  const key = `${version}${path}`;
  let target = parsed.get(key);
  if (!target) {
    target = parseUncached(version, path);
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(key, target);
  }
  return target;
}

function parseUncached(version: ApiVersion, path: string): PhotoTarget {
  const cursor = new Cursor(pathSegments(path));
  const owner = parseOwner(cursor);
  const { resource, size, head } = parseResource(cursor);
  const extra = cursor.next();
  if (extra !== undefined) throw segmentNotFound(extra);
  if (!resourceExists(resource, owner.kind)) throw segmentNotFound(head);
  return size ? { version, owner, resource, size } : { version, owner, resource };
}

function parseOwner(cursor: Cursor): OwnerRef {
  const first = cursor.next();
  if (first === undefined) throw badRequest('The request URL has no resource path after the version.');
  switch (first.toLowerCase()) {
    case 'me':
      return parseUserChild(cursor, { me: true });
    case 'users':
      return parseUserChild(cursor, { me: false, key: cursor.required(first) });
    case 'groups':
      return { kind: 'group', groupId: cursor.required(first) };
    // `/team/{id}` is how one reference page writes it; Graph's own path is `/teams/{id}`.
    case 'teams':
    case 'team':
      return { kind: 'team', groupId: cursor.required(first) };
    default:
      throw segmentNotFound(first);
  }
}

function parseUserChild(cursor: Cursor, user: UserRef): OwnerRef {
  switch (cursor.peekLower()) {
    case 'contacts': {
      const name = cursor.next()!;
      return { kind: 'contact', user, contactId: cursor.required(name) };
    }
    case 'contactfolders': {
      const name = cursor.next()!;
      const folderId = cursor.required(name);
      const contacts = cursor.next();
      if (contacts === undefined)
        throw badRequest(`The segment '${folderId}' must be followed by 'contacts'.`);
      if (contacts.toLowerCase() !== 'contacts') throw segmentNotFound(contacts);
      return { kind: 'contact', user, folderId, contactId: cursor.required(contacts) };
    }
    case 'joinedgroups': {
      const name = cursor.next()!;
      return { kind: 'joinedGroup', user, groupId: cursor.required(name) };
    }
    default:
      return { kind: 'user', user };
  }
}

function parseResource(cursor: Cursor): { resource: PhotoResource; size?: PhotoSize; head: string } {
  const head = cursor.next();
  if (head === undefined) {
    throw badRequest(
      'This path is not a photo endpoint; photo paths end in /photo, /photo/$value or /photos.',
    );
  }
  const name = head.toLowerCase();
  if (name !== 'photo' && name !== 'photos') throw segmentNotFound(head);
  const second = cursor.next();
  if (second === undefined) return { resource: name, head };
  if (second.toLowerCase() === '$value') {
    if (name === 'photos') throw segmentNotFound(second);
    return { resource: 'photo/$value', head };
  }
  // `photo/{size}` is accepted for `photos/{size}`: a reference example writes it that way.
  const size = parseSizeSegment(second);
  if (!size) throw name === 'photos' || /^\d/.test(second) ? badSize(second) : segmentNotFound(second);
  const third = cursor.next();
  if (third === undefined) return { resource: 'photos/{size}', size, head };
  if (third.toLowerCase() !== '$value') throw segmentNotFound(third);
  return { resource: 'photos/{size}/$value', size, head };
}
