import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PostgreSQL 15's programs (Debian's layout); PG_BIN overrides. */
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A free TCP port on 127.0.0.1 (the OS picks one; it is free the moment this returns). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface PrivateCluster {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/<name> */
  urlFor(database: string): string;
  /** `pg_ctl restart -m fast`: every connection is terminated (57P01), the server comes back. */
  restartFast(): Promise<void>;
  /** `pg_ctl stop -m fast`. */
  stop(): Promise<void>;
  /** `pg_ctl start`, waiting until it accepts connections. */
  start(): Promise<void>;
  /** The server's log, for a failure message. */
  log(): string;
  /** Stops the server (immediate) and deletes its folder. */
  destroy(): void;
}

/**
 * A PostgreSQL cluster of this test's own: initdb into a temporary folder, pg_ctl on a free port,
 * trust authentication on 127.0.0.1 only. As root, PostgreSQL's programs run as the `postgres`
 * user (initdb refuses root), which then owns the folder.
 */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hubkey-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const command = (program: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(BIN, program), ...args]] : [join(BIN, program), args];
  const run = (program: string, args: string[]) => {
    const [cmd, argv] = command(program, args);
    execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  };
  // Asynchronous, so the test's own load keeps going while the server restarts.
  const runAsync = async (program: string, args: string[]) => {
    const [cmd, argv] = command(program, args);
    await promisify(execFile)(cmd, argv, { timeout: 60_000 });
  };
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const ctlArgs = (...args: string[]) => ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '60', ...args];
  run('pg_ctl', ctlArgs('start'));
  return {
    port,
    urlFor: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    restartFast: () => runAsync('pg_ctl', ctlArgs('restart', '-m', 'fast')),
    stop: () => runAsync('pg_ctl', ctlArgs('stop', '-m', 'fast')),
    start: () => runAsync('pg_ctl', ctlArgs('start')),
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    destroy: () => {
      try {
        run('pg_ctl', ctlArgs('stop', '-m', 'immediate'));
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
