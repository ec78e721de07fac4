import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { type ExtractTablesWithRelations, sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrationsFolder } from '../lib/paths';
import { embeddedStartParams } from './embedded';
import { chooseTemplate } from './template';
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
  /** node-postgres pool (PostgreSQL only), for the benchmark's raw-SQL baseline. */
  pool?: Pool;
  /**
   * A second, small pool for the worker's job locks (PostgreSQL only): a job holds one of its
   * connections, in a transaction, for as long as it runs, so locks never take the requests' pool.
   * It opens connections only when a job runs.
   */
  lockPool?: Pool;
  /** The connection URL (PostgreSQL only). */
  url?: string;
  pglite?: PGlite;
  /** PGlite only: how the data directory began (`reason`: why a new one did not use the template). */
  embeddedStart?: { from: 'existing' | 'template' | 'initdb' | 'dump' | 'memory'; reason?: string };
}

const MIGRATION_LOCK = 727_001; // arbitrary, stable advisory-lock key for migrations

export interface DatabaseOptions {
  url?: string;
  dataDir?: string;
  poolMax?: number;
  /** Connections of the job-lock pool (PostgreSQL only). */
  lockPoolMax?: number;
  /** Give up opening (or waiting for) a connection after this long; the caller answers 503. */
  connectTimeoutMs?: number;
  /** PGlite only: start from a dump made by `dumpDataDir()` (tests use a pre-migrated one). */
  loadDataDir?: Blob;
  /**
   * PGlite only: when `dataDir` holds no database yet, start from the committed template of an
   * empty, migrated database (src/db/template.ts) instead of initdb, if it is sound here.
   */
  useTemplate?: boolean;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) {
    const connectionTimeoutMillis = opts.connectTimeoutMs ?? 5_000;
    const pool = guardPool(new Pool({ connectionString: opts.url, max: opts.poolMax ?? 10, connectionTimeoutMillis, keepAlive: true }));
    const lockPool = guardPool(new Pool({ connectionString: opts.url, max: opts.lockPoolMax ?? 10, connectionTimeoutMillis, keepAlive: true }));
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      pool,
      lockPool,
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
      close: async () => {
        await Promise.all([pool.end(), lockPool.end()]);
      },
    };
  }
  const dir = opts.dataDir ?? 'memory://';
  const inMemory = dir.startsWith('memory://');
  if (!inMemory) mkdirSync(dir, { recursive: true });
  let loadDataDir = opts.loadDataDir;
  let embeddedStart: Database['embeddedStart'] = loadDataDir ? { from: 'dump' } : inMemory ? { from: 'memory' } : existsSync(join(dir, 'PG_VERSION')) ? { from: 'existing' } : { from: 'initdb' };
  if (!loadDataDir && !inMemory && opts.useTemplate) {
    const choice = chooseTemplate(dir);
    if (choice.use) {
      try {
        loadDataDir = await choice.load();
        embeddedStart = { from: 'template' };
      } catch (err) {
        embeddedStart = { from: 'initdb', reason: `template unreadable: ${(err as Error).message}` };
      }
    } else if (embeddedStart.from === 'initdb') {
      embeddedStart = { from: 'initdb', reason: choice.reason };
    }
  }
  const pglite = await PGlite.create(dir, { extensions: { btree_gist }, loadDataDir, startParams: embeddedStartParams() });
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    pglite,
    embeddedStart,
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

/**
 * A server restart or a dropped connection makes node-postgres emit 'error' on the client, and an
 * EventEmitter's 'error' with no listener kills the process. The pool listens on idle clients
 * only; this also listens on every client from the moment it connects, so one checked out (in a
 * drizzle transaction, or holding a job lock) fails its current and next queries instead. The pool
 * drops such a client when it is released (it is no longer queryable). PGlite has no sockets and
 * needs none of this.
 */
function guardPool(pool: Pool): Pool {
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
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

/** SQLSTATE classes and codes that mean "the server is not there (now)", not "your query is wrong". */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']); // admin/crash shutdown, cannot connect now, too many connections
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i, // "Connection terminated unexpectedly", "... due to connection timeout"
  /timeout exceeded when trying to connect/i, // the pool waited connectTimeoutMs
  /Client has encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /terminating connection due to administrator command/i,
];

/**
 * Whether an error (looking through drizzle's DrizzleQueryError and Node's AggregateError) means
 * the database cannot be reached right now: refused or dropped connections, a server shutting
 * down or starting up (57P0x), connection exceptions (class 08), pool timeouts. The HTTP layer
 * answers these 503 `database_unavailable`; the worker tries the job again on its next tick.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length) {
    const e = stack.pop();
    if (!e || typeof e !== 'object' || seen.has(e) || seen.size > 16) continue;
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_STATES.has(code) || code.startsWith('08') || UNAVAILABLE_ERRNOS.has(code))) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(message))) return true;
    stack.push((e as { cause?: unknown }).cause);
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner)) stack.push(...inner);
  }
  return false;
}

/** For logs: the driver's own message and code under drizzle's "Failed query" wrapper (no SQL parameters). */
export function dbErrorSummary(err: unknown): { message: string; code?: string } {
  let e: unknown = err;
  for (let i = 0; i < 4 && (e as { cause?: unknown })?.cause; i++) e = (e as { cause?: unknown }).cause;
  const code = (e as { code?: unknown })?.code;
  return { message: String((e as { message?: unknown })?.message ?? e), ...(typeof code === 'string' ? { code } : {}) };
}

export interface WaitLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/**
 * Waits until the database answers, trying again with backoff (0.5 s doubling to 30 s) and
 * logging each failure; returns false if `signal` aborts first (the process is shutting down).
 * Errors other than "unreachable" (a wrong password, a missing database) are logged the same way:
 * an operator may fix them without restarting.
 */
export async function waitForDatabase(database: Database, log: WaitLogger, signal?: AbortSignal): Promise<boolean> {
  let delay = 500;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) return false;
    try {
      await database.db.execute(sql`select 1`);
      if (attempt > 1) log.info({ attempt }, 'database reachable');
      return true;
    } catch (err) {
      log.warn({ err: dbErrorSummary(err), attempt, retryInMs: delay }, 'database not reachable; trying again');
    }
    if (signal?.aborted) return false;
    const aborted = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(false);
      }, delay);
      const onAbort = () => {
        clearTimeout(t);
        resolve(true);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (aborted) return false;
    delay = Math.min(delay * 2, 30_000);
  }
}

/**
 * Runs `fn`, and while it fails because the database is unreachable, again with backoff (0.25 s
 * doubling to 5 s) until `deadline` (epoch ms); then, or for any other error, throws. For writes
 * that record something already done outside the database (a text the provider accepted), where
 * giving up would mean doing it again.
 */
export async function retryWhileUnavailable<T>(fn: () => Promise<T>, deadline: number): Promise<T> {
  let delay = 250;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() + delay >= deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
