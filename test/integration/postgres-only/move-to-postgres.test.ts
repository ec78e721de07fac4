import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { buildApp } from '../../../src/app';
import { createContainer } from '../../../src/container';
import { openDatabase } from '../../../src/db/client';
import { DEMO_PASSWORD, seedDemo } from '../../../src/db/seed';
import { FixedClock } from '../../../src/lib/clock';
import { silentLogger } from '../../../src/lib/logger';
import { startControl } from '../../../src/modules/backups/backups.control';
import { moveToPostgres } from '../../../src/modules/backups/backups.commands';
import { testConfig } from '../../helpers/app';
import { everyRow } from '../../helpers/tables';

/**
 * npm run move-to-postgres: an embedded hub (a PGlite data dir with the demo network and some
 * bookings) copied into new, empty databases on this run's PostgreSQL server, made here and
 * dropped afterwards.
 */
// Each test opens the embedded data dir more than once (PGlite starts in seconds on a busy machine).
jest.setTimeout(180_000);

const server = process.env.DATABASE_URL!;
const made: string[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'hubkey-move-'));
const config = testConfig({ DATA_DIR: dataDir });

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: server });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A new, empty database on the server (no tables at all). */
async function newDatabase(): Promise<string> {
  const name = `hubkey_move_${Math.floor(Date.now() / 1000)}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  made.push(name);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

async function rowsOf(dir: { url?: string; dataDir?: string }) {
  const d = await openDatabase(dir);
  try {
    return await everyRow(d);
  } finally {
    await d.close();
  }
}

const made201: string[] = [];
let seededBookings = 0;
beforeAll(async () => {
  const database = await openDatabase({ dataDir });
  await database.migrate();
  const clock = new FixedClock('2026-11-23T09:00:00Z');
  const seed = await seedDemo(database.db, { today: clock.now() });
  seededBookings = (await database.pglite!.query<{ n: number }>('SELECT count(*)::int AS n FROM bookings')).rows[0].n;
  const container = await createContainer(config, { database, clock, logger: silentLogger });
  const app = await buildApp(container);
  const http = request(app.server);
  const login = await http.post('/auth/login').send({ email: 'statutory@example.org', password: DEMO_PASSWORD });
  const auth = { Authorization: `Bearer ${login.body.token}` };
  for (let day = 1; day <= 5; day++) {
    const res = await http
      .post('/bookings')
      .set(auth)
      .send({
        roomId: seed.rooms['Meeting Room'].id,
        organisationId: seed.organisations.statutory.id,
        startsAt: `2026-12-0${day}T10:00:00Z`,
        endsAt: `2026-12-0${day}T12:00:00Z`,
        title: 'Adult services drop-in',
        attendees: 8,
        contactPhone: '+447700900777',
      });
    expect(res.status).toBe(201);
    made201.push(res.body.id);
  }
  await app.close();
  await container.close();
});

afterAll(async () => {
  await admin(async (c) => {
    for (const name of made) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run move-to-postgres', () => {
  it('copies every row into an empty database, checks each table, says what to change next, and leaves the embedded database as it was', async () => {
    const source = await rowsOf({ dataDir });
    expect(source.bookings).toHaveLength(seededBookings + made201.length);
    const url = await newDatabase();
    const lines: string[] = [];
    const report = await moveToPostgres(config, url, (l) => lines.push(l));

    expect(report.tables.length).toBe(Object.keys(source).length);
    expect(report.tables.every((t) => t.ok)).toBe(true);
    expect(Object.fromEntries(report.tables.map((t) => [t.name, t.rows]))).toEqual(Object.fromEntries(Object.entries(source).map(([k, v]) => [k, v.length])));
    expect(await rowsOf({ url })).toEqual(source);
    expect(await rowsOf({ dataDir })).toEqual(source);
    const text = lines.join('\n');
    expect(text).toMatch(/every table's row count and checksum match/);
    expect(text).toContain(`DATABASE_URL=${url}`);
    expect(text).toMatch(/ACCESS_CODE_KEY/);
    expect(text).toMatch(/npm run migrate/);

    // The copy is a working Hubkey database: migrated to this release, and the API reads it.
    const pg = await openDatabase({ url });
    try {
      const container = await createContainer(testConfig({ DATABASE_URL: url }), { database: pg, logger: silentLogger });
      const app = await buildApp(container);
      const login = await request(app.server).post('/auth/login').send({ email: 'statutory@example.org', password: DEMO_PASSWORD });
      expect(login.status).toBe(200);
      const list = await request(app.server).get('/bookings?from=2026-12-01T00:00:00Z&to=2026-12-06T00:00:00Z').set({ Authorization: `Bearer ${login.body.token}` });
      // Every booking answered 201 is there (the demo seed has bookings of its own in that week too).
      expect(list.status).toBe(200);
      expect(list.body.items.map((b: { id: string }) => b.id)).toEqual(expect.arrayContaining(made201));
      await app.close();
    } finally {
      await pg.close();
    }
  });

  it('accepts an empty database already migrated to the same version', async () => {
    const url = await newDatabase();
    const pg = await openDatabase({ url });
    await pg.migrate();
    await pg.close();
    const report = await moveToPostgres(config, url, () => undefined);
    expect(report.tables.every((t) => t.ok)).toBe(true);
    expect(await rowsOf({ url })).toEqual(await rowsOf({ dataDir }));
  });

  it('refuses a database with data, one at another migration, a bad URL, and a data dir a server is running on; nothing is written', async () => {
    const full = await newDatabase();
    await moveToPostgres(config, full, () => undefined);
    const before = await rowsOf({ url: full });
    await expect(moveToPostgres(config, full, () => undefined)).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/already has data/) });
    expect(await rowsOf({ url: full })).toEqual(before);

    const older = await newDatabase();
    const pg = await openDatabase({ url: older });
    await pg.migrate();
    await pg.pool!.query(`DELETE FROM drizzle.__drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM drizzle.__drizzle_migrations)`);
    await pg.close();
    await expect(moveToPostgres(config, older, () => undefined)).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/at migration \d+, the embedded one at \d+/) });

    await expect(moveToPostgres(config, 'mysql://x', () => undefined)).rejects.toMatchObject({ kind: 'refused' });
    await expect(moveToPostgres(testConfig({ DATA_DIR: dataDir, DATABASE_URL: server }), full, () => undefined)).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/DATABASE_URL is set/) });
    await expect(moveToPostgres(testConfig({ DATA_DIR: join(dataDir, 'nothing-here') }), full, () => undefined)).rejects.toMatchObject({ message: expect.stringMatching(/no embedded database/) });

    const empty = await newDatabase();
    const running = await startControl(dataDir, async () => Promise.reject(new Error('not in this test')), silentLogger);
    try {
      await expect(moveToPostgres(config, empty, () => undefined)).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/server is running/) });
    } finally {
      await running.close();
    }
    const d = new Client({ connectionString: empty });
    await d.connect();
    const tables = (await d.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n;
    await d.end();
    expect(tables).toBe(0);
  });
});
