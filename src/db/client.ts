import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { mkdirSync } from 'node:fs';
import { Pool } from 'pg';
import { migrationsFolder } from '../lib/paths';
import { embeddedStartParams } from './embedded';
import * as schema from './schema';

export type Schema = typeof schema;
/** The common type of both drivers' databases (a union breaks `.returning()`). */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Runs pending migrations under an advisory lock, so two processes never migrate at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** node-postgres pool (PostgreSQL only), for advisory locks and the benchmark's raw-SQL baseline. */
  pool?: Pool;
  /** The connection URL (PostgreSQL only). */
  url?: string;
  pglite?: PGlite;
}

const MIGRATION_LOCK = 727_001; // arbitrary, stable advisory-lock key for migrations

export interface DatabaseOptions {
  url?: string;
  dataDir?: string;
  poolMax?: number;
  /** PGlite only: start from a dump made by `dumpDataDir()` (tests use a pre-migrated one). */
  loadDataDir?: Blob;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) {
    const pool = new Pool({ connectionString: opts.url, max: opts.poolMax ?? 10 });
    // An idle client's error (e.g. the server restarting) must not crash the process.
    pool.on('error', () => undefined);
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      pool,
      url: opts.url,
      async migrate() {
        const client = await pool.connect();
        try {
          await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
          try {
            await migratePg(drizzlePg(client, { schema }), { migrationsFolder: migrationsFolder() });
          } finally {
            await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
          }
        } finally {
          client.release();
        }
      },
      close: () => pool.end(),
    };
  }
  const dir = opts.dataDir ?? 'memory://';
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
  const pglite = await PGlite.create(dir, { extensions: { btree_gist }, loadDataDir: opts.loadDataDir, startParams: embeddedStartParams() });
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    pglite,
    async migrate() {
      // PGlite is one connection in one process; the lock still guards against a second app instance sharing it.
      await pglite.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await migratePglite(drizzlePglite(pglite, { schema }), { migrationsFolder: migrationsFolder() });
      } finally {
        await pglite.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    },
    close: () => pglite.close(),
  };
}

/** SQLSTATE of a driver error, looking through drizzle's DrizzleQueryError wrapper. */
export function sqlState(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export const PG = {
  uniqueViolation: '23505',
  exclusionViolation: '23P01',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  deadlock: '40P01',
  serializationFailure: '40001',
} as const;
