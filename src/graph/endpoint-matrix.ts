// The photo endpoint matrix of SPEC §3 as data. The router dispatches from it, 405 answers list
// its methods, the permissions explorer and the tests iterate it; nothing restates it by hand.

import type { OwnerKind } from '../domain/owner-kind.js';

export type ApiVersion = 'v1.0' | 'beta';
export const API_VERSIONS: readonly ApiVersion[] = ['v1.0', 'beta'];

export type PhotoResource = 'photo' | 'photo/$value' | 'photos' | 'photos/{size}' | 'photos/{size}/$value';

export type PhotoMethod = 'GET' | 'PUT' | 'PATCH' | 'DELETE';

/** What a matched endpoint does; the photo routes have one handler per operation. */
export type PhotoOperation = 'metadata' | 'value' | 'list' | 'replace' | 'delete';

export interface EndpointRule {
  resource: PhotoResource;
  method: PhotoMethod;
  operation: PhotoOperation;
  /** The owners that have this endpoint, and in which API versions. */
  owners: Partial<Record<OwnerKind, readonly ApiVersion[]>>;
}

const BOTH = API_VERSIONS;
const V1_ONLY: readonly ApiVersion[] = ['v1.0'];

export const PHOTO_ENDPOINTS: readonly EndpointRule[] = [
  {
    resource: 'photo',
    method: 'GET',
    operation: 'metadata',
    owners: { user: BOTH, group: BOTH, team: BOTH, contact: BOTH },
  },
  {
    resource: 'photo/$value',
    method: 'GET',
    operation: 'value',
    owners: { user: BOTH, group: BOTH, team: BOTH, contact: BOTH },
  },
  {
    resource: 'photos',
    method: 'GET',
    operation: 'list',
    owners: { user: BOTH, group: BOTH, joinedGroup: BOTH },
  },
  { resource: 'photos/{size}', method: 'GET', operation: 'metadata', owners: { user: BOTH, group: BOTH } },
  {
    resource: 'photos/{size}/$value',
    method: 'GET',
    operation: 'value',
    owners: { user: BOTH, group: BOTH },
  },
  {
    resource: 'photo/$value',
    method: 'PUT',
    operation: 'replace',
    owners: { user: BOTH, group: BOTH, team: BOTH, contact: BOTH },
  },
  // Beta dropped PATCH for user and group photos; contacts keep it in both versions.
  {
    resource: 'photo/$value',
    method: 'PATCH',
    operation: 'replace',
    owners: { user: V1_ONLY, group: V1_ONLY, contact: BOTH },
  },
  { resource: 'photo/$value', method: 'DELETE', operation: 'delete', owners: { user: BOTH, group: BOTH } },
];

/** The documented URL forms of each owner, as Graph's reference pages write them. */
export const OWNER_PATHS: Record<OwnerKind, readonly string[]> = {
  user: ['/me', '/users/{id | userPrincipalName}'],
  group: ['/groups/{id}'],
  team: ['/teams/{id}'],
  contact: [
    '/me/contacts/{id}',
    '/users/{id | userPrincipalName}/contacts/{id}',
    '/me/contactfolders/{contactFolderId}/contacts/{id}',
    '/users/{id | userPrincipalName}/contactfolders/{contactFolderId}/contacts/{id}',
  ],
  joinedGroup: ['/users/{id | userPrincipalName}/joinedGroups/{id}'],
};

/** Graph answers a successful team photo PUT with 204; every other write with 200 (SPEC §3). */
export const successStatus = (rule: EndpointRule, owner: OwnerKind): number =>
  rule.operation === 'replace' && owner === 'team' ? 204 : 200;

/** The rule for a method on a resource of an owner in a version, if the matrix has that cell. */
export function findRule(
  resource: PhotoResource,
  owner: OwnerKind,
  version: ApiVersion,
  method: PhotoMethod,
): EndpointRule | undefined {
  return PHOTO_ENDPOINTS.find(
    (rule) => rule.resource === resource && rule.method === method && rule.owners[owner]?.includes(version),
  );
}

/** The methods a resource of an owner answers in a version (HEAD wherever GET), for `Allow`. */
export function allowedMethods(resource: PhotoResource, owner: OwnerKind, version: ApiVersion): string[] {
  const methods = PHOTO_ENDPOINTS.filter(
    (rule) => rule.resource === resource && rule.owners[owner]?.includes(version),
  ).map((rule) => rule.method as string);
  if (methods.includes('GET')) methods.splice(methods.indexOf('GET') + 1, 0, 'HEAD');
  return methods;
}

/** Whether the matrix has any cell for this resource under this owner (else the path is outside it). */
export const resourceExists = (resource: PhotoResource, owner: OwnerKind): boolean =>
  PHOTO_ENDPOINTS.some((rule) => rule.resource === resource && rule.owners[owner] !== undefined);

/** One documented method line, e.g. `PUT /teams/{id}/photo/$value`, with the cell it comes from. */
export interface EndpointLine {
  line: string;
  rule: EndpointRule;
  owner: OwnerKind;
  /** The owner's URL form, e.g. `/me` or `/users/{id | userPrincipalName}`. */
  ownerPath: string;
}

/**
 * Every documented method line of a version, in the order of the reference pages: GET, PATCH,
 * PUT, DELETE, then by path. The explorer, its docs and the tests read these.
 */
export function endpointLines(version: ApiVersion): EndpointLine[] {
  const order: PhotoMethod[] = ['GET', 'PATCH', 'PUT', 'DELETE'];
  return order.flatMap((method) => {
    const lines: EndpointLine[] = [];
    for (const rule of PHOTO_ENDPOINTS.filter((r) => r.method === method)) {
      for (const [owner, versions] of Object.entries(rule.owners) as [OwnerKind, readonly ApiVersion[]][]) {
        if (!versions.includes(version)) continue;
        for (const ownerPath of OWNER_PATHS[owner]) {
          lines.push({ line: `${method} ${ownerPath}/${rule.resource}`, rule, owner, ownerPath });
        }
      }
    }
    return lines.sort((a, b) => (a.line < b.line ? -1 : a.line > b.line ? 1 : 0));
  });
}

/** The method lines alone, e.g. `PUT /teams/{id}/photo/$value`. */
export const documentedMethods = (version: ApiVersion): string[] => endpointLines(version).map((l) => l.line);
