import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

/** Pure helpers of the backups module: file names, retention, the control socket's path. */

export type BackupKind = 'embedded' | 'postgres';

const EXT: Record<BackupKind, string> = { embedded: '.ndjson.gz', postgres: '.pgdump' };

/** `hubkey-2026-11-29T02-30-00Z.ndjson.gz`: sorts by time, and says which restore reads it. */
export function backupFileName(at: Date, kind: BackupKind): string {
  const stamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
  return `hubkey-${stamp}${EXT[kind]}`;
}

const NAME = /^hubkey-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z(\.ndjson\.gz|\.pgdump)$/;

/** The time and kind in a backup's file name, or undefined for any other file. */
export function parseBackupFileName(name: string): { at: Date; kind: BackupKind } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const at = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
  if (Number.isNaN(at.getTime())) return undefined;
  return { at, kind: m[5] === '.pgdump' ? 'postgres' : 'embedded' };
}

/** Which backups to delete so the newest `keep` remain; files that are not backups are never touched. */
export function backupsToPrune(names: string[], keep: number): string[] {
  const backups = names
    .map((name) => ({ name, parsed: parseBackupFileName(name) }))
    .filter((b) => b.parsed)
    .sort((a, b) => b.parsed!.at.getTime() - a.parsed!.at.getTime() || (a.name < b.name ? 1 : -1));
  return backups.slice(Math.max(0, keep)).map((b) => b.name);
}

/**
 * The running embedded server's control socket: in DATA_DIR (whose permissions guard it), or in the
 * temporary directory when that path is too long for a Unix socket (about 107 bytes).
 */
export function controlSocketPath(dataDir: string): string {
  const inDir = join(resolve(dataDir), 'hubkey.sock');
  if (Buffer.byteLength(inDir) <= 100) return inDir;
  return join(tmpdir(), `hubkey-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16)}.sock`);
}

/** Bytes as a person reads them. */
export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export class BackupError extends Error {
  constructor(
    message: string,
    /** refused: the target has data, is newer than the backup, or a server holds it (exit code 2). */
    readonly kind: 'refused' | 'failed' = 'failed',
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

/** How the backup scripts end on an error: the message alone for what the operator must change (exit 2), the stack otherwise. */
export function cliFailure(err: unknown): void {
  if (err instanceof BackupError) {
    console.error(err.message);
    process.exitCode = err.kind === 'refused' ? 2 : 1;
  } else {
    console.error(err);
    process.exitCode = 1;
  }
}
