import { sql } from 'drizzle-orm';
import { Client } from 'pg';
import { type Database, isDatabaseUnavailable, openDatabase } from '../../../src/db/client';
import { withJobLock } from '../../../src/worker/lock';
import { openTestDatabase } from '../../helpers/app';

/**
 * A connection that PostgreSQL drops while a client holds it (a drizzle transaction, a job's
 * lock) fails that work with a "database unavailable" error and never crashes the process: before,
 * the client's 'error' event had no listener and took node down. `pg_terminate_backend` sends the
 * same 57P01 that `pg_ctl restart -m fast` does.
 */
let database: Database;
let admin: Client;

beforeAll(async () => {
  const first = await openTestDatabase();
  // One connection for requests: a job's lock must not need it.
  database = await openDatabase({ url: first.url, poolMax: 1, lockPoolMax: 2 });
  await first.close();
  admin = new Client({ connectionString: database.url });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await database.close();
});

const pidOf = async (run: (q: string) => Promise<{ rows: Record<string, unknown>[] }>) => Number((await run('select pg_backend_pid() as pid')).rows[0].pid);
const terminate = (pid: number) => admin.query('select pg_terminate_backend($1)', [pid]);
/** Waits until the server has no backend with this pid any more. */
async function gone(pid: number) {
  for (;;) {
    const r = await admin.query('select 1 from pg_stat_activity where pid = $1', [pid]);
    if (r.rowCount === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a connection dropped while checked out', () => {
  it('fails the transaction holding it; the process lives and the pool serves the next query', async () => {
    const work = database.db.transaction(async (tx) => {
      const pid = Number(((await tx.execute(sql`select pg_backend_pid() as pid`)) as unknown as { rows: { pid: number }[] }).rows[0].pid);
      await terminate(pid);
      await gone(pid);
      // The client is idle inside the transaction when the server drops it: the 'error' event fires with no query to fail.
      await new Promise((r) => setTimeout(r, 50));
      await tx.execute(sql`select 1`);
    });
    const err = await work.then(() => undefined, (e: unknown) => e);
    expect(err).toBeDefined();
    expect(isDatabaseUnavailable(err)).toBe(true);
    const r = (await database.db.execute(sql`select 41 + 1 as n`)) as unknown as { rows: { n: number }[] };
    expect(r.rows[0].n).toBe(42);
  });

  it('fails a plain pool client dropped between queries, and the pool replaces it', async () => {
    const client = await database.pool!.connect();
    const pid = await pidOf((q) => client.query(q));
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    await terminate(pid);
    await ended;
    const err = await client.query('select 1').then(() => undefined, (e: unknown) => e);
    expect(isDatabaseUnavailable(err)).toBe(true);
    client.release(err as Error);
    expect((await database.pool!.query('select 1 as ok')).rows[0].ok).toBe(1);
  });
});

describe('job locks', () => {
  const lockHolders = async () =>
    (await admin.query<{ pid: number; state: string }>(`select l.pid, a.state from pg_locks l join pg_stat_activity a using (pid) where l.locktype = 'advisory' and l.classid = 7270 and a.datname = current_database()`)).rows;

  it('hold a transaction-level lock on the lock pool, so a job never takes the requests\' connection', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const started = new Promise<void>((r) => (inside = r));
    let during: { holders: { pid: number; state: string }[]; query: number } | undefined;
    const job = withJobLock(database, 'test.xact-lock', async () => {
      // The main pool has one connection, and the lock does not use it.
      const r = (await database.db.execute(sql`select 7 as n`)) as unknown as { rows: { n: number }[] };
      during = { holders: await lockHolders(), query: r.rows[0].n };
      inside();
      await gate;
      return 1;
    });
    await started;
    expect(await withJobLock(database, 'test.xact-lock', async () => 2)).toBe('skipped');
    release();
    expect(await job).toBe(1);
    expect(during?.query).toBe(7);
    expect(during?.holders).toHaveLength(1);
    expect(during?.holders[0].state).toBe('idle in transaction');
    // COMMIT let it go.
    expect(await lockHolders()).toEqual([]);
    expect(await withJobLock(database, 'test.xact-lock', async () => 3)).toBe(3);
  });

  it('keep the job\'s result when the lock\'s connection drops mid-job, and the lock is free again', async () => {
    const result = await withJobLock(database, 'test.lost-lock', async () => {
      const [holder] = await lockHolders();
      await terminate(holder.pid);
      await gone(holder.pid);
      await new Promise((r) => setTimeout(r, 50));
      return 'done';
    });
    expect(result).toBe('done');
    expect(await withJobLock(database, 'test.lost-lock', async () => 'again')).toBe('again');
  });

  it('fail (not crash) when the job itself fails, and let the lock go', async () => {
    await expect(withJobLock(database, 'test.failing', async () => Promise.reject(new Error('job broke')))).rejects.toThrow('job broke');
    expect(await lockHolders()).toEqual([]);
  });
});
