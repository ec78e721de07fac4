import type { Database } from '../db/client';

// Job names map to advisory-lock keys in the second key space so they never meet the migration lock.
const LOCK_SPACE = 7270;

function keyOf(name: string): number {
  let h = 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/**
 * Runs fn while holding a session advisory lock named `name`; if another session holds it,
 * returns 'skipped' at once. On PostgreSQL the lock lives on a dedicated pooled connection.
 */
export async function withJobLock<T>(database: Database, name: string, fn: () => Promise<T>): Promise<T | 'skipped'> {
  const key = keyOf(name);
  if (database.pool) {
    const client = await database.pool.connect();
    try {
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_SPACE, key]);
      if (!r.rows[0].ok) return 'skipped';
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_SPACE, key]);
      }
    } finally {
      client.release();
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
