import { Client } from 'pg';
import request from 'supertest';
import { buildApp, type App } from '../../../src/app';
import { type Container, createContainer } from '../../../src/container';
import { type Database, openDatabase } from '../../../src/db/client';
import { silentLogger } from '../../../src/lib/logger';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/fake-twilio';
import { type Gate, startGate } from '../../fakes/gate';
import type { TestApp } from '../../helpers/app';
import { testConfig } from '../../helpers/app';
import { freePort, type PrivateCluster, startPrivateCluster } from '../../helpers/cluster';
import { addRole, everyDay, makeHub, makeOrg, makeRoom, makeUser } from '../../helpers/factories';
import { type Proc, startProcess, until } from '../../helpers/processes';

/**
 * The fault test (issue 7): a PostgreSQL cluster of its own, the real API and worker processes
 * against it, a bounded concurrent load of bookings, then `pg_ctl restart -m fast` and
 * `pg_ctl stop` / `start` under that load, then workers killed with SIGKILL mid-send and
 * mid-issue (and one sent SIGTERM mid-send). It asserts that no process exits on its own, that
 * the outage answers 503 `database_unavailable` (never 500), that every booking answered 201 is in
 * the database once, and that every due text reaches Twilio exactly once. It prints its figures.
 *
 * Twilio is the local fake behind a gate that can hold requests, so "mid-send" is a real request
 * in flight, never forwarded; "mid-issue" is a worker blocked inside a batch of codes' transaction
 * behind a door row this test locks. A killed worker's outbox rows stay `sending` until their 2-minute
 * lease runs out; the test ends the leases in SQL instead of waiting two minutes.
 */
jest.setTimeout(300_000);

const LOOPS = 8; // concurrent booking loops, one room each
const PAUSE_MS = 50; // between one loop's requests
const MAX_SLOTS = 300; // per loop: 30-minute slots from 2 h ahead stay inside the week codes are due
const SLOT_MS = 30 * 60_000;
const JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
const ACCESS_CODE_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

let cluster: PrivateCluster;
let database: Database;
let container: Container;
let app: App;
let setup: TestApp;
let fake: FakeTwilio;
let gate: Gate;
let url: string;
let env: Record<string, string>;
const procs: Proc[] = [];
const killedOnPurpose = new Set<Proc>();
let pg: Client;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One SQL query on the private cluster through the test's own pool (it too survives the restarts). */
async function q<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await database.pool!.query<T>(text, params)).rows;
}

beforeAll(async () => {
  cluster = await startPrivateCluster();
  pg = new Client({ connectionString: cluster.urlFor('postgres') });
  await pg.connect();
  await pg.query('CREATE DATABASE hubkey');
  await pg.end();
  database = await openDatabase({ url: cluster.urlFor('hubkey'), poolMax: 4, connectTimeoutMs: 2000 });
  await database.migrate();
  container = await createContainer(testConfig(), { database, logger: silentLogger });
  app = await buildApp(container);
  setup = { app, container, http: request(app.server) } as unknown as TestApp;
  fake = await startFakeTwilio();
  gate = await startGate(fake.url);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  env = {
    NODE_ENV: 'production',
    DATABASE_URL: cluster.urlFor('hubkey'),
    DATABASE_CONNECT_TIMEOUT_MS: '2000',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    JWT_SECRET,
    ACCESS_CODE_KEY,
    LOGIN_RATE_LIMIT: '1000',
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_FROM: '+447700900000',
    TWILIO_API_BASE: gate.url,
    // The jobs this test watches run every second or two instead of every minute.
    JOB_SCHEDULES: JSON.stringify({
      'notifications.send-outbox': '* * * * * *',
      'access.issue-due-codes': '*/2 * * * * *',
      'bookings.send-reminders': '*/2 * * * * *',
    }),
  };
});

afterAll(async () => {
  for (const p of procs) if (p.alive()) p.child.kill('SIGKILL');
  await app?.close();
  await container?.close();
  await gate?.close();
  await fake?.close();
  cluster?.destroy();
});

function startApi(): Proc {
  const p = startProcess('api', 'src/server.ts', { ...env, LOG_LEVEL: 'warn' });
  procs.push(p);
  return p;
}
function startWorker(name: string): Proc {
  const p = startProcess(name, 'src/worker.ts', { ...env, LOG_LEVEL: 'info' });
  procs.push(p);
  return p;
}
const unexpectedExits = () => procs.filter((p) => !p.alive() && !killedOnPurpose.has(p)).map((p) => `${p.name}:\n${p.output().slice(-2000)}`);

/** Outbox empty of work, every due code issued and queued, every booking whose reminder is due weighed by the reminder job. */
let lastSettle = '';
async function settled(): Promise<boolean> {
  const [r] = await q<{ unsent: string; uncoded: string; unqueued: string; unreminded: string }>(`
    SELECT
      (SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')) AS unsent,
      (SELECT count(*) FROM bookings b JOIN hubs h ON h.id = b.hub_id
        WHERE b.status = 'confirmed' AND b.starts_at - make_interval(mins => (h.settings->>'codeLeadMinutes')::int) <= now()
          AND NOT EXISTS (SELECT 1 FROM access_codes c WHERE c.booking_id = b.id AND c.status = 'active')) AS uncoded,
      (SELECT count(*) FROM access_codes WHERE status = 'active' AND queued_at IS NULL) AS unqueued,
      (SELECT count(*) FROM bookings b JOIN hubs h ON h.id = b.hub_id
        WHERE b.status = 'confirmed' AND b.starts_at > now() AND b.contact_phone IS NOT NULL
          AND b.starts_at - make_interval(mins => (h.settings->>'reminderLeadMinutes')::int) <= now()
          AND b.reminded_at IS NULL) AS unreminded`);
  lastSettle = JSON.stringify(r);
  return Number(r.unsent) + Number(r.uncoded) + Number(r.unqueued) + Number(r.unreminded) === 0;
}

/**
 * Every outbox row was sent, and Twilio got each exactly once: as many messages as rows, and each
 * row's message id is one Twilio gave out. Every booking (all are due here) has exactly one code and one code text, and
 * was weighed by the reminder job (reminded_at): made inside the reminder lead, or with its code text due alongside, it gets
 * no separate reminder (docs/operations.md, "One text per purpose"); a degraded path (its change's hook failing in an outage)
 * may remind it, but never twice.
 */
async function expectTextsExactlyOnce() {
  const rows = await q<{ id: string; status: string; provider_id: string | null; kind: string }>('SELECT id, status, provider_id, kind FROM outbox');
  expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  const sids = new Set(fake.messages.map((m) => m.sid));
  expect(fake.messages).toHaveLength(rows.length);
  expect(sids.size).toBe(rows.length);
  expect(rows.filter((r) => !r.provider_id || !sids.has(r.provider_id))).toEqual([]);
  const perBooking = await q<{ id: string; due: boolean; codes: string; code_texts: string; reminders: string; weighed: boolean }>(`
    SELECT b.id, (b.reminded_at IS NOT NULL OR b.starts_at <= now()) AS weighed,
      b.starts_at - make_interval(mins => (h.settings->>'codeLeadMinutes')::int) <= now() AS due,
      (SELECT count(*) FROM access_codes c WHERE c.booking_id = b.id AND c.status = 'active') AS codes,
      (SELECT count(*) FROM outbox o WHERE o.booking_id = b.id AND o.kind = 'access_code') AS code_texts,
      (SELECT count(*) FROM outbox o WHERE o.booking_id = b.id AND o.kind = 'reminder') AS reminders
    FROM bookings b JOIN hubs h ON h.id = b.hub_id WHERE b.status = 'confirmed'`);
  const wrong = perBooking.filter((b) => !b.due || b.codes !== '1' || b.code_texts !== '1' || Number(b.reminders) > 1 || !b.weighed);
  expect(wrong).toEqual([]);
  return { texts: rows.length, codeTexts: rows.filter((r) => r.kind === 'access_code').length, reminders: rows.filter((r) => r.kind === 'reminder').length, twilioMessages: fake.messages.length };
}

/** A killed worker's claimed rows wait out their 2-minute lease; this is that wait, in SQL. */
async function endLeasesOfDeadWorker(): Promise<number> {
  const r = await database.pool!.query(`UPDATE outbox SET lease_until = now() - interval '1 second' WHERE status = 'sending'`);
  return r.rowCount ?? 0;
}

async function killHard(p: Proc) {
  killedOnPurpose.add(p);
  p.child.kill('SIGKILL');
  expect(await p.exited).toBe('SIGKILL');
}

interface Outcome {
  phase: string;
  status: number | string;
  code?: string;
  retryAfter?: string | null;
}

it('survives PostgreSQL restarts and outages, and workers killed mid-send and mid-issue, losing nothing and sending nothing twice', async () => {
  // ---- The world: a 24-hour hub whose rooms each have a keypad door. Codes and reminders are due
  // a week ahead (the longest code lead), so every booking made here gets both at once: none
  // straddles "due" while the test runs.
  const WEEK = 60 * 24 * 7;
  const hub = await makeHub(setup, { openingHours: everyDay('00:00', '24:00'), settings: { minNoticeMinutes: 0, codeLeadMinutes: WEEK, reminderLeadMinutes: WEEK } });
  const staff = await makeUser(setup, { name: 'Staff' });
  await addRole(setup, hub.id, staff.id, 'staff');
  const hirer = await makeUser(setup, { name: 'Hirer' });
  const org = await makeOrg(setup, [hirer.id], { claimedTier: 'private' });
  const rooms: Awaited<ReturnType<typeof makeRoom>>[] = [];
  for (let i = 0; i <= LOOPS; i++) {
    const room = await makeRoom(setup, hub.id, { name: `Room ${i}`, minBookingMinutes: 30 });
    const door = await setup.http.post(`/hubs/${hub.id}/doors`).set(staff.auth).send({ name: `Door ${i}`, provider: 'keypad', roomIds: [room.id] });
    expect(door.status).toBe(201);
    rooms.push(room);
  }
  const killRoom = rooms[LOOPS]; // for the bookings of the kill phases
  const base = Math.ceil((Date.now() + 2 * 3600_000) / SLOT_MS) * SLOT_MS;
  const headers = { authorization: `Bearer ${hirer.token}`, 'content-type': 'application/json' };
  const book = (roomId: string, slot: number, phone: string) =>
    fetch(`${url}/bookings`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        roomId,
        organisationId: org.id,
        startsAt: new Date(base + slot * SLOT_MS).toISOString(),
        endsAt: new Date(base + (slot + 1) * SLOT_MS).toISOString(),
        title: 'Fault test',
        attendees: 4,
        contactPhone: phone,
      }),
    });

  // ---- The API and a worker, as real processes, started while the database is down: the API
  // listens and answers 503 (/ready too), both log their tries, and both connect once it is up.
  await cluster.stop();
  const api = startApi();
  let worker = startWorker('worker-1');
  await until('the API to listen', async () => (await fetch(`${url}/health`)).status === 200, 60_000, 200);
  const readyAtStart = (await fetch(`${url}/ready`)).status;
  await api.waitFor(/database not reachable; trying again/);
  await worker.waitFor(/database not reachable; trying again/);
  expect(worker.output()).not.toMatch(/worker started/);
  await cluster.start();
  await until('the API to be ready', async () => (await fetch(`${url}/ready`)).status === 200, 60_000, 200);
  await worker.waitFor(/worker started/);
  expect(readyAtStart).toBe(503);

  // ---- Load: LOOPS loops book free slots back to back while the database is restarted and stopped.
  let phase = 'before';
  let loading = true;
  const outcomes: Outcome[] = [];
  const created: string[] = [];
  let attempts = 0;
  const loops = Array.from({ length: LOOPS }, async (_, i) => {
    for (let slot = 0; loading && slot < MAX_SLOTS; slot++) {
      const at = phase;
      attempts++;
      try {
        const res = await book(rooms[i].id, slot, `+4474009${String(10000 + i * 1000 + (slot % 1000)).padStart(5, '0')}`);
        const body = (await res.json()) as { id?: string; code?: string };
        if (res.status === 201 && body.id) created.push(body.id);
        outcomes.push({ phase: at, status: res.status, code: body.code, retryAfter: res.headers.get('retry-after') });
      } catch (err) {
        outcomes.push({ phase: at, status: `network error ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}` });
      }
      await sleep(PAUSE_MS);
    }
  });
  const readyDuringOutage: number[] = [];
  await sleep(3000);
  phase = 'restart';
  await cluster.restartFast();
  phase = 'between';
  await sleep(3000);
  phase = 'stopping';
  await cluster.stop();
  phase = 'outage';
  for (let i = 0; i < 4; i++) {
    readyDuringOutage.push((await fetch(`${url}/ready`)).status);
    await sleep(1000);
  }
  const aliveDuringOutage = procs.filter((p) => p.alive()).length;
  phase = 'starting';
  await cluster.start();
  phase = 'after';
  await sleep(3000);
  loading = false;
  await Promise.all(loops);

  // ---- Both processes lived through it and recover by themselves.
  expect(unexpectedExits()).toEqual([]);
  expect(aliveDuringOutage).toBe(2);
  expect(readyDuringOutage).toEqual([503, 503, 503, 503]);
  await until('the API to be ready again', async () => (await fetch(`${url}/ready`)).status === 200, 30_000, 200);
  const byPhase: Record<string, Record<string, number>> = {};
  for (const o of outcomes) {
    const key = `${o.status}${o.code && o.status !== 201 ? ` ${o.code}` : ''}`;
    byPhase[o.phase] ??= {};
    byPhase[o.phase][key] = (byPhase[o.phase][key] ?? 0) + 1;
  }
  // Only 201 or 503 database_unavailable with Retry-After, in every phase; never a 500 or a dropped connection.
  expect(outcomes.filter((o) => o.status !== 201 && !(o.status === 503 && o.code === 'database_unavailable' && o.retryAfter === '5'))).toEqual([]);
  expect(outcomes.filter((o) => o.phase === 'outage' && o.status === 503).length).toBeGreaterThan(0);
  expect(outcomes.filter((o) => o.phase === 'after' && o.status === 201).length).toBeGreaterThan(0);

  // Every 201 is one booking in the database, once.
  expect(new Set(created).size).toBe(created.length);
  const inDb = await q<{ id: string }>('SELECT id FROM bookings WHERE hub_id = $1', [hub.id]);
  const ids = new Set(inDb.map((b) => b.id));
  expect(created.filter((id) => !ids.has(id))).toEqual([]);
  const committedButNot201 = inDb.length - created.length;

  // Every due text, once. Normally seconds. Longer than the outbox lease (2 min): if a claim's COMMIT was lost in the
  // restart, its rows wait out their lease before they are sent (never twice).
  await until('the worker to send every due text', settled, 150_000, 500).catch((err) => {
    throw new Error(`${(err as Error).message}\n${lastSettle}\n${worker.output().slice(-4000)}`);
  });
  const afterOutage = await expectTextsExactlyOnce();

  /**
   * After a SIGKILL: the requests the dead worker had in flight never reach Twilio, its claimed
   * rows' leases end, a new worker takes over and finishes; every text still goes out once.
   */
  const replaceDeadWorker = async (name: string) => {
    const requestsHeldAtKill = gate.dropHeld();
    await gate.open();
    const leasesEnded = await endLeasesOfDeadWorker();
    worker = startWorker(name);
    await worker.waitFor(/worker started/);
    await until(`${name} to finish what the killed worker left`, settled, 60_000, 500);
    return { requestsHeldAtKill, leasesEnded, ...(await expectTextsExactlyOnce()) };
  };

  // ---- SIGKILL a worker mid-send: Twilio holds its third request; the message never reached Twilio.
  gate.holdAfter(2);
  for (let slot = 0; slot < 6; slot++) expect((await book(killRoom.id, slot, `+44740092${String(slot).padStart(4, '0')}`)).status).toBe(201);
  await gate.held();
  await killHard(worker);
  const killMidSend = await replaceDeadWorker('worker-2');

  // ---- SIGKILL a worker mid-issue: the codes due in rooms X and Y are issued in one batch (one
  // transaction), which blocks on door Y, held locked by this test; the worker dies inside that
  // transaction, so none of the batch's codes is kept, and the next worker issues all of them once.
  const hubB = await makeHub(setup, { openingHours: everyDay('00:00', '24:00'), settings: { minNoticeMinutes: 0, codeLeadMinutes: 60, reminderLeadMinutes: WEEK } });
  await addRole(setup, hubB.id, staff.id, 'staff');
  const roomX = await makeRoom(setup, hubB.id, { name: 'X' });
  const roomY = await makeRoom(setup, hubB.id, { name: 'Y' });
  const doorX = await setup.http.post(`/hubs/${hubB.id}/doors`).set(staff.auth).send({ name: 'Door X', provider: 'keypad', roomIds: [roomX.id] });
  const doorY = await setup.http.post(`/hubs/${hubB.id}/doors`).set(staff.auth).send({ name: 'Door Y', provider: 'keypad', roomIds: [roomY.id] });
  expect([doorX.status, doorY.status]).toEqual([201, 201]);
  for (let slot = 4; slot < 8; slot++) expect((await book(roomX.id, slot, `+44740093${String(slot).padStart(4, '0')}`)).status).toBe(201);
  for (let slot = 12; slot < 16; slot++) expect((await book(roomY.id, slot, `+44740094${String(slot).padStart(4, '0')}`)).status).toBe(201);
  gate.holdAfter(0); // and mid-send at the same time: nothing reaches Twilio until it dies
  const locker = new Client({ connectionString: cluster.urlFor('hubkey') });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('SELECT id FROM doors WHERE id = $1 FOR UPDATE', [doorY.body.id]);
  // Their codes fall due now.
  await q(`UPDATE hubs SET settings = jsonb_set(settings, '{codeLeadMinutes}', '1440') WHERE id = $1`, [hubB.id]);
  await until(
    'worker-2 to lock the batch\'s bookings and block on door Y',
    async () => {
      const [r] = await q<{ issued: string; waiting: string }>(
        `SELECT (SELECT count(*) FROM access_codes WHERE room_id = $1 AND status = 'active') AS issued,
                (SELECT count(*) FROM pg_stat_activity WHERE datname = 'hubkey' AND wait_event_type = 'Lock') AS waiting`,
        [roomX.id],
      );
      return r.issued === '0' && Number(r.waiting) > 0;
    },
    60_000,
    100,
  );
  await killHard(worker);
  await locker.query('ROLLBACK');
  await locker.end();
  const killMidIssue = await replaceDeadWorker('worker-3');
  const codesB = await q<{ booking_id: string; n: string }>(
    `SELECT b.id AS booking_id, (SELECT count(*) FROM access_codes c WHERE c.booking_id = b.id AND c.status = 'active') AS n FROM bookings b WHERE b.hub_id = $1`,
    [hubB.id],
  );
  expect(codesB.map((c) => c.n)).toEqual(Array(8).fill('1'));

  // ---- SIGTERM a worker mid-send: it finishes the send in flight, records it, and exits 0.
  gate.holdAfter(0);
  for (let slot = 6; slot < 8; slot++) expect((await book(killRoom.id, slot, `+44740095${String(slot).padStart(4, '0')}`)).status).toBe(201);
  await gate.held();
  killedOnPurpose.add(worker);
  worker.child.kill('SIGTERM');
  await worker.waitFor(/shutting down/);
  await gate.open({ releaseHeld: true });
  expect(await worker.exited).toBe(0);
  worker = startWorker('worker-4');
  await worker.waitFor(/worker started/);
  await until('worker-4 to send the rest', settled, 60_000, 500);
  const afterSigterm = await expectTextsExactlyOnce();

  // ---- Nothing died on its own; the API drains and exits 0 on SIGTERM.
  expect(unexpectedExits()).toEqual([]);
  const alive = procs.filter((p) => p.alive()).map((p) => p.name);
  expect(alive).toEqual(['api', 'worker-4']);
  killedOnPurpose.add(api);
  api.child.kill('SIGTERM');
  expect(await api.exited).toBe(0);
  killedOnPurpose.add(worker);
  worker.child.kill('SIGTERM');
  expect(await worker.exited).toBe(0);

  // What the API saw behind its 503s (its warnings name the driver's error).
  const causes: Record<string, number> = {};
  for (const line of api.output().split('\n')) {
    if (!line.includes('"database unavailable"')) continue;
    const err = (JSON.parse(line) as { err?: { code?: string; message?: string } }).err;
    const key = err?.code ?? err?.message?.replace(/\d+\.\d+\.\d+\.\d+:\d+/, 'host') ?? 'unknown';
    causes[key] = (causes[key] ?? 0) + 1;
  }
  const figures = {
    readyWhileDatabaseDownAtStart: readyAtStart,
    bookingRequests: attempts,
    requestsByPhase: byPhase,
    readyDuringOutage,
    causesOf503: causes,
    processesAliveDuringOutage: `${aliveDuringOutage} of 2`,
    processesAliveAtEnd: alive,
    bookings201: created.length,
    bookings201FoundOnceInDb: created.length,
    bookingsCommittedButAnswered503: committedButNot201,
    textsAfterOutage: afterOutage,
    killMidSend,
    killMidIssue: { ...killMidIssue, hubBBookingsWithOneCode: codesB.length },
    sigtermMidSend: { exitCode: 0, ...afterSigterm },
  };
  console.log(`Fault test figures:\n${JSON.stringify(figures, null, 2)}`);
});
