import type { Database } from '../db/client';

// Job names map to advisory-lock keys in the second key space so they never meet the migration lock.
const LOCK_SPACE = 7270;

function keyOf(name: string): number {
  let h = 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/**
 * Runs fn while holding the advisory lock named `name`; if another worker holds it, returns
 * 'skipped' at once.
 *
 * On PostgreSQL the lock is transaction-level (`pg_try_advisory_xact_lock`) in a transaction
 * opened on the database's small lock pool and kept open while fn runs; fn's own queries use the
 * main pool. So a running job never holds a connection of the pool that serves requests, the lock
 * is let go by COMMIT (or by the server when the connection dies: no lock outlives its holder),
 * and it works behind PgBouncer in transaction pooling, where a session-level lock could be left
 * on a server connection another client then gets. If the lock's connection drops while fn runs
 * (the server restarted), fn's result still stands: the jobs are idempotent, and the lock only
 * keeps two workers from doing the same work at once.
 */
export async function withJobLock<T>(database: Database, name: string, fn: () => Promise<T>): Promise<T | 'skipped'> {
  const key = keyOf(name);
  if (database.lockPool) {
    const client = await database.lockPool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, $2) AS ok', [LOCK_SPACE, key]);
      if (!r.rows[0].ok) {
        await client.query('ROLLBACK');
        return 'skipped';
      }
      const result = await fn();
      try {
        await client.query('COMMIT');
      } catch (err) {
        // The lock's connection died while fn ran; the server already let the lock go.
        broken = err as Error;
      }
      return result;
    } catch (err) {
      // fn failed (or the lock's own queries did): let the lock go; a client that cannot is dropped.
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        broken = rollbackErr;
      });
      throw err;
    } finally {
      // A client whose connection failed is dropped, not put back in the pool.
      client.release(broken);
    }
  }
  // PGlite: one connection in this process; an in-process guard does the same job.
  if (running.has(name)) return 'skipped';
  running.add(name);
  try {
    return await fn();
  } finally {
    running.delete(name);
  }
}
const running = new Set<string>();
