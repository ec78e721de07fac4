import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/**
 * Keyset pagination: the rows after `values` in ORDER BY `columns` (all ascending, or all
 * descending), as one row comparison, e.g. `(name, id) > ($1::text, $2::uuid)`. Give the very
 * columns of the ORDER BY, with the id last; each value is cast to its column's type, so it
 * compares (and collates) exactly as the ORDER BY sorts.
 */
export function keysetAfter(columns: PgColumn[], values: readonly string[], dir: 'asc' | 'desc' = 'asc'): SQL {
  if (columns.length !== values.length) throw new Error('keysetAfter: one value per column');
  const cols = sql.join(columns.map((c) => sql`${c}`), sql`, `);
  const vals = sql.join(
    values.map((v, i) => sql`${v}::${sql.raw(columns[i].getSQLType())}`),
    sql`, `,
  );
  return dir === 'asc' ? sql`(${cols}) > (${vals})` : sql`(${cols}) < (${vals})`;
}

/** A timestamptz as text with every microsecond, for a cursor that must compare exactly in SQL. */
export const exactTimestamp = (column: PgColumn) => sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Where a page starts (the sort key values and id of the previous page's last row) and its size. */
export interface PageArgs {
  after?: readonly string[];
  limit: number;
}

/**
 * Cuts a page from rows fetched with LIMIT limit + 1: the first `limit`, and the sort key of the
 * last one kept when there was one more (the next page starts after it).
 */
export function pageOf<R>(rows: R[], limit: number, key: (last: R) => string[]): { rows: R[]; next?: string[] } {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return { rows: kept, next: rows.length > limit && last ? key(last) : undefined };
}
