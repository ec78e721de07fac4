import { chmodSync, existsSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Logger } from '../../lib/logger';
import { BackupError, controlSocketPath } from './backups.fns';
import type { BackupResult } from './backups.service';

/**
 * The embedded database lives in one process; a second process must never open its DATA_DIR. The
 * process that has it open listens on a Unix socket in DATA_DIR (guarded by the directory's
 * permissions): `npm run backup` asks it for a backup there, and the other commands (restore,
 * move-to-postgres, another server) see it is taken and refuse.
 */
export interface ControlRequest {
  op: 'backup' | 'ping';
  /** Where to write the backup (the asking command's BACKUP_DIR). */
  dir?: string;
}
export type ControlResponse = { ok: true; result?: BackupResult } | { ok: false; error: string };

/** Asks the process holding DATA_DIR; undefined when none does (no socket, or a stale one). */
export function askControl(dataDir: string, req: ControlRequest, timeoutMs = 10 * 60_000): Promise<ControlResponse | undefined> {
  const path = controlSocketPath(dataDir);
  if (!existsSync(path)) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new BackupError(`the server on ${dataDir} did not answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('data', (d) => (data += d.toString()));
    sock.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(data) as ControlResponse);
      } catch {
        reject(new BackupError(`the server on ${dataDir} gave an unreadable answer`));
      }
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') resolve(undefined);
      else reject(err);
    });
  });
}

/** Throws (kind refused) when a running process holds DATA_DIR. */
export async function assertDataDirFree(dataDir: string, what: string): Promise<void> {
  if (await askControl(dataDir, { op: 'ping' }, 5000)) {
    throw new BackupError(`a Hubkey server is running on ${dataDir}; stop it before ${what}`, 'refused');
  }
}

/** Listens on DATA_DIR's control socket until close(). */
export async function startControl(dataDir: string, backup: (dir?: string) => Promise<BackupResult>, logger: Logger): Promise<{ close(): Promise<void> }> {
  await assertDataDirFree(dataDir, 'starting another process on it');
  const path = controlSocketPath(dataDir);
  rmSync(path, { force: true }); // a stale socket from a process that was killed
  const server = createServer((sock) => {
    let buf = '';
    sock.on('error', () => undefined);
    sock.on('data', (d) => {
      buf += d.toString();
      if (!buf.includes('\n')) return;
      let req: ControlRequest;
      try {
        req = JSON.parse(buf.slice(0, buf.indexOf('\n'))) as ControlRequest;
      } catch {
        sock.end(JSON.stringify({ ok: false, error: 'bad request' }));
        return;
      }
      if (req.op !== 'backup') {
        sock.end(JSON.stringify({ ok: true }));
        return;
      }
      backup(req.dir)
        .then((result) => {
          logger.info({ file: result.file, bytes: result.bytes, ms: result.ms }, 'backup written on request');
          sock.end(JSON.stringify({ ok: true, result }));
        })
        .catch((err: Error) => {
          logger.error({ err }, 'backup on request failed');
          sock.end(JSON.stringify({ ok: false, error: err.message }));
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(path, { force: true });
      }),
  };
}
