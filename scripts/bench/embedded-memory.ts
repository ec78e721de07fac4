/**
 * The embedded (PGlite) server's resident memory, measured the way it runs on one box: the real
 * server process, started as `npm start` starts it, on a fresh DATA_DIR with the demo network, after
 * start and after a burst of requests. Linux only (reads /proc); elsewhere it says so.
 */
import autocannon from 'autocannon';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMBEDDED_SETTINGS } from '../../src/db/embedded';
import { packageRoot } from '../../src/lib/paths';

const mb = (kb: number) => Math.round(kb / 1024);

function status(pid: number): { rss: number; peak: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: mb(field('VmRSS')), peak: mb(field('VmHWM')) };
}

async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  return port;
}

/** `npm start`'s command line (node, its memory flags, the server), run without npm in between. */
function startCommand(): string[] {
  const script = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const [bin, ...args] = script.split(/\s+/);
  if (bin !== 'node') throw new Error(`npm start runs ${bin}, not node: update scripts/bench/embedded-memory.ts`);
  return args;
}

async function start(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, startCommand(), {
    cwd: packageRoot(),
    env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'development' },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the embedded server exited (${child.exitCode})`);
    if ((await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.status, () => 0)) === 200) return child;
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error('the embedded server did not become ready in 120 s');
}

async function stop(child: ChildProcess) {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

export interface EmbeddedMemory {
  afterStart: number;
  afterBurst: number;
  peak: number;
  requests: number;
  settings: string;
  flags: string;
}

/** Starts the server twice (the first start seeds), measures the second after start and after `seconds` of load. */
export async function measureEmbeddedMemory(seconds = 10, connections = 10): Promise<EmbeddedMemory | string> {
  if (!existsSync('/proc/self/status')) return 'Embedded server memory: not measured (needs Linux /proc)';
  const dataDir = mkdtempSync(join(tmpdir(), 'hubkey-bench-embedded-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  try {
    await stop(await start(dataDir, port));
    const child = await start(dataDir, port);
    try {
      await new Promise((r) => setTimeout(r, 2000));
      const afterStart = status(child.pid!).rss;
      const login = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'staff@example.org', password: 'hubkey-demo' }) });
      const token = ((await login.json()) as { token: string }).token;
      const hubs = ((await (await fetch(`${url}/hubs`)).json()) as { items: { id: string }[] }).items;
      const rooms = ((await (await fetch(`${url}/hubs/${hubs[0].id}/rooms`)).json()) as { items: { id: string }[] }).items;
      const day = new Date(Date.now() + 7 * 86400_000).toISOString().slice(0, 10);
      const headers = { authorization: `Bearer ${token}` };
      let requests = 0;
      for (const path of [
        `/search/rooms?startsAt=${day}T10:00:00Z&endsAt=${day}T12:00:00Z`,
        `/rooms/${rooms[0].id}/availability?from=${day}T00:00:00Z&to=${day}T23:59:00Z`,
        `/bookings?hubId=${hubs[0].id}`,
        '/me',
      ]) {
        const r = await autocannon({ url: url + path, headers, connections, duration: Math.max(1, Math.round(seconds / 4)) });
        requests += r.requests.total;
      }
      const after = status(child.pid!);
      return { afterStart, afterBurst: after.rss, peak: after.peak, requests, settings: EMBEDDED_SETTINGS.join(', '), flags: startCommand().filter((a) => a.startsWith('--max')).join(' ') };
    } finally {
      await stop(child);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function describeEmbeddedMemory(m: EmbeddedMemory | string): string {
  if (typeof m === 'string') return m;
  return `Embedded server memory (npm start: ${m.flags}; PGlite ${m.settings}): ${m.afterStart} MB RSS after start, ${m.afterBurst} MB after a burst of ${m.requests.toLocaleString('en-GB')} requests (peak ${m.peak} MB); budget 256 MB`;
}
