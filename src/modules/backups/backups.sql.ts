import type { Database } from '../../db/client';

/**
 * Raw SQL on either driver, for the backup, restore and move commands: they work on every table
 * of the schema at once, below the repositories, and must stream rows as PostgreSQL prints them.
 */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/**
 * Runs fn in one transaction with the session in UTC (so every row prints the same on both
 * databases). `snapshot`: REPEATABLE READ READ ONLY, one consistent view of every table. On the
 * embedded database a transaction holds its only connection, so nothing else runs meanwhile.
 */
export async function inTransaction<T>(database: Database, mode: 'snapshot' | 'write', fn: (q: Sql) => Promise<T>): Promise<T> {
  const begin = mode === 'snapshot' ? 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY' : undefined;
  if (database.pool) {
    const client = await database.pool.connect();
    try {
      await client.query('BEGIN');
      if (begin) await client.query(begin);
      await client.query(`SET LOCAL TimeZone = 'UTC'`);
      const q: Sql = { query: async (text, params) => (await client.query(text, params)).rows };
      const out = await fn(q);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
  const pglite = database.pglite!;
  return pglite.transaction(async (tx) => {
    if (begin) await tx.query(begin);
    await tx.query(`SET LOCAL TimeZone = 'UTC'`);
    return fn({ query: async <R>(text: string, params?: unknown[]) => (await tx.query<R>(text, params)).rows });
  });
}

export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Runs `fn` with the tables' own triggers off (ALTER TABLE … DISABLE TRIGGER USER; foreign keys,
 * which are system triggers, stay on), inside the caller's transaction. Restoring or copying rows
 * must reproduce them exactly: the triggers that queue work for changes (the rota's rota_pending)
 * would otherwise add rows the backup never had.
 */
export async function withUserTriggersOff<T>(q: Sql, tables: string[], fn: () => Promise<T>): Promise<T> {
  for (const t of tables) await q.query(`ALTER TABLE ${ident(t)} DISABLE TRIGGER USER`);
  const out = await fn();
  for (const t of tables) await q.query(`ALTER TABLE ${ident(t)} ENABLE TRIGGER USER`);
  return out;
}

/** The schema's tables (schema `public`), parents before children, so rows load without breaking a foreign key. */
export async function tablesInLoadOrder(q: Sql): Promise<string[]> {
  const tables = (await q.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`,
  )).map((r) => r.name);
  const edges = await q.query<{ child: string; parent: string }>(
    `SELECT ch.relname AS child, pa.relname AS parent FROM pg_constraint c
       JOIN pg_class ch ON ch.oid = c.conrelid JOIN pg_class pa ON pa.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = ch.relnamespace
      WHERE c.contype = 'f' AND n.nspname = 'public'`,
  );
  return loadOrder(tables, edges);
}

/** Orders tables so each comes after every table it references (self-references ignored). Pure. */
export function loadOrder(tables: string[], edges: { child: string; parent: string }[]): string[] {
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of edges) if (child !== parent && parents.has(child) && parents.has(parent)) parents.get(child)!.add(parent);
  const out: string[] = [];
  const done = new Set<string>();
  while (out.length < tables.length) {
    const ready = tables.filter((t) => !done.has(t) && [...parents.get(t)!].every((p) => done.has(p)));
    if (ready.length === 0) throw new Error(`foreign keys form a cycle among: ${tables.filter((t) => !done.has(t)).join(', ')}`);
    for (const t of ready) {
      done.add(t);
      out.push(t);
    }
  }
  return out;
}

/**
 * How a backup prints a table's rows when it differs from the plain row: door codes travel
 * encrypted in access_codes, but a code text that was already sent keeps its digits in the
 * outbox's body; a backup withholds them (the row is history; a pending text keeps them, as it
 * must still go out). A move to PostgreSQL copies rows unchanged.
 */
export const WITHHELD = '[withheld]';
const BACKUP_ROWS: Record<string, string> = {
  outbox: `row_to_json(json_populate_record(t, json_build_object('body',
    CASE WHEN t.status IN ('sent', 'failed') THEN regexp_replace(t.body, ': [0-9]{4,12}\\. Works', ': ${WITHHELD}. Works', 'g') ELSE t.body END)))`,
};
const rowJson = (table: string, forBackup: boolean) => (forBackup && BACKUP_ROWS[table]) || 'row_to_json(t)';

export interface TableSum {
  name: string;
  rows: number;
  /** md5 over the sorted md5s of every row's JSON text: independent of row order and of the database. */
  checksum: string;
}

export async function tableSums(q: Sql, tables: string[], forBackup = false): Promise<TableSum[]> {
  const out: TableSum[] = [];
  for (const name of tables) {
    const [r] = await q.query<{ rows: number; checksum: string }>(
      `SELECT count(*)::int AS rows, md5(coalesce(string_agg(h, '' ORDER BY h COLLATE "C"), '')) AS checksum
         FROM (SELECT md5(${rowJson(name, forBackup)}::text) AS h FROM ${ident(name)} t) s`,
    );
    out.push({ name, rows: Number(r.rows), checksum: r.checksum });
  }
  return out;
}

/** Every row of a table as PostgreSQL's JSON text, in batches, through a cursor inside the caller's transaction. */
export async function* tableRows(q: Sql, table: string, opts: { forBackup?: boolean; batch?: number } = {}): AsyncGenerator<string[]> {
  const batch = opts.batch ?? 1000;
  await q.query(`DECLARE hubkey_rows NO SCROLL CURSOR FOR SELECT ${rowJson(table, opts.forBackup ?? false)}::text AS j FROM ${ident(table)} t`);
  try {
    for (;;) {
      const rows = await q.query<{ j: string }>(`FETCH ${batch} FROM hubkey_rows`);
      if (rows.length === 0) return;
      yield rows.map((r) => r.j);
    }
  } finally {
    await q.query('CLOSE hubkey_rows');
  }
}

/** Inserts rows given as JSON text (as tableRows gives them) into a table with the same columns. */
export async function insertRows(q: Sql, table: string, rows: string[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(`INSERT INTO ${ident(table)} SELECT * FROM json_populate_recordset(NULL::${ident(table)}, $1::json)`, [`[${rows.join(',')}]`]);
}

/** True when any table of the schema holds a row. */
export async function anyRows(q: Sql, tables: string[]): Promise<boolean> {
  for (const t of tables) if ((await q.query(`SELECT 1 FROM ${ident(t)} LIMIT 1`)).length > 0) return true;
  return false;
}

export interface MigrationState {
  /** Migrations applied, and the journal time (`when`) of the last; 0 and '0' on a database never migrated. */
  count: number;
  last: string;
}

export async function migrationState(q: Sql): Promise<MigrationState> {
  const [{ t }] = await q.query<{ t: string | null }>(`SELECT to_regclass('drizzle.__drizzle_migrations')::text AS t`);
  if (!t) return { count: 0, last: '0' };
  const [r] = await q.query<{ n: number; last: string | null }>(`SELECT count(*)::int AS n, max(created_at)::text AS last FROM drizzle.__drizzle_migrations`);
  return { count: Number(r.n), last: r.last ?? '0' };
}
