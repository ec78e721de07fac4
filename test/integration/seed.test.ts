import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { createTestApp, openTestDatabase, type TestApp } from '../helpers/app';
import { startProcess } from '../helpers/processes';
import { openDatabase } from '../../src/db/client';
import { doors } from '../../src/db/schema';
import { hashSecret } from '../../src/lib/crypto';
import { DEMO_LOGINS, DEMO_PASSWORD, hasData, seedDemo, type DemoSeed } from '../../src/db/seed';

/** The demo network of API.md, seeded into this run's database (fixed emails: only this file seeds). */
let t: TestApp;
let seed: DemoSeed;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
  seed = await seedDemo(t.container.database.db, { today: new Date('2026-11-23T09:00:00Z') });
});
afterAll(() => t.close());

const login = async (email: string) => {
  const res = await t.http.post('/auth/login').send({ email, password: DEMO_PASSWORD });
  expect(res.status).toBe(200);
  return { Authorization: `Bearer ${res.body.token}` };
};

describe('the demo network', () => {
  it('reports data once seeded', async () => {
    expect(await hasData(t.container.database.db)).toBe(true);
  });

  it('has two hubs with rooms that carry features', async () => {
    const hubs = (await t.http.get('/hubs')).body.items.map((h: { id: string }) => h.id);
    expect(hubs).toEqual(expect.arrayContaining([seed.hubs.riverside.id, seed.hubs.northgate.id]));
    const rooms = (await t.http.get(`/hubs/${seed.hubs.riverside.id}/rooms`)).body.items;
    expect(rooms.length).toBeGreaterThanOrEqual(2);
    expect(rooms.some((r: { features: string[] }) => r.features.includes('step_free_access'))).toBe(true);
  });

  it.each(DEMO_LOGINS.map((l) => l.email))('logs %s in with the demo password', async (email) => {
    await login(email);
  });

  it('gives each login the role API.md names', async () => {
    const me = async (email: string) => (await t.http.get('/me').set(await login(email))).body;
    expect((await me('admin@example.org')).isAdmin).toBe(true);
    expect((await me('staff@example.org')).roles).toEqual([{ hubId: seed.hubs.riverside.id, role: 'staff' }]);
    expect((await me('staff2@example.org')).roles).toEqual([{ hubId: seed.hubs.northgate.id, role: 'staff' }]);
    expect((await me('volunteer@example.org')).roles).toEqual([{ hubId: seed.hubs.riverside.id, role: 'volunteer' }]);
    const tiers = await Promise.all(['community', 'charity', 'statutory', 'private'].map(async (p) => (await me(`${p}@example.org`)).organisations[0]));
    expect(tiers.map((o) => o.tier)).toEqual(['community', 'national_charity', 'statutory', 'private']);
    expect(tiers[0].verified).toBe(true);
  });

  it('shows the rota working: evening bookings made shifts, the volunteer has one and hours from past shifts', async () => {
    const auth = await login('volunteer@example.org');
    const list = await t.http.get(`/hubs/${seed.hubs.riverside.id}/shifts?from=2026-11-23T00:00:00Z&to=2026-12-08T00:00:00Z`).set(auth);
    const generated = list.body.items.filter((s: { source: string }) => s.source === 'booking');
    // Two weeks of Tuesday chains (café then drop-in) and Thursday groups: an opener and a closer each.
    expect(generated.map((s: { role: string }) => s.role)).toEqual(['opener', 'closer', 'opener', 'closer', 'opener', 'closer', 'opener', 'closer']);
    expect(generated[1].bookingIds).toHaveLength(2);
    const mine = await t.http.get('/me/shifts').set(auth);
    expect(mine.body.items.map((i: { shift: { id: string } }) => i.shift.id)).toContain(seed.rota.signedUp.id);
    const hours = await t.http.get('/me/hours').set(auth);
    expect(hours.body.totalMinutes).toBe(630);
    // The triggers queued the seeded bookings; the job finds the shifts already as they should be.
    expect(await t.container.services.rota.generated.drainPending()).toBe(0);
  });

  it('lets the community group book a room straight away', async () => {
    const auth = await login('community@example.org');
    const res = await t.http
      .post('/bookings')
      .set(auth)
      .send({ roomId: seed.rooms['Meeting Room'].id, organisationId: seed.organisations.community.id, title: 'Memory café', attendees: 8, startsAt: '2026-12-01T10:00', endsAt: '2026-12-01T12:00' });
    expect(res.status).toBe(201);
    expect(res.body.status).not.toBe('requested');
  });

  it("lets Riverside's staff confirm the community group's ten-week series with one payment taken at the desk (no Stripe in the demo)", async () => {
    const auth = await login('community@example.org');
    const made = await t.http
      .post('/bookings')
      .set(auth)
      .send({ roomId: seed.rooms['Meeting Room'].id, organisationId: seed.organisations.community.id, title: 'Memory café', attendees: 8, startsAt: '2027-01-05T10:00', endsAt: '2027-01-05T12:00', recurrence: { weekdays: [2], count: 10 } });
    expect(made.status).toBe(201);
    const dates = made.body.bookings as { id: string; status: string; price: { amountPence: number } }[];
    expect(dates.map((d) => d.status)).toEqual(Array(10).fill('awaiting_payment'));
    const co = await t.http.post(`/bookings/${dates[0].id}/checkout`).set(auth);
    expect(co.status).toBe(503);
    expect(co.body.detail).toMatch(/held until staff record the payment/);
    // Riverside's unpaid holds wait for staff: hours later the series is still held.
    t.clock.advance(6 * 60 * 60_000);
    try {
      const due = dates.reduce((n, d) => n + d.price.amountPence, 0);
      const paid = await t.http.post(`/bookings/${dates[0].id}/payments/offline`).set(await login('staff@example.org')).send({ amountPence: due, method: 'bank_transfer', scope: 'series' });
      expect(paid.status).toBe(201);
      for (const d of dates) expect((await t.http.get(`/bookings/${d.id}`).set(auth)).body.status).toBe('confirmed');
    } finally {
      t.clock.set('2026-11-23T09:00:00Z');
    }
  });

  it("fills the last three months' reports: every tier, both hubs, rooms, months and cancellations", async () => {
    const staff = await login('staff@example.org');
    const hub = await t.http.get(`/hubs/${seed.hubs.riverside.id}/reports/usage`).query({ from: '2026-08-23', to: '2026-11-22' }).set(staff);
    expect(hub.status).toBe(200);
    expect(hub.body.byMonth.map((m: { month: string }) => m.month)).toEqual(['2026-08', '2026-09', '2026-10', '2026-11']);
    const network = await t.http.get('/reports/usage').query({ from: '2026-08-23', to: '2026-11-22' }).set(await login('admin@example.org'));
    expect(network.status).toBe(200);
    const r = network.body;
    for (const tier of r.byTier) expect({ tier: tier.tier, used: tier.bookings > 0 && tier.hours > 0 && tier.incomePence > 0 }).toEqual({ tier: tier.tier, used: true });
    expect(r.byTier.filter((x: { subsidyPence: number }) => x.subsidyPence > 0).map((x: { tier: string }) => x.tier)).toEqual(['community', 'national_charity', 'statutory']);
    expect(r.totals.cancellations).toBeGreaterThan(0);
    expect(r.byHub.every((h: { bookings: number; occupancy: number }) => h.bookings > 0 && h.occupancy > 0)).toBe(true);
    expect(r.byRoom.every((room: { bookedHours: number }) => room.bookedHours > 0)).toBe(true);
    expect(r.byMonth.filter((m: { bookings: number }) => m.bookings > 0)).toHaveLength(4);
    // The seed's attended rota shifts fill the volunteers section too.
    expect(r.volunteers.minutes).toBeGreaterThan(0);
    expect(r.volunteers.note).toBeNull();
  });
});

describe('npm run seed', () => {
  it("prints the demo keypad's device key, as npm start does, and that key is the door's", async () => {
    const database = await openTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'hubkey-seed-'));
    const env: Record<string, string> = {
      JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
      ACCESS_CODE_KEY: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
      DATA_DIR: dataDir,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    };
    // The embedded database is one process's: the script opens its own in DATA_DIR.
    if (!database.url) await database.close();
    try {
      const proc = startProcess('seed', 'scripts/seed.ts', env);
      expect(await proc.exited).toBe(0);
      const m = /Demo keypad door "Front door" \(id ([0-9a-f-]{36})\); its device key, shown this once:\s+X-Device-Key: (\S+)/.exec(proc.output());
      expect(m).not.toBeNull();
      const check = database.url ? database : await openDatabase({ dataDir });
      try {
        const [door] = await check.db.select().from(doors).where(eq(doors.id, m![1]));
        expect(door.deviceKeyHash).toBe(hashSecret(m![2]));
      } finally {
        await check.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
