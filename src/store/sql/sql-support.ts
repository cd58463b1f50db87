// Pieces every SQL store shares: ids, timestamps, JSON columns, and listings with $filter,
// $top and keyset paging (SPEC §6).
import { CompiledQuery, type ExpressionBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { ListQuery, Page } from '../store.js';
import type { Database, Db } from './schema.js';

export const now = () => new Date().toISOString();

/** Object ids are GUIDs; matched case-insensitively, as Graph does. */
export const normaliseId = (id: string) => id.toLowerCase();

export const parseJson = <T>(text: string | null | undefined, fallback: T): T =>
  text ? (JSON.parse(text) as T) : fallback;

/** Column for each filterable property of a listing. */
export type FilterColumns = Partial<Record<'displayName' | 'userPrincipalName' | 'mail', string>>;

/**
 * Applies `$filter` (case-insensitive, as Graph compares these properties), keyset paging after
 * `query.after`, and fetches one row more than `top` to know whether there is a next page.
 */
// biome-ignore lint/suspicious/noExplicitAny: the helper serves queries over several tables.
export function listing<QB extends SelectQueryBuilder<Database, any, any>>(
  qb: QB,
  idColumn: string,
  query: ListQuery,
  columns: FilterColumns,
): QB {
  let q = qb;
  const filter = query.filter;
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
  if (query.after) q = q.where(sql.ref(idColumn), '>', query.after) as QB;
  return q.orderBy(sql.ref(idColumn)).limit(query.top + 1) as QB;
}

export function toPage<R, T>(
  rows: R[],
  query: ListQuery,
  map: (row: R) => T,
  id: (item: T) => string,
): Page<T> {
  const items = rows.slice(0, query.top).map(map);
  return rows.length > query.top ? { items, next: id(items.at(-1)!) } : { items };
}

/** A change with its unset keys dropped, so spreading it never writes `undefined`. */
export const definedOnly = <T extends object>(change: T): Partial<T> =>
  Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * A read-path query built with Kysely once and then run from its SQL: building and compiling a
 * query cost more than SQLite takes to answer it (docs/benchmarks.md, scale). Made per store
 * instance, since the SQL depends on the backend's dialect.
 */
export function preparedQuery<A extends unknown[], R>(
  build: (db: Db, ...args: A) => { compile(): CompiledQuery<R> },
): (db: Db, ...args: A) => Promise<R[]> {
  let sqlText: string | undefined;
  return async (db, ...args) => {
    if (sqlText !== undefined) return (await db.executeQuery(CompiledQuery.raw(sqlText, args))).rows as R[];
    const compiled = build(db, ...args).compile();
    // Reusable only if the query takes exactly its arguments as parameters, in order.
    if (compiled.parameters.length !== args.length || compiled.parameters.some((p, i) => p !== args[i])) {
      throw new Error(
        `prepared query parameters ${JSON.stringify(compiled.parameters)} are not its arguments`,
      );
    }
    sqlText = compiled.sql;
    return (await db.executeQuery(compiled)).rows;
  };
}
