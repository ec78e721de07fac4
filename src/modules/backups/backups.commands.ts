import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../../config/env';
import { type Database, openDatabase } from '../../db/client';
import { systemClock } from '../../lib/clock';
import { silentLogger } from '../../lib/logger';
import { askControl, assertDataDirFree, startControl } from './backups.control';
import { BackupError, humanBytes } from './backups.fns';
import { prepareSchema } from './backups.logical';
import { currentMigration } from './backups.migrations';
import { type BackupResult, createBackupService } from './backups.service';
import { type TableSum, anyRows, inTransaction, insertRows, migrationState, tableRows, tableSums, tablesInLoadOrder, withUserTriggersOff } from './backups.sql';

/**
 * The commands behind `npm run backup`, `npm run restore` and `npm run move-to-postgres`. They
 * print through `out` and throw BackupError (kind `refused`: exit code 2) for what the operator
 * must change.
 */
type Out = (line: string) => void;

const KEY_NOTE = 'Door codes in it stay encrypted with ACCESS_CODE_KEY: keep that key, but never in the same place as the backups.';

/** True when DATA_DIR holds an embedded database (PostgreSQL writes PG_VERSION at initdb). */
export const embeddedExists = (dataDir: string) => existsSync(join(dataDir, 'PG_VERSION'));

/**
 * Opens the embedded database for a command, holding DATA_DIR's control socket meanwhile, so a
 * server cannot start on it and the command refuses while one runs.
 */
async function withEmbedded<T>(config: Config, what: string, fn: (database: Database) => Promise<T>): Promise<T> {
  const dataDir = config.database.dataDir;
  await assertDataDirFree(dataDir, 'running this command');
  const database = await openDatabase({ dataDir });
  try {
    const control = await startControl(
      dataDir,
      async () => {
        throw new BackupError(`busy: ${what}`);
      },
      silentLogger,
    );
    try {
      return await fn(database);
    } finally {
      await control.close();
    }
  } finally {
    await database.close();
  }
}

function serviceFor(config: Config, database: Database) {
  return createBackupService({
    database,
    clock: systemClock,
    logger: silentLogger,
    dir: config.backups.dir,
    keep: config.backups.keep,
    hubIds: async () => [],
    alertStaff: async () => 0,
  });
}

function describe(r: BackupResult): string {
  const rows = r.rows === undefined ? '' : `, ${r.rows.toLocaleString('en-GB')} rows`;
  return `Backup written: ${r.file} (${humanBytes(r.bytes)}${rows}, ${(r.ms / 1000).toFixed(1)} s).`;
}

/** npm run backup: PostgreSQL through pg_dump; embedded through the running server when there is one. */
export async function backupCommand(config: Config, out: Out): Promise<BackupResult> {
  const dir = resolve(config.backups.dir);
  let result: BackupResult;
  if (!config.database.embedded) {
    const database = await openDatabase({ url: config.database.url, poolMax: 2 });
    try {
      result = await serviceFor(config, database).backup(dir);
    } finally {
      await database.close();
    }
  } else {
    const answer = await askControl(config.database.dataDir, { op: 'backup', dir });
    if (answer) {
      if (!answer.ok) throw new BackupError(`the running server could not back up: ${answer.error}`);
      result = answer.result!;
    } else {
      if (!embeddedExists(config.database.dataDir)) throw new BackupError(`no embedded database in ${resolve(config.database.dataDir)} (DATA_DIR)`);
      result = await withEmbedded(config, 'a backup is being written', (database) => serviceFor(config, database).backup(dir));
    }
  }
  out(describe(result));
  out(KEY_NOTE);
  return result;
}

/** npm run restore -- FILE [--force]: into an empty database (or, forced, one with data), checked, then migrated to this release. */
export async function restoreCommand(config: Config, file: string, opts: { force?: boolean }, out: Out): Promise<void> {
  const path = resolve(file);
  if (!existsSync(path)) throw new BackupError(`${path}: no such file`);
  const run = async (database: Database) => {
    const r = await serviceFor(config, database).restore(path, opts);
    out(`Restored ${path} (${r.format === 'pg_dump' ? 'pg_dump' : 'Hubkey backup, every table checked'}) in ${(r.ms / 1000).toFixed(1)} s, and migrated to this release.`);
  };
  if (!config.database.embedded) {
    const database = await openDatabase({ url: config.database.url, poolMax: 2 });
    try {
      await run(database);
    } finally {
      await database.close();
    }
    return;
  }
  await withEmbedded(config, 'a restore is running', run);
}

export interface MoveReport {
  tables: (TableSum & { ok: boolean })[];
  ms: number;
}

/**
 * npm run move-to-postgres -- --to URL: copies the embedded database (the server stopped) into an
 * empty PostgreSQL database in one transaction, checks every table's row count and checksum on
 * both sides, and commits only when all match.
 */
export async function moveToPostgres(config: Config, to: string, out: Out): Promise<MoveReport> {
  if (!/^postgres(ql)?:\/\//.test(to)) throw new BackupError('--to must be a postgres:// URL', 'refused');
  if (!config.database.embedded) throw new BackupError('DATABASE_URL is set: this command copies the embedded database in DATA_DIR; unset DATABASE_URL to run it', 'refused');
  if (!embeddedExists(config.database.dataDir)) throw new BackupError(`no embedded database in ${resolve(config.database.dataDir)} (DATA_DIR)`, 'refused');
  const started = performance.now();
  return withEmbedded(config, 'the database is being moved to PostgreSQL', async (source) => {
    const target = await openDatabase({ url: to, poolMax: 2 });
    try {
      const from = await inTransaction(source, 'snapshot', migrationState);
      const release = currentMigration();
      if (from.count > release.count) throw new BackupError(`the embedded database is at migration ${from.count}, newer than this release's ${release.count}`, 'refused');
      const at = await inTransaction(target, 'write', migrationState);
      if (at.count === 0) await prepareSchema(target, from);
      else if (at.count !== from.count || at.last !== from.last) {
        throw new BackupError(
          `the PostgreSQL database is at migration ${at.count}, the embedded one at ${from.count}: start and stop the server once on this release (it migrates the embedded database), or use a new PostgreSQL database`,
          'refused',
        );
      }
      const tables = await inTransaction(source, 'snapshot', async (src) => {
        return inTransaction(target, 'write', async (dst) => {
          const names = await tablesInLoadOrder(src);
          const targetNames = await tablesInLoadOrder(dst);
          const missing = names.filter((n) => !targetNames.includes(n));
          if (missing.length) throw new BackupError(`the PostgreSQL database lacks tables: ${missing.join(', ')}`, 'refused');
          if (await anyRows(dst, targetNames)) throw new BackupError('the PostgreSQL database already has data; it must be empty', 'refused');
          await withUserTriggersOff(dst, names, async () => {
            for (const name of names) {
              for await (const rows of tableRows(src, name)) await insertRows(dst, name, rows);
            }
          });
          const want = await tableSums(src, names);
          const got = await tableSums(dst, names);
          const checked = want.map((w, i) => ({ ...w, ok: got[i].rows === w.rows && got[i].checksum === w.checksum }));
          for (const t of checked) out(`  ${t.name.padEnd(28)} ${String(t.rows).padStart(9)} rows  ${t.ok ? 'checksum matches' : `DIFFERS (PostgreSQL has ${got.find((g) => g.name === t.name)!.rows})`}`);
          const bad = checked.filter((t) => !t.ok);
          if (bad.length) throw new BackupError(`copied rows differ in ${bad.map((b) => b.name).join(', ')}; nothing was committed to PostgreSQL`);
          return checked;
        });
      });
      await target.migrate();
      const ms = Math.round(performance.now() - started);
      const total = tables.reduce((n, t) => n + t.rows, 0);
      out(`Copied ${tables.length} tables, ${total.toLocaleString('en-GB')} rows, into PostgreSQL in ${(ms / 1000).toFixed(1)} s; every table's row count and checksum match.`);
      out('');
      out('Next, in the service environment (e.g. /etc/hubkey/hubkey.env):');
      out(`  1. Set DATABASE_URL=${redact(to)} (with its password). Hubkey then ignores DATA_DIR.`);
      out('  2. Keep JWT_SECRET and ACCESS_CODE_KEY exactly as they are: door codes were copied encrypted with that key.');
      if (config.jwt.generated) out('     They are NOT set now (development secrets derived from DATA_DIR): set both before the move, or codes and sessions will not survive it.');
      out('  3. Back PostgreSQL up with `npm run backup` (pg_dump) from cron or with your provider; the nightly job backs up the embedded database only.');
      out('  4. Before every upgrade now run `npm run migrate` (with PostgreSQL the server does not migrate at start).');
      out('  5. Restart Hubkey. Keep DATA_DIR and a last backup of it until you are sure, then remove them.');
      return { tables, ms };
    } finally {
      await target.close();
    }
  });
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
