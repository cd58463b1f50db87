// Pieces every SQL store shares: ids, timestamps, JSON columns, and listings with $filter,
// $search, $count, $top and keyset paging (SPEC §6, §7).
import { CompiledQuery, type ExpressionBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { ListProperty, ListQuery, Page } from '../../domain/listing.js';
import type { Database, Db, SqlBackend } from './schema.js';

export const now = () => new Date().toISOString();

/** Object ids are GUIDs; matched case-insensitively, as Graph does. */
export const normaliseId = (id: string) => id.toLowerCase();

export const parseJson = <T>(text: string | null | undefined, fallback: T): T =>
  text ? (JSON.parse(text) as T) : fallback;

/** Column for each property a listing can filter and search on. */
export type ListColumns = Partial<Record<ListProperty, string>>;

/** The separators Graph's $search splits names and addresses at; each becomes a space. */
const WORD_SEPARATORS = ['.', '@', '_', '-'];

/** `' ' || words of the column`, so that `LIKE '% al%'` finds a word beginning with `al`. */
function searchableText(column: string) {
  let text = sql<string>`lower(coalesce(${sql.ref(column)}, ''))`;
  for (const separator of WORD_SEPARATORS) text = sql<string>`replace(${text}, ${separator}, ' ')`;
  return sql<string>`(' ' || ${text})`;
}

const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** `$filter` (case-insensitive, as Graph compares these properties) and `$search`. */
// biome-ignore lint/suspicious/noExplicitAny: the helper serves queries over several tables.
function matching<QB extends SelectQueryBuilder<Database, any, any>>(
  qb: QB,
  query: ListQuery,
  columns: ListColumns,
): QB {
  let q = qb;
  const { filter, search } = query;
  if (filter) {
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    q = q.where((eb: ExpressionBuilder<Database, any>) => {
      const parts = filter.clauses.map((clause) => {
        const column = sql<string>`lower(${sql.ref(columns[clause.property]!)})`;
        const value = clause.value.toLowerCase();
        return clause.fn === 'eq'
          ? eb(column, '=', value)
          : eb(sql<string>`substr(${column}, 1, ${value.length})`, '=', value);
      });
      return filter.join === 'and' ? eb.and(parts) : eb.or(parts);
    }) as QB;
  }
  if (search) {
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    q = q.where((eb: ExpressionBuilder<Database, any>) => {
      const parts = search.clauses.map((clause) => {
        const text = searchableText(columns[clause.property]!);
        return eb.and(
          clause.words.map((word) => sql<boolean>`${text} like ${`% ${likeEscaped(word)}%`} escape '\\'`),
        );
      });
      return search.join === 'and' ? eb.and(parts) : eb.or(parts);
    }) as QB;
  }
  return q;
}

/**
 * One page of a listing: `$filter` and `$search` applied, keyset paging after `query.after` (one
 * row more than `top` is fetched to know whether there is a next page), and the count of every
 * match when asked for. `$orderby=displayName` pages by the lower-cased name, then id, as the
 * database compares them, so a page boundary between equal names loses nothing.
 */
// biome-ignore lint/suspicious/noExplicitAny: the helper serves queries over several tables.
export async function listPage<QB extends SelectQueryBuilder<Database, any, any>, T extends { id: string }>(
  db: Db,
  base: QB,
  idColumn: string,
  query: ListQuery,
  columns: ListColumns,
  map: (row: Awaited<ReturnType<QB['execute']>>[number]) => T,
): Promise<Page<T>> {
  const matches = matching(base, query, columns);
  const id = sql.ref(idColumn);
  const name = query.orderBy ? sql<string>`lower(coalesce(${sql.ref(columns.displayName!)}, ''))` : undefined;
  let paged = matches;
  if (query.after && name) {
    const [afterName, after] = [query.afterName ?? '', query.after];
    paged = paged.where(
      sql<boolean>`(${name} > ${afterName} or (${name} = ${afterName} and ${id} > ${after}))`,
    ) as QB;
  } else if (query.after) paged = paged.where(id, '>', query.after) as QB;
  const ordered = name ? paged.select(name.as('sort_name')).orderBy(name).orderBy(id) : paged.orderBy(id);
  const rows = (await ordered.limit(query.top + 1).execute()) as (Parameters<typeof map>[0] & {
    sort_name?: string;
  })[];
  const items = rows.slice(0, query.top).map(map);
  const page: Page<T> =
    rows.length > query.top
      ? { items, next: items.at(-1)!.id, ...(name ? { nextName: rows[query.top - 1]!.sort_name! } : {}) }
      : { items };
  if (query.count) {
    const counted = await db
      .selectFrom(matches.as('matches'))
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    page.count = Number(counted.n);
  }
  return page;
}

/** A change with its unset keys dropped, so spreading it never writes `undefined`. */
export const definedOnly = <T extends object>(change: T): Partial<T> =>
  Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * A read-path query built with Kysely once and then run from its SQL: building and compiling a
 * query cost more than SQLite takes to answer it (docs/benchmarks.md, scale). Made per store
 * instance, since the SQL depends on the backend's dialect. Where the backend can run a read at
 * once (SqlBackend.readAtOnce), it does, without Kysely's connection hand-off.
 */
export function preparedQuery<A extends unknown[], R>(
  build: (db: Db, ...args: A) => { compile(): CompiledQuery<R> },
): (backend: SqlBackend, ...args: A) => Promise<R[]> {
  let sqlText: string | undefined;
  return async (backend, ...args) => {
    if (sqlText !== undefined) {
      return (
        backend.readAtOnce?.<R>(sqlText, args) ??
        (await backend.db.executeQuery<R>(CompiledQuery.raw(sqlText, args))).rows
      );
    }
    const compiled = build(backend.db, ...args).compile();
    // Reusable only if the query takes exactly its arguments as parameters, in order.
    if (compiled.parameters.length !== args.length || compiled.parameters.some((p, i) => p !== args[i])) {
      throw new Error(
        `prepared query parameters ${JSON.stringify(compiled.parameters)} are not its arguments`,
      );
    }
    sqlText = compiled.sql;
    return (await backend.db.executeQuery(compiled)).rows;
  };
}
