// OData query options of the directory endpoints (SPEC §6, §7): $select, $top with
// @odata.nextLink paging ($skiptoken), $filter with `eq` and `startswith` on the properties Graph
// lets you filter without advanced queries, $search, $count and $orderby=displayName. Anything
// else is refused with Graph's wording.
import { directoryBadRequest, unsupportedFilter } from '../errors.js';
import type { DirectoryFilter, FilterClause, ListProperty, ListQuery } from '../domain/listing.js';
import { countOption, eventualConsistency, needsEventualConsistency, parseSearch } from './odata-search.js';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 999;

const badQuery = directoryBadRequest;

export interface CollectionOptions {
  query: ListQuery;
  select?: string[];
}

/** What an entity set allows: its Graph type name, selectable and filterable properties. */
export interface EntityShape {
  type: string;
  /** Every property `$select` may name. */
  properties: readonly string[];
  /** Properties that are collections: without a value they are `[]`; any other is null. */
  collections?: ReadonlySet<string>;
  filterable: readonly FilterClause['property'][];
  /** What is returned without $select, when not every property. */
  defaults?: readonly string[];
  /**
   * Directory objects: what `$search` may name. `$search` and `$count` on them are Graph's
   * advanced queries, answered only with `ConsistencyLevel: eventual`.
   */
  searchable?: readonly ListProperty[];
}

const STRING = `'((?:[^']|'')*)'`;
const CLAUSE = new RegExp(
  `^(?:(\\w+)\\s+eq\\s+${STRING}|startswith\\(\\s*(\\w+)\\s*,\\s*${STRING}\\s*\\))$`,
  'i',
);

function parseClause(text: string, shape: EntityShape): FilterClause {
  const match = CLAUSE.exec(text.trim());
  if (!match)
    throw badQuery(
      `Invalid filter clause: '${text.trim()}'. Use "property eq 'value'" or "startswith(property,'value')".`,
    );
  const [, eqProperty, eqValue, swProperty, swValue] = match;
  const name = (eqProperty ?? swProperty)!;
  const property = shape.filterable.find((p) => p.toLowerCase() === name.toLowerCase());
  if (!property) throw unsupportedFilter(name, shape.type);
  return { property, fn: eqProperty ? 'eq' : 'startswith', value: (eqValue ?? swValue)!.replace(/''/g, "'") };
}

/** `a eq 'x' or startswith(b,'y')`: clauses joined by one kind of operator. */
export function parseFilter(text: string, shape: EntityShape): DirectoryFilter {
  const parts: string[] = [];
  const joins = new Set<string>();
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "'") {
      quoted = !quoted; // '' inside a string flips twice
      continue;
    }
    const join = quoted ? null : /^\s+(and|or)\s+/i.exec(text.slice(i));
    if (join) {
      parts.push(text.slice(start, i));
      joins.add(join[1]!.toLowerCase());
      i += join[0].length - 1;
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  if (joins.size > 1) throw badQuery('Portrait filters combine clauses with either and or or, not both.');
  return { join: joins.has('or') ? 'or' : 'and', clauses: parts.map((p) => parseClause(p, shape)) };
}

interface Cursor {
  after: string;
  top: number;
  /** The last display name, when the listing is ordered by it. */
  name?: string;
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

function decodeCursor(token: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Cursor;
    if (
      typeof cursor.after === 'string' &&
      Number.isInteger(cursor.top) &&
      (cursor.name === undefined || typeof cursor.name === 'string')
    ) {
      return cursor;
    }
  } catch {
    // fall through
  }
  throw badQuery('The $skiptoken is not valid; follow @odata.nextLink as it was given.');
}

const SUPPORTED = new Set(['$select', '$top', '$filter', '$skiptoken', '$search', '$count', '$orderby']);

/** `$orderby`: only `displayName` (optionally `asc`), what people pickers and the console ask for. */
function orderOption(text: string | undefined): 'displayName' | undefined {
  if (text === undefined) return undefined;
  if (/^\s*displayName(\s+asc)?\s*$/i.test(text)) return 'displayName';
  throw badQuery(`Portrait orders only by displayName, ascending; '$orderby=${text}' is not supported.`);
}

/** A query option by name, without regard to case; given twice, a 400 as Graph's OData layer says. */
export function queryOption(raw: Record<string, unknown>, name: string): string | undefined {
  const given = Object.entries(raw).filter(([key]) => key.toLowerCase() === name);
  const value = given.length === 1 ? given[0]![1] : given.length > 1 ? given : undefined;
  if (value !== undefined && typeof value !== 'string') {
    throw badQuery(
      `Query option '${name}' was specified more than once, but it must be specified at most once.`,
    );
  }
  return value;
}

/** Reads the collection options of a request's query string (and its ConsistencyLevel header). */
export function collectionOptions(
  raw: Record<string, unknown>,
  shape: EntityShape,
  headers: Record<string, unknown> = {},
): CollectionOptions {
  for (const key of Object.keys(raw)) {
    if (key.startsWith('$') && !SUPPORTED.has(key.toLowerCase())) {
      throw badQuery(
        `The query option '${key}' is not supported by Portrait; use $select, $top, $filter, $search, $count or $orderby.`,
      );
    }
  }
  const value = (name: string) => queryOption(raw, name);
  const cursor = value('$skiptoken') ? decodeCursor(value('$skiptoken')!) : undefined;
  const topText = value('$top');
  const top = topText === undefined ? (cursor?.top ?? DEFAULT_PAGE_SIZE) : Number(topText);
  if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE) {
    throw badQuery(
      `Invalid page size specified: '${topText}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.`,
    );
  }
  const filter = value('$filter');
  const select = selectOption(value('$select'), shape);
  const search = searchOption(value('$search'), shape, headers);
  const count = countOption(value('$count'));
  const orderBy = orderOption(value('$orderby'));
  // A cursor of an ordered listing carries the last name; one without it is from another query.
  if (cursor && (orderBy !== undefined) !== (cursor.name !== undefined)) {
    throw badQuery('The $skiptoken is not valid; follow @odata.nextLink as it was given.');
  }
  if (count && shape.searchable && !eventualConsistency(headers)) throw needsEventualConsistency('count');
  return {
    query: {
      top,
      ...(orderBy ? { orderBy } : {}),
      ...(cursor ? { after: cursor.after } : {}),
      ...(cursor?.name !== undefined ? { afterName: cursor.name } : {}),
      ...(filter ? { filter: parseFilter(filter, shape) } : {}),
      ...(search ? { search } : {}),
      ...(count ? { count } : {}),
    },
    ...(select ? { select } : {}),
  };
}

/** `$search`, where the entity set has it and the request asked for eventual consistency. */
export function searchOption(text: string | undefined, shape: EntityShape, headers: Record<string, unknown>) {
  if (text === undefined) return undefined;
  if (!shape.searchable) {
    throw badQuery(`$search is not supported on this collection by Portrait; it works on users and groups.`);
  }
  if (!eventualConsistency(headers)) throw needsEventualConsistency('search');
  return parseSearch(text, shape.searchable);
}

export function selectOption(text: string | undefined, shape: EntityShape): string[] | undefined {
  if (!text) return undefined;
  return text.split(',').map((name) => {
    const property = shape.properties.find((p) => p.toLowerCase() === name.trim().toLowerCase());
    if (!property) {
      throw badQuery(
        `Parsing OData Select and Expand failed: Could not find a property named '${name.trim()}' on type '${shape.type}'.`,
      );
    }
    return property;
  });
}

/**
 * The selected properties (or the entity's defaults), in that order. A Graph property Portrait
 * has no value for is null, or `[]` for a collection, as Graph answers an unset one.
 */
export function project(
  entity: Record<string, unknown>,
  select: readonly string[] | undefined,
  shape: EntityShape,
): Record<string, unknown> {
  const keep = select ?? shape.defaults;
  if (!keep) return entity;
  const projected: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entity)) if (key.startsWith('@odata.')) projected[key] = value;
  for (const key of keep) {
    projected[key] = entity[key] !== undefined ? entity[key] : shape.collections?.has(key) ? [] : null;
  }
  return projected;
}

/** The next page's URL: this request's own URL with the cursor set. */
export function nextLink(requestUrl: URL, after: string, top: number, name?: string): string {
  const next = new URL(requestUrl);
  for (const key of [...next.searchParams.keys()]) {
    if (key.toLowerCase() === '$skiptoken') next.searchParams.delete(key);
  }
  next.searchParams.set('$skiptoken', encodeCursor({ after, top, ...(name !== undefined ? { name } : {}) }));
  return next.toString().replace(/%24/g, '$');
}
