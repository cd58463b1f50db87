// `--blob-store URL` (SPEC §14): where photo bytes are kept. `database` (the SQL store itself, the
// default), `s3://BUCKET[/PREFIX]?region=R&endpoint=URL&force-path-style=true`,
// `azure://CONTAINER[/PREFIX]?endpoint=URL` or `file:DIR`. Credentials never go in the URL: they
// come from each provider's usual environment variables, so the URL can be logged and remembered.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DATABASE_BLOBS = 'database';

export type BlobStoreSpec =
  | { kind: 'database' }
  | {
      kind: 's3';
      bucket: string;
      prefix: string;
      region?: string;
      endpoint?: string;
      forcePathStyle: boolean;
    }
  | { kind: 'azure'; container: string; prefix: string; endpoint?: string }
  | { kind: 'file'; dir: string };

const USAGE =
  '--blob-store must be database, s3://BUCKET[/PREFIX][?region=R&endpoint=URL&force-path-style=true], azure://CONTAINER[/PREFIX][?endpoint=URL] or file:DIR';

function queryOf(url: URL, allowed: readonly string[]): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (!allowed.includes(name))
      throw new TypeError(
        `--blob-store: '${name}' is not an option of ${url.protocol}// (use ${allowed.join(', ')})`,
      );
    query[name] = value;
  }
  return query;
}

const endpointOf = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  let endpoint: URL;
  try {
    endpoint = new URL(value);
  } catch {
    throw new TypeError(
      `--blob-store: endpoint=${value} is not a URL (e.g. endpoint=https://minio.internal:9000)`,
    );
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:')
    throw new TypeError(`--blob-store: endpoint=${value} must be an http:// or https:// URL`);
  return value.replace(/\/+$/, '');
};

/** The bucket or container and the prefix inside it, from `scheme://NAME/PREFIX`. */
function containerAndPrefix(url: URL, what: string): { name: string; prefix: string } {
  if (url.username || url.password)
    throw new TypeError(
      `--blob-store: credentials do not go in the URL; they come from the environment (see the README, "Storing photos in object storage")`,
    );
  if (!url.hostname) throw new TypeError(`--blob-store: ${url.protocol}// needs a ${what} name (${USAGE})`);
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  return { name: url.hostname, prefix };
}

export function parseBlobStore(text: string): BlobStoreSpec {
  if (text === DATABASE_BLOBS) return { kind: 'database' };
  if (text.startsWith('file:')) {
    const rest = text.slice('file:'.length);
    if (!rest) throw new TypeError(`--blob-store: file: needs a folder (file:/var/lib/portrait/photos)`);
    return { kind: 'file', dir: rest.startsWith('//') ? fileURLToPath(text) : resolve(rest) };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`${USAGE}, not '${text}'`);
  }
  if (url.protocol === 's3:') {
    const { name, prefix } = containerAndPrefix(url, 'bucket');
    const query = queryOf(url, ['region', 'endpoint', 'force-path-style']);
    const style = query['force-path-style'];
    if (style !== undefined && style !== 'true' && style !== 'false')
      throw new TypeError(`--blob-store: force-path-style must be true or false, not '${style}'`);
    const endpoint = endpointOf(query['endpoint']);
    return {
      kind: 's3',
      bucket: name,
      prefix,
      ...(query['region'] ? { region: query['region'] } : {}),
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle: style === 'true',
    };
  }
  if (url.protocol === 'azure:') {
    const { name, prefix } = containerAndPrefix(url, 'container');
    const endpoint = endpointOf(queryOf(url, ['endpoint'])['endpoint']);
    return { kind: 'azure', container: name, prefix, ...(endpoint ? { endpoint } : {}) };
  }
  throw new TypeError(`${USAGE}, not '${text}'`);
}

/**
 * The store's name in messages, and what the SQL store remembers (SPEC §14: it refuses another):
 * the URL in one canonical form (options in name order), usable again as `--blob-store`.
 */
export function blobStoreName(spec: BlobStoreSpec): string {
  switch (spec.kind) {
    case 'database':
      return DATABASE_BLOBS;
    case 'file':
      return `file:${spec.dir}`;
    case 's3':
    case 'azure': {
      const base = `${spec.kind}://${spec.kind === 's3' ? spec.bucket : spec.container}${spec.prefix ? `/${spec.prefix}` : ''}`;
      const query = [
        ...(spec.endpoint ? [`endpoint=${spec.endpoint}`] : []),
        ...(spec.kind === 's3' && spec.forcePathStyle ? ['force-path-style=true'] : []),
        ...(spec.kind === 's3' && spec.region ? [`region=${spec.region}`] : []),
      ];
      return query.length > 0 ? `${base}?${query.join('&')}` : base;
    }
  }
}

/** The prefix objects are named under, with its trailing slash ('' for none). */
export const prefixOf = (spec: BlobStoreSpec): string =>
  (spec.kind === 's3' || spec.kind === 'azure') && spec.prefix ? `${spec.prefix}/` : '';
