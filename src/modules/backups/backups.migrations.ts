import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../db/client';
import { migrationsFolder } from '../../lib/paths';
import { BackupError } from './backups.fns';
import type { MigrationState } from './backups.sql';

interface Journal {
  entries: { tag: string; when: number }[];
}

/** How many of this release's migrations there are, and the journal time of the last. */
export function currentMigration(): MigrationState {
  const all = readMigrationFiles({ migrationsFolder: migrationsFolder() });
  return { count: all.length, last: String(all.at(-1)?.folderMillis ?? 0) };
}

/**
 * Applies this release's migrations up to `target` (a backup's), not beyond: the backup's rows then
 * fit the tables exactly, and the rest run afterwards as on any upgrade. Refuses a backup made by
 * a newer release (its migrations are not here).
 */
export async function migrateTo(database: Database, target: MigrationState): Promise<void> {
  const folder = migrationsFolder();
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as Journal;
  if (target.count === 0) return;
  const entry = journal.entries[target.count - 1];
  if (!entry || String(entry.when) !== target.last) {
    throw new BackupError(
      `the backup was made at migration ${target.count} (${target.last}), which this release does not have: restore it with the release that made it (or a newer one)`,
      'refused',
    );
  }
  const tmp = mkdtempSync(join(tmpdir(), 'hubkey-migrations-'));
  try {
    mkdirSync(join(tmp, 'meta'));
    const entries = journal.entries.slice(0, target.count);
    writeFileSync(join(tmp, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }));
    for (const e of entries) copyFileSync(join(folder, `${e.tag}.sql`), join(tmp, `${e.tag}.sql`));
    if (database.pool) await migratePg(drizzlePg(database.pool), { migrationsFolder: tmp });
    else await migratePglite(drizzlePglite(database.pglite!), { migrationsFolder: tmp });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
