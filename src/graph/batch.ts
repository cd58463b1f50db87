// JSON batching (SPEC §7): the shape of a $batch request, checked as Graph checks it, and the
// order its requests may run in (dependsOn).
import { badRequest } from '../errors.js';

export const MAX_BATCH_REQUESTS = 20;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

export interface BatchItem {
  id: string;
  method: string;
  /** Relative to the version, starting with `/`. */
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dependsOn: string[];
}

const invalid = (message: string) => badRequest(`Invalid batch payload: ${message}`);

function readItem(raw: unknown, index: number, version: string): BatchItem {
  if (raw === null || typeof raw !== 'object') throw invalid(`request ${index + 1} is not an object.`);
  const item = raw as Record<string, unknown>;
  const id = typeof item['id'] === 'number' ? String(item['id']) : item['id'];
  if (typeof id !== 'string' || id === '') throw invalid(`request ${index + 1} has no id.`);
  const method = typeof item['method'] === 'string' ? item['method'].toUpperCase() : '';
  if (!METHODS.includes(method))
    throw invalid(`request '${id}' has an invalid method '${String(item['method'])}'.`);
  const url = item['url'];
  if (typeof url !== 'string' || url === '') throw invalid(`request '${id}' has no url.`);
  if (/^[a-z]+:\/\//i.test(url)) {
    throw invalid(`request '${id}': the url must be relative, e.g. /me/photo, not '${url}'.`);
  }
  // The Graph SDKs send `/v1.0/me/photo` (the request URL without its host): the batch's own
  // version is accepted and dropped; the other version is a mistake.
  const versioned = /^\/?(v1\.0|beta)(\/.*)$/i.exec(url);
  if (versioned && versioned[1]!.toLowerCase() !== version) {
    throw invalid(`request '${id}' is for /${versioned[1]} inside a /${version} batch.`);
  }
  const path = versioned ? versioned[2]! : url;
  confineToVersion(id, path, version);
  const headers: Record<string, string> = {};
  if (item['headers'] !== undefined) {
    if (item['headers'] === null || typeof item['headers'] !== 'object')
      throw invalid(`request '${id}' has invalid headers.`);
    for (const [name, value] of Object.entries(item['headers'] as Record<string, unknown>)) {
      if (typeof value !== 'string') throw invalid(`request '${id}': header '${name}' must be a string.`);
      headers[name.toLowerCase()] = value;
    }
  }
  if (item['body'] !== undefined && !headers['content-type']) {
    throw invalid(`request '${id}' has a body but no Content-Type header.`);
  }
  const dependsOn = item['dependsOn'] ?? [];
  if (!Array.isArray(dependsOn) || !dependsOn.every((d) => typeof d === 'string' || typeof d === 'number')) {
    throw invalid(`request '${id}': dependsOn must be a list of request ids.`);
  }
  return {
    id,
    method,
    url: path.startsWith('/') ? path : `/${path}`,
    headers,
    ...(item['body'] !== undefined ? { body: item['body'] } : {}),
    dependsOn: dependsOn.map(String),
  };
}

/**
 * A request in a batch reaches only its own API version: no `.` or `..` segment (in any escaping)
 * may climb out to the other version or to /metrics, and a batch does not contain a batch.
 */
function confineToVersion(id: string, url: string, version: string): void {
  const path = url.split(/[?#]/, 1)[0]!;
  // WHATWG URLs read a backslash in the path as a slash.
  const segments = path.split(/[/\\]/).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw invalid(`request '${id}' has a malformed %-escape in its url.`);
    }
  });
  if (segments.some((s) => s === '.' || s === '..' || /[/\\]/.test(s))) {
    throw invalid(
      `request '${id}': the url must stay inside /${version}; '.' and '..' segments are not allowed.`,
    );
  }
  if (segments.some((s) => s.toLowerCase() === '$batch')) {
    throw invalid(`request '${id}': a batch cannot contain another $batch.`);
  }
}

/** Reads and checks a batch; a malformed one is a 400 for the whole batch. */
export function parseBatch(body: unknown, version: string): BatchItem[] {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests)) throw invalid('the body must be {"requests": [...]}.');
  if (requests.length === 0) throw invalid('there are no requests.');
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw invalid(`a batch holds at most ${MAX_BATCH_REQUESTS} requests; this one has ${requests.length}.`);
  }
  const items = requests.map((raw, index) => readItem(raw, index, version));
  const ids = new Set<string>();
  for (const item of items) {
    const key = item.id.toLowerCase();
    if (ids.has(key)) throw invalid(`the id '${item.id}' is used twice (ids are compared without case).`);
    ids.add(key);
  }
  for (const item of items) {
    for (const dependency of item.dependsOn) {
      if (!ids.has(dependency.toLowerCase()))
        throw invalid(`request '${item.id}' depends on unknown request '${dependency}'.`);
    }
  }
  runOrder(items); // refuses cycles
  return items;
}

/** Waves of requests: each runs once everything it depends on has run. Throws on a cycle. */
export function runOrder(items: readonly BatchItem[]): BatchItem[][] {
  const done = new Set<string>();
  const waves: BatchItem[][] = [];
  let left = [...items];
  while (left.length > 0) {
    const ready = left.filter((item) => item.dependsOn.every((d) => done.has(d.toLowerCase())));
    if (ready.length === 0)
      throw invalid(`dependsOn forms a cycle among ${left.map((i) => `'${i.id}'`).join(', ')}.`);
    waves.push(ready);
    for (const item of ready) done.add(item.id.toLowerCase());
    left = left.filter((item) => !ready.includes(item));
  }
  return waves;
}
