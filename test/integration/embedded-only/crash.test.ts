import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { DateTime } from 'luxon';
import { openDatabase } from '../../../src/db/client';
import { DEMO_PASSWORD } from '../../../src/db/seed';
import { restoreCommand } from '../../../src/modules/backups/backups.commands';
import { controlSocketPath } from '../../../src/modules/backups/backups.fns';
import { packageRoot } from '../../../src/lib/paths';
import { testConfig } from '../../helpers/app';

/**
 * The embedded server as `npm start` runs it, killed with SIGKILL while bookings are being made,
 * then started again: every booking that was answered 201 must be there, and the database must
 * open cleanly. Three rounds, then a backup through the running server and a restore of it.
 */
// About 30-40 s on a quiet two-core machine (four server starts); the limits leave room for a busy one.
jest.setTimeout(600_000);

const PORT = 3116;
const base = `http://127.0.0.1:${PORT}`;
const dataDir = mkdtempSync(join(tmpdir(), 'hubkey-crash-'));
const backupDir = mkdtempSync(join(tmpdir(), 'hubkey-crash-backups-'));
const root = packageRoot();
const env = { ...process.env, DATABASE_URL: '', PORT: String(PORT), HOST: '127.0.0.1', DATA_DIR: dataDir, BACKUP_DIR: backupDir, LOG_LEVEL: 'warn', NODE_ENV: 'development' };
let server: ChildProcess | undefined;

function node(script: string, args: string[] = []) {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function startServer(): Promise<ChildProcess> {
  // Never talk to someone else's server on this port.
  if ((await fetch(`${base}/health`).then((r) => r.status, () => 0)) !== 0) throw new Error(`port ${PORT} is already in use`);
  const child = node('src/server.ts', ['--with-worker']);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${output}`);
    const ready = await fetch(`${base}/ready`).then((r) => r.status, () => 0);
    if (ready === 200) return child;
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not become ready: ${output}`);
}

async function kill(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

let auth: Record<string, string>;
let organisationId: string;
let roomIds: string[];
let nextSlot = 0;
/** Weekday 10:00-11:00 London slots from next week on, each room in turn: no two requests clash. */
function slot() {
  const n = nextSlot++;
  const weekday = Math.floor(n / roomIds.length);
  // The weekday-th weekday from a week today (five per week).
  let day = DateTime.now().setZone('Europe/London').startOf('day').plus({ days: 7 });
  while (day.weekday > 5) day = day.plus({ days: 1 });
  day = day.startOf('week').plus({ weeks: Math.floor((day.weekday - 1 + weekday) / 5), days: (day.weekday - 1 + weekday) % 5 });
  const start = day.set({ hour: 10 });
  return { roomId: roomIds[n % roomIds.length], startsAt: start.toUTC().toISO()!, endsAt: start.plus({ hours: 1 }).toUTC().toISO()! };
}

const answered201: string[] = [];

/** Four clients booking until the server dies; SIGKILL once `killAfter` more bookings have been answered. */
async function bookUntilKilled(child: ChildProcess, killAfter: number) {
  const target = answered201.length + killAfter;
  let killed: Promise<void> | undefined;
  const client = async () => {
    for (let i = 0; i < 40 && !killed; i++) {
      const res = await fetch(`${base}/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ ...slot(), organisationId, title: 'Crash test', attendees: 3, contactPhone: '+447700900888' }),
      }).catch(() => undefined);
      if (!res) return; // the server is gone
      if (res.status === 201) answered201.push(((await res.json()) as { id: string }).id);
      else if (res.status >= 500) return;
      else throw new Error(`unexpected ${res.status}: ${await res.text()}`);
      if (answered201.length >= target && !killed) killed = kill(child, 'SIGKILL');
    }
  };
  await Promise.all([client(), client(), client(), client()]);
  await (killed ?? kill(child, 'SIGKILL'));
}

async function everyAnsweredBookingIsThere() {
  const missing: string[] = [];
  for (const id of answered201) if ((await fetch(`${base}/bookings/${id}`, { headers: auth })).status !== 200) missing.push(id);
  return missing;
}

afterAll(async () => {
  if (server) await kill(server, 'SIGKILL');
  for (const d of [dataDir, backupDir]) rmSync(d, { recursive: true, force: true });
});

describe('the embedded server killed with SIGKILL while bookings are made', () => {
  it('keeps every booking it answered 201, and opens cleanly, round after round', async () => {
    server = await startServer();
    const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'statutory@example.org', password: DEMO_PASSWORD }) });
    const body = (await login.json()) as { token: string; user: { id: string } };
    auth = { authorization: `Bearer ${body.token}` };
    const me = (await (await fetch(`${base}/me`, { headers: auth })).json()) as { organisations: { id: string }[] };
    organisationId = me.organisations[0].id;
    const hubs = (await (await fetch(`${base}/hubs`)).json()) as { items: { id: string; name: string }[] };
    const riverside = hubs.items.find((h) => h.name === 'Riverside Community Hub')!;
    roomIds = ((await (await fetch(`${base}/hubs/${riverside.id}/rooms`)).json()) as { items: { id: string }[] }).items.map((r) => r.id);

    for (let round = 1; round <= 3; round++) {
      const before = answered201.length;
      await bookUntilKilled(server, 5 + round * 3);
      expect(answered201.length).toBeGreaterThan(before);
      expect(existsSync(controlSocketPath(dataDir))).toBe(true); // left behind by the killed server
      server = await startServer();
      expect(await everyAnsweredBookingIsThere()).toEqual([]);
    }
  });

  it('refuses a second server on the same DATA_DIR while one runs', async () => {
    const second = node('src/server.ts');
    let output = '';
    second.stderr!.on('data', (d) => (output += d));
    const exited = once(second, 'exit') as Promise<[number]>;
    const timer = setTimeout(() => second.kill('SIGKILL'), 120_000); // it must refuse long before this
    const [code] = await exited.finally(() => clearTimeout(timer));
    expect(code).not.toBe(0);
    expect(output).toMatch(/a Hubkey server is running on/);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });

  it('backs up through the running server (npm run backup), and the backup restores every answered booking', async () => {
    const backup = node('scripts/backup.ts');
    let output = '';
    backup.stdout!.on('data', (d) => (output += d));
    backup.stderr!.on('data', (d) => (output += d));
    const [code] = (await once(backup, 'exit')) as [number];
    expect({ code, output }).toEqual({ code: 0, output: expect.stringMatching(/Backup written: .*hubkey-.*\.ndjson\.gz/) });
    const files = readdirSync(backupDir).filter((f) => f.endsWith('.ndjson.gz'));
    expect(files).toHaveLength(1);

    await kill(server!, 'SIGTERM');
    expect(server!.exitCode).toBe(0);
    expect(existsSync(controlSocketPath(dataDir))).toBe(false);
    server = undefined;

    const restoredDir = mkdtempSync(join(tmpdir(), 'hubkey-crash-restored-'));
    await restoreCommand(testConfig({ DATA_DIR: restoredDir }), join(backupDir, files[0]), {}, () => undefined);
    const restored = await openDatabase({ dataDir: restoredDir });
    try {
      const ids = (await restored.pglite!.query<{ id: string }>('SELECT id FROM bookings')).rows.map((r) => r.id);
      expect(answered201.filter((id) => !ids.includes(id))).toEqual([]);
    } finally {
      await restored.close();
    }
  });
});
