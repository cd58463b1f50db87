// Listings of the directory (SPEC §6, §7): $filter, $search, paging by id and $count.

/** The properties listings can filter and search on. */
export type ListProperty = 'displayName' | 'userPrincipalName' | 'mail';

/** `prop eq 'v'` and `startswith(prop, 'v')`, joined by one `and` or `or` ($filter, SPEC §6). */
export interface FilterClause {
  property: ListProperty;
  fn: 'eq' | 'startswith';
  value: string;
}

export interface DirectoryFilter {
  join: 'and' | 'or';
  clauses: FilterClause[];
}

/**
 * `$search="displayName:al" OR "mail:al"` (SPEC §7): a clause matches when every word of its value
 * begins a word of the property, words being split at spaces and `.`, `@`, `_`, `-`, as Graph
 * tokenizes names and addresses. Words are lower-case.
 */
export interface SearchClause {
  property: ListProperty;
  words: string[];
}

export interface DirectorySearch {
  join: 'and' | 'or';
  clauses: SearchClause[];
}

/**
 * One page of a listing, in id order or, with `orderBy`, by display name (any case) and then id:
 * `after` is the last id of the previous page, and `afterName` its display name as the store
 * compares it (`Page.nextName`).
 */
export interface ListQuery {
  filter?: DirectoryFilter;
  search?: DirectorySearch;
  /** `$orderby=displayName`: the one order Portrait sorts by, ascending, as Graph's pickers ask. */
  orderBy?: 'displayName';
  top: number;
  after?: string;
  afterName?: string;
  /** Also count every match, across pages (`$count=true`). */
  count?: boolean;
}

export interface Page<T> {
  items: T[];
  /** The id to continue after, when there is more. */
  next?: string;
  /** With `orderBy`, the display name (as the store compares it) to continue after. */
  nextName?: string;
  /** Every match, when the query asked for a count. */
  count?: number;
}
