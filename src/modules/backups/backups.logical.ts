import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { Database } from '../../db/client';
import { BackupError } from './backups.fns';
import { migrateTo } from './backups.migrations';
import {
  type MigrationState,
  type Sql,
  type TableSum,
  anyRows,
  ident,
  inTransaction,
  insertRows,
  migrationState,
  tableRows,
  tableSums,
  withUserTriggersOff,
  tablesInLoadOrder,
} from './backups.sql';

/**
 * Hubkey's own logical backup: gzip'd JSON lines. A header (the migration the schema was at, and
 * every table's row count and checksum), then each table's rows as PostgreSQL prints them with
 * row_to_json, parents before children, then an end line. Written from one snapshot through the
 * app's own connection, so it works while the embedded server runs; readable by either database.
 * Column values are copied as stored: door codes stay encrypted with ACCESS_CODE_KEY.
 */
export interface BackupHeader {
  format: 'hubkey-backup';
  version: 1;
  createdAt: string;
  source: Database['kind'];
  migrations: MigrationState;
  tables: TableSum[];
}

const ROWS_PER_INSERT = 500;

/** Writes a consistent backup of the whole database to `file` (through `file.partial`, renamed when complete). */
export async function writeLogicalBackup(database: Database, file: string, createdAt: Date): Promise<{ header: BackupHeader; bytes: number }> {
  const partial = `${file}.partial`;
  const gzip = createGzip();
  const written = pipeline(gzip, createWriteStream(partial, { mode: 0o600 }));
  const write = async (chunk: string) => {
    if (!gzip.write(chunk)) await once(gzip, 'drain');
  };
  try {
    const header = await inTransaction(database, 'snapshot', async (q) => {
      const tables = await tablesInLoadOrder(q);
      const header: BackupHeader = {
        format: 'hubkey-backup',
        version: 1,
        createdAt: createdAt.toISOString(),
        source: database.kind,
        migrations: await migrationState(q),
        tables: await tableSums(q, tables, true),
      };
      await write(JSON.stringify(header) + '\n');
      for (const table of tables) {
        await write(JSON.stringify({ table }) + '\n');
        for await (const rows of tableRows(q, table, { forBackup: true })) {
          // row_to_json escapes newlines inside strings and jsonb prints on one line; a row never spans lines.
          if (rows.some((r) => r.includes('\n'))) throw new BackupError(`a row of ${table} printed across lines; backup stopped`);
          await write(rows.join('\n') + '\n');
        }
      }
      await write(JSON.stringify({ end: true }) + '\n');
      return header;
    });
    gzip.end();
    await written;
    await rename(partial, file);
    return { header, bytes: (await stat(file)).size };
  } catch (err) {
    gzip.destroy();
    await written.catch(() => undefined);
    await rm(partial, { force: true });
    throw err;
  }
}

function lines(file: string) {
  const input = createReadStream(file).pipe(createGunzip());
  return { rl: createInterface({ input, crlfDelay: Infinity }), input };
}

/** The header of a backup file, or a BackupError saying why it is not one. */
export async function readBackupHeader(file: string): Promise<BackupHeader> {
  const { rl, input } = lines(file);
  try {
    for await (const line of rl) {
      const h = JSON.parse(line) as BackupHeader;
      if (h.format !== 'hubkey-backup' || h.version !== 1) throw new BackupError(`${file} is not a Hubkey backup`);
      return h;
    }
    throw new BackupError(`${file} is empty`);
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(`${file} is not a Hubkey backup (${(err as Error).message})`);
  } finally {
    rl.close();
    input.destroy();
  }
}

/**
 * Brings a database to the backup's migration (refusing one that is already past it), so its
 * columns are the backup's. Returns the database's state afterwards.
 */
export async function prepareSchema(database: Database, target: MigrationState): Promise<void> {
  const now = await inTransaction(database, 'write', migrationState);
  if (now.count > target.count) {
    throw new BackupError(
      `the database is at migration ${now.count}, newer than the backup's ${target.count}: restore into a new, empty database (a new DATA_DIR, or a new PostgreSQL database)`,
      'refused',
    );
  }
  await migrateTo(database, target);
}

/**
 * Loads a logical backup into a database at the backup's migration, in one transaction: refuses a
 * database with data unless `force` (then empties every table first), checks every table's row
 * count and checksum against the header before committing.
 */
export async function loadLogicalBackup(database: Database, file: string, opts: { force?: boolean } = {}): Promise<BackupHeader> {
  const header = await readBackupHeader(file);
  await prepareSchema(database, header.migrations);
  await inTransaction(database, 'write', async (q) => {
    const tables = await tablesInLoadOrder(q);
    const expected = header.tables.map((t) => t.name);
    const missing = expected.filter((t) => !tables.includes(t));
    if (missing.length) throw new BackupError(`the database lacks the backup's tables: ${missing.join(', ')}`);
    if (await anyRows(q, tables)) {
      if (!opts.force) throw new BackupError('the database already has data; restore refused (add --force to replace everything in it)', 'refused');
      await q.query(`TRUNCATE ${tables.map(ident).join(', ')} CASCADE`);
    }
    await withUserTriggersOff(q, tables, () => streamRowsInto(q, file));
    const sums = await tableSums(q, expected);
    const bad = sums.filter((s, i) => s.rows !== header.tables[i].rows || s.checksum !== header.tables[i].checksum);
    if (bad.length) throw new BackupError(`restored rows differ from the backup in: ${bad.map((b) => b.name).join(', ')}; nothing was restored`);
  });
  return header;
}

async function streamRowsInto(q: Sql, file: string): Promise<void> {
  const { rl, input } = lines(file);
  let table: string | undefined;
  let batch: string[] = [];
  let first = true;
  let ended = false;
  const flush = async () => {
    if (table && batch.length) await insertRows(q, table, batch);
    batch = [];
  };
  try {
    for await (const line of rl) {
      if (first) {
        first = false;
        continue;
      }
      if (line.startsWith('{"table":')) {
        await flush();
        table = (JSON.parse(line) as { table: string }).table;
      } else if (line === '{"end":true}') {
        await flush();
        ended = true;
      } else if (line !== '') {
        if (!table || ended) throw new BackupError(`${file} is damaged: a row outside any table`);
        batch.push(line);
        if (batch.length >= ROWS_PER_INSERT) await flush();
      }
    }
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(`${file} could not be read: ${(err as Error).message}`);
  } finally {
    rl.close();
    input.destroy();
  }
  if (!ended) throw new BackupError(`${file} is incomplete (no end mark): it was cut short while being written or copied`);
}
