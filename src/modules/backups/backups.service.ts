import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Database } from '../../db/client';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { BackupError, backupFileName, backupsToPrune, parseBackupFileName } from './backups.fns';
import { loadLogicalBackup, writeLogicalBackup } from './backups.logical';
import { pgDump, pgRestore } from './backups.pgdump';
import { anyRows, inTransaction, tablesInLoadOrder } from './backups.sql';

export interface BackupResult {
  file: string;
  bytes: number;
  ms: number;
  kind: 'embedded' | 'postgres';
  /** Rows written (the embedded format counts them; pg_dump does not say). */
  rows?: number;
}

export interface BackupDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  dir: string;
  keep: number;
  /** Every hub's id, to tell each hub's staff when the nightly backup fails. */
  hubIds(): Promise<string[]>;
  alertStaff(hubId: string, body: string, dedupeKey: string): Promise<number>;
  /** pg_dump and pg_restore as found on PATH, unless given. */
  pgTools?: { dump: string; restore: string };
}

/** pg_dump's custom format starts with these bytes. */
async function isPgDump(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(5);
    await fh.read(buf, 0, 5, 0);
    return buf.toString('latin1') === 'PGDMP';
  } finally {
    await fh.close();
  }
}

/**
 * Backups of the whole database: the embedded one in Hubkey's own logical format (consistent while
 * the server runs), PostgreSQL through pg_dump. Restores go into an empty database unless forced.
 */
export function createBackupService(deps: BackupDeps) {
  const { database, clock, logger } = deps;

  async function backup(dir: string = deps.dir): Promise<BackupResult> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const started = performance.now();
    const at = clock.now();
    const kind = database.kind === 'postgres' ? 'postgres' : 'embedded';
    const file = resolve(join(dir, backupFileName(at, kind)));
    if (existsSync(file)) throw new BackupError(`${file} already exists (one backup per second)`, 'refused');
    if (database.kind === 'postgres') {
      const bytes = await pgDump(database.url!, file, deps.pgTools?.dump);
      return { file, bytes, ms: Math.round(performance.now() - started), kind };
    }
    const { header, bytes } = await writeLogicalBackup(database, file, at);
    return { file, bytes, ms: Math.round(performance.now() - started), kind, rows: header.tables.reduce((n, t) => n + t.rows, 0) };
  }

  /** Deletes all but the newest `keep` backups in `dir`; returns the names deleted. */
  async function prune(dir: string = deps.dir, keep: number = deps.keep): Promise<string[]> {
    const doomed = backupsToPrune(await readdir(dir), keep);
    for (const name of doomed) await rm(join(dir, name), { force: true });
    return doomed;
  }

  /**
   * Restores a backup into this database. Refuses one with data unless `force`; a pg_dump file
   * restores into PostgreSQL only; either database reads the embedded format. Migrates to this
   * release afterwards.
   */
  async function restore(file: string, opts: { force?: boolean } = {}): Promise<{ ms: number; format: 'pg_dump' | 'hubkey' }> {
    const started = performance.now();
    if (!existsSync(file)) throw new BackupError(`${file}: no such file`);
    if (await isPgDump(file)) {
      if (database.kind !== 'postgres') throw new BackupError('a pg_dump backup restores into PostgreSQL only: set DATABASE_URL to an empty database', 'refused');
      const hasData = await inTransaction(database, 'write', async (q) => anyRows(q, await tablesInLoadOrder(q)));
      if (hasData && !opts.force) throw new BackupError('the database already has data; restore refused (add --force to replace everything in it)', 'refused');
      await pgRestore(database.url!, file, deps.pgTools?.restore);
      await database.migrate();
      await endOtherSessions(database);
      return { ms: Math.round(performance.now() - started), format: 'pg_dump' };
    }
    await loadLogicalBackup(database, file, opts);
    await database.migrate();
    return { ms: Math.round(performance.now() - started), format: 'hubkey' };
  }

  /**
   * pg_restore recreated the tables and their enum types, so every other session of this database
   * (this process's pools, a running API or worker) holds prepared plans and type ids of objects
   * that are gone: their next prepared statement would fail with "cached plan must not change
   * result type". Ending those sessions makes each pool reconnect on its next query. This session
   * is discarded too, for the same reason.
   */
  async function endOtherSessions(db: Database): Promise<void> {
    const client = await db.pool!.connect();
    try {
      const ended = await client.query<{ pid: number }>(
        // The sessions are chosen first (OFFSET 0 keeps the subquery apart), so this one is never ended.
        'SELECT pid FROM (SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() OFFSET 0) s WHERE pg_terminate_backend(pid)',
      );
      const pids = ended.rows.map((r) => r.pid);
      // Wait until they are gone, and give this process's pools a moment to see their idle clients
      // close (so none is handed out dead); a client in use sees the error and its pool drops it.
      for (let i = 0; i < 100 && pids.length; i++) {
        const left = await client.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids]);
        if (!left.rowCount) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.release(true);
    }
  }

  /** The newest backup file in `dir`, if any. */
  async function newest(dir: string): Promise<string | undefined> {
    const names = existsSync(dir) ? await readdir(dir) : [];
    return names
      .filter((n) => parseBackupFileName(n))
      .sort()
      .at(-1);
  }

  /**
   * Worker job (embedded database only; PostgreSQL is backed up by its own tooling): a backup,
   * then the oldest beyond BACKUP_KEEP are deleted. A failure texts every hub's staff once until a
   * backup succeeds again (the alert's key names the last good backup), and is thrown to the log.
   */
  async function nightly(): Promise<number> {
    if (database.kind !== 'pglite') return 0;
    try {
      const r = await backup();
      const pruned = await prune();
      logger.info({ file: r.file, bytes: r.bytes, ms: r.ms, pruned: pruned.length }, 'backup written');
      return 1;
    } catch (err) {
      const lastGood = (await newest(deps.dir).catch(() => undefined)) ?? 'none';
      const body = `Hubkey: tonight's backup failed (${String((err as Error).message ?? err).slice(0, 80)}). The last good one is ${lastGood}. Check the server's disk and logs.`;
      for (const hubId of await deps.hubIds()) await deps.alertStaff(hubId, body, `backup-failed:${lastGood}`);
      throw err;
    }
  }

  return { backup, prune, restore, nightly, dir: deps.dir, keep: deps.keep };
}
export type BackupService = ReturnType<typeof createBackupService>;
