// The one module that speaks to Portrait. The console is a Graph client like any other: it calls
// the public API (Graph paths, $batch), the issuer's endpoints and /explorer/api, nothing else.
// Failures become `ApiError`s carrying Graph's error code; problems.ts words them for people.

export interface User {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
}

export interface Group {
  id: string;
  displayName: string;
  mail: string | null;
  resourceProvisioningOptions: string[];
}

export interface PhotoSize {
  id: string;
  width: number;
  height: number;
  '@odata.mediaEtag': string;
}

export interface Page<T> {
  items: T[];
  count?: number;
  nextLink?: string;
}

/** Whose photo: yours, a user's, a group's or a team's (a team's photo is its group's). */
export type Owner =
  | { kind: 'me' }
  | { kind: 'user'; id: string }
  | { kind: 'group'; id: string }
  | { kind: 'team'; id: string };

export interface ExplorerPermission {
  name: string;
  delegated: { title: string; description: string; adminConsent: boolean } | null;
  application: { title: string; description: string } | null;
  methods: Record<'v1.0' | 'beta', Record<'delegated' | 'application', string[]>>;
  powershell: { version: 'v1.0' | 'beta'; cmdlet: string; methods: string[] }[];
}

/** An item of a collection the explorer offers ids from (groups, contacts, contact folders). */
export interface Pickable {
  id: string;
  displayName: string | null;
  resourceProvisioningOptions?: string[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

let accessToken: string | undefined;

/** The token every call carries; undefined after sign-out. */
export function useAccessToken(token: string | undefined): void {
  accessToken = token;
}

const authorization = (): Record<string, string> =>
  accessToken ? { authorization: `Bearer ${accessToken}` } : {};

async function problem(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as
    | { error?: { code?: string; message?: string; innerError?: Record<string, unknown> } }
    | undefined;
  const error = body?.error;
  const retryAfter = Number(response.headers.get('retry-after')) || undefined;
  return new ApiError(
    response.status,
    error?.code ?? `HTTP${response.status}`,
    error?.message ?? `The server answered ${response.status} ${response.statusText}.`,
    error?.innerError ?? {},
    retryAfter,
  );
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(
    path.startsWith('/v1.0') || path.startsWith('/explorer') ? path : `/v1.0${path}`,
    {
      ...init,
      headers: { ...authorization(), ...(init.headers as Record<string, string>) },
    },
  );
  if (!response.ok) throw await problem(response);
  return response;
}

const json = async <T>(path: string, init?: RequestInit) => (await (await call(path, init)).json()) as T;

export const ownerPath = (owner: Owner): string =>
  owner.kind === 'me'
    ? '/me'
    : `/${owner.kind === 'user' ? 'users' : owner.kind === 'group' ? 'groups' : 'teams'}/${encodeURIComponent(owner.id)}`;

/** Where a photo is read: a team's photo is its group's, which has the list of sizes. */
const readPath = (owner: Owner) => ownerPath(owner.kind === 'team' ? { kind: 'group', id: owner.id } : owner);

const SEARCH = { consistencylevel: 'eventual' };

/** A page of a directory collection: the first (optionally searched) or the one a nextLink names. */
async function page<T>(
  collection: string,
  search: string,
  shape: { select: string[]; searchable: string[] },
  nextLink?: string,
): Promise<Page<T>> {
  let path: string;
  if (nextLink) {
    const next = new URL(nextLink);
    path = next.pathname + next.search;
  } else {
    const query = new URLSearchParams({
      $top: '20',
      $select: shape.select.join(','),
      $count: 'true',
      $orderby: 'displayName',
    });
    const words = search.trim().replace(/"/g, '');
    if (words) query.set('$search', shape.searchable.map((p) => `"${p}:${words}"`).join(' OR '));
    path = `${collection}?${query}`;
  }
  const body = await json<{ value: T[]; '@odata.count'?: number; '@odata.nextLink'?: string }>(path, {
    headers: SEARCH,
  });
  return {
    items: body.value,
    ...(body['@odata.count'] !== undefined ? { count: body['@odata.count'] } : {}),
    ...(body['@odata.nextLink'] ? { nextLink: body['@odata.nextLink'] } : {}),
  };
}

export const api = {
  me: () => json<User>('/me?$select=id,displayName,userPrincipalName,mail'),

  users: (search: string, nextLink?: string) =>
    page<User>(
      '/users',
      search,
      {
        select: ['id', 'displayName', 'userPrincipalName', 'mail'],
        searchable: ['displayName', 'mail', 'userPrincipalName'],
      },
      nextLink,
    ),

  groups: (search: string, nextLink?: string) =>
    page<Group>(
      '/groups',
      search,
      {
        select: ['id', 'displayName', 'mail', 'resourceProvisioningOptions'],
        searchable: ['displayName', 'mail'],
      },
      nextLink,
    ),

  /** Whether a user is among a group's owners (its first 999: groups have a handful). */
  async ownsGroup(groupId: string, userId: string): Promise<boolean> {
    const owners = await json<{ value: { id: string }[] }>(
      `/groups/${encodeURIComponent(groupId)}/owners?$select=id&$top=999`,
    );
    return owners.value.some((owner) => owner.id.toLowerCase() === userId.toLowerCase());
  },

  /** The sizes of an owner's photo, smallest first; empty when there is none. */
  async photoSizes(owner: Owner): Promise<PhotoSize[]> {
    return (await json<{ value: PhotoSize[] }>(`${readPath(owner)}/photos`)).value;
  },

  /** One size's bytes as an object URL (revoke it when done), with its ETag. */
  async photo(owner: Owner, size: string): Promise<{ url: string; etag: string }> {
    const response = await call(`${readPath(owner)}/photos/${size}/$value`);
    return { url: URL.createObjectURL(await response.blob()), etag: response.headers.get('etag') ?? '' };
  },

  /**
   * 48x48 thumbnails of many owners in $batch requests of 20, as Graph clients fetch them:
   * a data: URL per owner id, or null where there is no photo or it may not be read.
   */
  async thumbnails(owners: { kind: 'user' | 'group'; id: string }[]): Promise<Map<string, string | null>> {
    const found = new Map<string, string | null>();
    for (let i = 0; i < owners.length; i += 20) {
      const chunk = owners.slice(i, i + 20);
      const body = await json<{
        responses: { id: string; status: number; headers: Record<string, string>; body?: string }[];
      }>('/$batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          requests: chunk.map((owner, n) => ({
            id: String(n),
            method: 'GET',
            url: `${ownerPath(owner)}/photos/48x48/$value`,
          })),
        }),
      });
      for (const response of body.responses) {
        const owner = chunk[Number(response.id)]!;
        found.set(
          owner.id,
          response.status === 200 ? `data:${response.headers['Content-Type']};base64,${response.body}` : null,
        );
      }
    }
    return found;
  },

  /** Uploads with progress (fetch reports none for request bodies); resolves to the new ETag. */
  uploadPhoto(owner: Owner, image: Blob, onProgress: (fraction: number) => void): Promise<string> {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('PUT', `/v1.0${ownerPath(owner)}/photo/$value`);
      for (const [name, value] of Object.entries(authorization())) request.setRequestHeader(name, value);
      request.setRequestHeader('content-type', image.type || 'image/jpeg');
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      request.onerror = () => reject(new ApiError(0, 'NetworkError', 'The upload did not reach the server.'));
      request.onload = async () => {
        if (request.status < 300) {
          onProgress(1);
          resolve(request.getResponseHeader('etag') ?? '');
          return;
        }
        const headers = new Headers({ 'retry-after': request.getResponseHeader('retry-after') ?? '' });
        reject(await problem(new Response(request.responseText, { status: request.status, headers })));
      };
      request.send(image);
    });
  },

  async deletePhoto(owner: Owner): Promise<void> {
    await call(`${readPath(owner)}/photo/$value`, { method: 'DELETE' });
  },

  explorerNames: () => json<string[]>('/explorer/api/permissions'),

  explorerPermission: (name: string) =>
    json<ExplorerPermission>(`/explorer/api/permissions/${encodeURIComponent(name)}`),

  /**
   * The first page of a collection the explorer offers ids from (groups, contacts, folders), with
   * the signed-in token or with `token`.
   */
  async pickable(path: string, token?: string): Promise<{ items: Pickable[]; more: boolean }> {
    const body = await json<{ value: Pickable[]; '@odata.nextLink'?: string }>(
      path,
      token ? { headers: { authorization: `Bearer ${token}` } } : undefined,
    );
    // In name order, as a person looks for one (a collection's pages come in id order).
    const items = [...body.value].sort((a, b) => (a.displayName ?? '').localeCompare(b.displayName ?? ''));
    return { items, more: Boolean(body['@odata.nextLink']) };
  },

  /**
   * "Try it": a GET as it is, whatever its status, for the explorer to show; with the signed-in
   * token, or with `token` (an app's, for app-only methods).
   */
  async tryGet(
    path: string,
    token?: string,
  ): Promise<{ status: number; headers: [string, string][]; image?: string; text?: string }> {
    const response = await fetch(path, {
      headers: token ? { authorization: `Bearer ${token}` } : authorization(),
    });
    const headers = [...response.headers.entries()];
    const type = response.headers.get('content-type') ?? '';
    if (response.ok && type.startsWith('image/')) {
      return { status: response.status, headers, image: URL.createObjectURL(await response.blob()) };
    }
    const text = await response.text();
    let pretty = text;
    try {
      pretty = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not JSON: shown as it came
    }
    return { status: response.status, headers, text: pretty };
  },
};
