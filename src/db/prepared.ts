import type { Db, DbOrTx } from './client';

/** What drizzle's `.prepare(name)` returns, as far as the repositories use it. */
export interface PreparedStatement<R> {
  execute(values?: Record<string, unknown>): Promise<R>;
}

/**
 * A statement built once and prepared by name (drizzle's `.prepare()` on the database), run on
 * `tx`'s connection. drizzle builds every other statement's SQL text anew on each call (a large
 * part of a booking's JavaScript); a prepared one is bound to the session it was prepared on (the
 * pool), so inside a transaction it must run on the transaction's connection instead: the prepared
 * query is used with that connection, which both drivers' sessions and prepared queries keep as
 * `client` (node-postgres: the checked-out PoolClient, which then prepares the name once per
 * connection; PGlite: its transaction). Outside a transaction it runs as prepared. Should a drizzle
 * upgrade change that shape, this throws (every booking test goes through it) rather than run a
 * transaction's statement on another connection.
 */
export function preparedOn<R>(statement: PreparedStatement<R>, tx: DbOrTx, db: Db | DbOrTx): PreparedStatement<R> {
  if (tx === db) return statement;
  const client = (tx as unknown as { _?: { session?: { client?: unknown } } })._?.session?.client;
  if (!client || !('client' in (statement as object))) throw new Error('preparedOn: drizzle no longer keeps the connection as `client`; run the statement through the query builder');
  return Object.assign(Object.create(statement) as PreparedStatement<R>, { client });
}

/** Builds the value on first use, then returns the same one. */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}
