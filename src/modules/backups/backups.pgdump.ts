import { spawn } from 'node:child_process';
import { rename, rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { BackupError } from './backups.fns';

/** PostgreSQL backups go through its own tools: pg_dump's custom format, restored by pg_restore. */

const MISSING = (tool: string) =>
  `${basename(tool)} is not installed (or not on PATH). Install PostgreSQL's client tools, the same major version as the server or newer ` +
  `(Debian/Ubuntu: apt-get install postgresql-client), or back up with your database provider's snapshots.`;

function run(tool: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new BackupError(MISSING(tool)) : err));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new BackupError(`${tool} failed (exit ${code}): ${stderr.trim()}`))));
  });
}

/** pg_dump of the whole database (schema, data, migration history) to `file`, through `file.partial`. */
export async function pgDump(url: string, file: string, bin = 'pg_dump'): Promise<number> {
  const partial = `${file}.partial`;
  try {
    await run(bin, ['--format=custom', '--no-owner', '--no-privileges', `--file=${partial}`, `--dbname=${url}`]);
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
  return (await stat(file)).size;
}

/**
 * pg_restore into the database at `url` in one transaction. --clean drops what the dump recreates,
 * so a freshly migrated empty database (or, with --force, one with data) ends up exactly as dumped.
 */
export async function pgRestore(url: string, file: string, bin = 'pg_restore'): Promise<void> {
  await run(bin, ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${url}`, file]);
}
