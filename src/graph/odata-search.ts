// `$search` and `$count` on directory collections (SPEC §7), as Graph's advanced queries take them:
// both need `ConsistencyLevel: eventual`, and `$search` is a list of `"property:words"` clauses
// joined by AND or OR — what the Graph Toolkit sends to find people:
//   $search="displayName:al" OR "mail:al" OR "userPrincipalName:al"&$count=true
import { directoryBadRequest, unsupportedQuery } from '../errors.js';
import type { DirectorySearch, ListProperty, SearchClause } from '../domain/listing.js';

const ADVANCED_QUERIES = 'Refer to https://aka.ms/graph-docs/advanced-queries for more information.';

/** Graph's refusal when an advanced query comes without the header. */
export const needsEventualConsistency = (what: 'search' | 'count' | 'rawCount') =>
  unsupportedQuery(
    what === 'search'
      ? "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"
      : `${what === 'count' ? 'Count (?$count=true)' : 'Raw count (/$count)'} is not supported because the 'ConsistencyLevel:eventual' header is missing. ${ADVANCED_QUERIES}`,
  );

/** Whether the request asked for Graph's advanced query capabilities. */
export const eventualConsistency = (headers: Record<string, unknown>) =>
  String(headers['consistencylevel'] ?? '').toLowerCase() === 'eventual';

/** `$count=true|false`. */
export function countOption(text: string | undefined): boolean {
  if (text === undefined) return false;
  if (!/^(true|false)$/i.test(text)) {
    throw directoryBadRequest(`Invalid value '${text}' for $count; use true or false.`);
  }
  return text.toLowerCase() === 'true';
}

/** Words as Graph's search index splits names and addresses. */
export const searchWords = (text: string) =>
  text
    .toLowerCase()
    .split(/[\s.@_-]+/)
    .filter(Boolean);

function parseClause(text: string, searchable: readonly ListProperty[]): SearchClause {
  const colon = text.indexOf(':');
  if (colon < 1) {
    throw directoryBadRequest(
      `Invalid $search clause "${text}": name the property, e.g. "displayName:${text || 'al'}".`,
    );
  }
  const name = text.slice(0, colon).trim();
  const property = searchable.find((p) => p.toLowerCase() === name.toLowerCase());
  if (!property) {
    throw unsupportedQuery(
      `$search on property '${name}' is not supported; Portrait searches ${searchable.join(', ')}.`,
    );
  }
  const words = searchWords(text.slice(colon + 1));
  if (words.length === 0)
    throw directoryBadRequest(`The $search clause "${text}" has nothing to search for.`);
  return { property, words };
}

/** `"displayName:al" OR "mail:al"`: quoted clauses joined by one kind of operator. */
export function parseSearch(text: string, searchable: readonly ListProperty[]): DirectorySearch {
  // Splitting at quoted runs leaves the quoted clauses at odd indexes and the joins between them.
  const parts = text.trim().split(/("[^"]*")/);
  const clauses: SearchClause[] = [];
  const joins = new Set<string>();
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      clauses.push(parseClause(part.slice(1, -1).trim(), searchable));
      return;
    }
    const join = part.trim().toUpperCase();
    const edge = i === 0 || i === parts.length - 1;
    if (edge ? join !== '' : join !== 'AND' && join !== 'OR') {
      throw directoryBadRequest(
        `Invalid $search value: ${text}. Quote each clause and join them with AND or OR, e.g. "displayName:al" OR "mail:al".`,
      );
    }
    if (!edge) joins.add(join);
  });
  if (clauses.length === 0) {
    throw directoryBadRequest(`Invalid $search value: ${text}. Quote each clause, e.g. "displayName:al".`);
  }
  if (joins.size > 1)
    throw directoryBadRequest('Portrait joins $search clauses with either AND or OR, not both.');
  return { join: joins.has('AND') ? 'and' : 'or', clauses };
}
