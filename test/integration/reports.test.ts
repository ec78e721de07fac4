import { DateTime } from 'luxon';
import { accessCodeDoors, accessCodes, bookings, closures, doorEntries, doors } from '../../src/db/schema';
import { CSV_COLUMNS } from '../../src/modules/reports/reports.fns';
import { openOn, type OpeningHours } from '../../src/modules/venues/venues.types';
import { createTestApp, type TestApp } from '../helpers/app';
import { addRole, expectProblem, makeHub, makeOrg, makeRoom, makeUser, type TestUser } from '../helpers/factories';

/**
 * The reports are checked against an independent computation: a plain loop over the bookings this
 * file made, cutting each to the period and its local months with luxon and sharing its money in
 * whole pence by the documented rule, on many generated periods (clock changes and month ends
 * included) and on two hubs in different zones.
 */

// After every booking made here: each of them has ended.
const NOW = '2027-02-01T12:00:00Z';
const TIERS = ['community', 'national_charity', 'statutory', 'private'] as const;

let t: TestApp;
let admin: TestUser, staff: TestUser, otherStaff: TestUser, volunteer: TestUser, hirer: TestUser;
type Hub = Awaited<ReturnType<typeof makeHub>>;
type Room = Awaited<ReturnType<typeof makeRoom>>;
let london: Hub, newYork: Hub;
let rooms: Room[];

interface Made {
  roomId: string;
  hubId: string;
  organisationId: string;
  tier: string;
  start: number;
  end: number;
  status: 'confirmed' | 'completed' | 'cancelled' | 'declined';
  amount: number | null;
  subsidy: number | null;
}
const made: Made[] = [];
const closed: { hubId: string; roomId: string | null; start: number; end: number }[] = [];

// A small deterministic generator, so a failure can be replayed.
let seed = 20260329;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const randInt = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

const HOURS: OpeningHours = { ...openOn('08:00', '22:00', ['monday', 'tuesday', 'wednesday', 'thursday', 'friday']), saturday: [{ opens: '09:00', closes: '13:00' }, { opens: '18:00', closes: '24:00' }], sunday: [{ opens: '00:00', closes: '02:00' }] };

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  london = await makeHub(t, { name: 'Riverside, "The Old School"', openingHours: HOURS });
  newYork = await makeHub(t, { name: 'Harbour Hall', timezone: 'America/New_York', openingHours: openOn('07:00', '23:00') });
  rooms = [
    await makeRoom(t, london.id, { name: 'Hall' }),
    await makeRoom(t, london.id, { name: '=Snug' }),
    await makeRoom(t, newYork.id, { name: 'Main room' }),
  ];
  await makeRoom(t, london.id, { name: 'Old store', active: false });
  admin = await makeUser(t, { isAdmin: true });
  staff = await makeUser(t);
  otherStaff = await makeUser(t);
  volunteer = await makeUser(t);
  hirer = await makeUser(t);
  await addRole(t, london.id, staff.id, 'staff');
  await addRole(t, newYork.id, otherStaff.id, 'staff');
  await addRole(t, london.id, volunteer.id, 'volunteer');
  const orgs = [
    await makeOrg(t, [hirer.id], { claimedTier: 'community', verifiedTier: 'community', verificationStatus: 'verified' }),
    await makeOrg(t, [], { claimedTier: 'national_charity' }),
    await makeOrg(t, [], { claimedTier: 'statutory' }),
    await makeOrg(t, [], { claimedTier: 'private' }),
    await makeOrg(t, [], { claimedTier: 'private' }),
  ];

  // Bookings through 2026 into January 2027, one after another in each room, some across
  // midnight, month ends and the clock changes; unpriced ones take their organisation's tier.
  const edges = ['2026-01-31T22:00', '2026-03-28T23:00', '2026-03-31T21:30', '2026-10-24T23:30', '2026-10-31T20:00', '2026-11-01T00:30', '2026-12-31T20:00'];
  for (const room of rooms) {
    const zone = room.hubId === london.id ? london.timezone : newYork.timezone;
    let cursor = DateTime.fromISO('2025-12-29T08:00', { zone }).toMillis();
    const fixed = edges.map((e) => DateTime.fromISO(e, { zone }).toMillis());
    const rows: (typeof bookings.$inferInsert)[] = [];
    while (cursor < DateTime.fromISO('2027-01-10', { zone }).toMillis()) {
      let start = cursor + randInt(0, 60) * 3600_000 + randInt(0, 3) * 15 * 60_000;
      const pinned = fixed.find((f) => f >= cursor && f <= start);
      if (pinned !== undefined) start = pinned;
      const end = start + (pinned !== undefined ? 5 * 60 : randInt(2, 24) * 15) * 60_000;
      cursor = end;
      const org = orgs[randInt(0, orgs.length - 1)];
      const roll = rand();
      const status = roll < 0.5 ? 'confirmed' : roll < 0.8 ? 'completed' : roll < 0.95 ? 'cancelled' : 'declined';
      const priced = rand() < 0.9;
      const amount = priced ? randInt(0, 3000) * (rand() < 0.1 ? 7 : 1) : null;
      const subsidy = priced ? randInt(0, 5000) : null;
      const tier = org.verifiedTier ?? org.claimedTier;
      made.push({ roomId: room.id, hubId: room.hubId, organisationId: org.id, tier, start, end, status, amount, subsidy });
      rows.push({
        roomId: room.id,
        hubId: room.hubId,
        organisationId: org.id,
        title: 'Generated',
        attendees: 5,
        startsAt: new Date(start),
        endsAt: new Date(end),
        blockedUntil: new Date(end),
        status,
        price: priced ? { amountPence: amount!, currency: 'GBP', tier, subsidyPence: subsidy!, lines: [] } : null,
      });
    }
    await t.container.database.db.insert(bookings).values(rows);
  }

  const closures_ = [
    { hubId: london.id, roomId: null, startsAt: '2026-03-28T12:00', endsAt: '2026-03-30T00:00' },
    { hubId: london.id, roomId: rooms[0].id, startsAt: '2026-10-24T10:00', endsAt: '2026-10-27T10:00' },
    { hubId: london.id, roomId: rooms[1].id, startsAt: '2026-06-30T18:00', endsAt: '2026-07-01T12:00' },
    { hubId: newYork.id, roomId: null, startsAt: '2026-12-24T00:00', endsAt: '2026-12-27T00:00' },
  ];
  for (const c of closures_) {
    const zone = c.hubId === london.id ? london.timezone : newYork.timezone;
    const start = DateTime.fromISO(c.startsAt, { zone }).toMillis();
    const end = DateTime.fromISO(c.endsAt, { zone }).toMillis();
    closed.push({ hubId: c.hubId, roomId: c.roomId, start, end });
    await t.container.database.db.insert(closures).values({ hubId: c.hubId, roomId: c.roomId, startsAt: new Date(start), endsAt: new Date(end), reason: 'Test closure' });
  }
}, 60_000);
afterAll(() => t.close());

// ---- the independent computation ----

const earned = (amount: number, elapsed: number, length: number) => {
  const x = BigInt(Math.max(0, Math.min(elapsed, length)));
  return Number((2n * BigInt(amount) * x + BigInt(length)) / (2n * BigInt(length)));
};
interface Sums {
  bookings: number;
  ms: number;
  incomePence: number;
  subsidyPence: number;
  cancellations: number;
  orgs: Set<string>;
}
const empty = (): Sums => ({ bookings: 0, ms: 0, incomePence: 0, subsidyPence: 0, cancellations: 0, orgs: new Set() });

function expected(hubs: Hub[], from: string, to: string) {
  const total = empty();
  const byTier = new Map<string, Sums>();
  const byMonth = new Map<string, Sums>();
  const byMonthTier = new Map<string, Sums>();
  const byRoomMs = new Map<string, number>();
  const bookableByRoom = new Map<string, number>();
  const bookableByMonth = new Map<string, number>();
  const add = (map: Map<string, Sums>, key: string) => map.get(key) ?? map.set(key, empty()).get(key)!;
  for (const hub of hubs) {
    const zone = hub.timezone;
    const months: { label: string; start: number; end: number }[] = [];
    const pStart = DateTime.fromISO(from, { zone });
    const pEnd = DateTime.fromISO(to, { zone }).plus({ days: 1 });
    for (let m = pStart.startOf('month'); m < pEnd; m = m.plus({ months: 1 })) {
      months.push({ label: m.toFormat('yyyy-MM'), start: Math.max(m.toMillis(), pStart.toMillis()), end: Math.min(m.plus({ months: 1 }).toMillis(), pEnd.toMillis()) });
    }
    for (const b of made.filter((x) => x.hubId === hub.id)) {
      for (const m of months) {
        const s = Math.max(b.start, m.start);
        const e = Math.min(b.end, m.end);
        if (e <= s) continue;
        const startsHere = b.start >= m.start && b.start < m.end;
        const buckets = [total, add(byTier, b.tier), add(byMonth, m.label), add(byMonthTier, `${m.label}|${b.tier}`)];
        for (const x of buckets) {
          if (b.status === 'cancelled' && startsHere) x.cancellations++;
          if (b.status !== 'confirmed' && b.status !== 'completed') continue;
          if (startsHere) x.bookings++;
          x.ms += e - s;
          x.incomePence += earned(b.amount ?? 0, e - b.start, b.end - b.start) - earned(b.amount ?? 0, s - b.start, b.end - b.start);
          x.subsidyPence += earned(b.subsidy ?? 0, e - b.start, b.end - b.start) - earned(b.subsidy ?? 0, s - b.start, b.end - b.start);
          x.orgs.add(b.organisationId);
        }
        if (b.status === 'confirmed' || b.status === 'completed') byRoomMs.set(b.roomId, (byRoomMs.get(b.roomId) ?? 0) + e - s);
      }
    }
    // Bookable: each local day's spans, as wall times in the zone, less the closures.
    for (const room of rooms.filter((r) => r.hubId === hub.id)) {
      const shut = closed.filter((c) => c.hubId === hub.id && (c.roomId === null || c.roomId === room.id));
      for (let day = pStart.minus({ days: 1 }); day < pEnd; day = day.plus({ days: 1 })) {
        const weekday = day.setLocale('en-GB').toFormat('cccc').toLowerCase() as keyof OpeningHours;
        for (const span of hub.openingHours[weekday]) {
          const s0 = DateTime.fromISO(`${day.toISODate()}T${span.opens}`, { zone }).toMillis();
          const e0 = span.closes === '24:00' ? day.plus({ days: 1 }).toMillis() : DateTime.fromISO(`${day.toISODate()}T${span.closes}`, { zone }).toMillis();
          for (const m of months) {
            const s = Math.max(s0, m.start);
            const e = Math.min(e0, m.end);
            if (e <= s) continue;
            // Minutes of [s, e) that no closure covers.
            let open = 0;
            for (let x = s; x < e; x += 60_000) if (!shut.some((c) => c.start <= x && x < c.end)) open += 60_000;
            bookableByRoom.set(room.id, (bookableByRoom.get(room.id) ?? 0) + open);
            bookableByMonth.set(m.label, (bookableByMonth.get(m.label) ?? 0) + open);
          }
        }
      }
    }
  }
  return { total, byTier, byMonth, byMonthTier, byRoomMs, bookableByRoom, bookableByMonth };
}

const hrs = (ms: number) => Math.round(ms / 36_000) / 100;
const view = (s: Sums | undefined) => {
  const x = s ?? empty();
  return {
    bookings: x.bookings,
    minutes: Math.round(x.ms / 60_000),
    hours: hrs(x.ms),
    incomePence: x.incomePence,
    subsidyPence: x.subsidyPence,
    privateRatePence: x.incomePence + x.subsidyPence,
    organisations: x.orgs.size,
    cancellations: x.cancellations,
    noShows: 0,
  };
};
const pick = (o: Record<string, unknown>) => ({
  bookings: o.bookings,
  minutes: o.minutes,
  hours: o.hours,
  incomePence: o.incomePence,
  subsidyPence: o.subsidyPence,
  privateRatePence: o.privateRatePence,
  organisations: o.organisations,
  cancellations: o.cancellations,
  noShows: o.noShows,
});

type Report = {
  totals: Record<string, number>;
  byTier: (Record<string, number> & { tier: string })[];
  byMonth: (Record<string, number> & { month: string; byTier: (Record<string, number> & { tier: string })[] })[];
  byRoom: { roomId: string; bookedHours: number; bookableHours: number; occupancy: number }[];
  byHub: (Record<string, number> & { hubId: string })[];
};

function compare(report: Report, hubs: Hub[], from: string, to: string) {
  const exp = expected(hubs, from, to);
  const label = `${from}..${to}`;
  expect({ label, ...pick(report.totals) }).toEqual({ label, ...view(exp.total) });
  expect(report.byTier.map((r) => ({ label, tier: r.tier, ...pick(r) }))).toEqual(TIERS.map((tier) => ({ label, tier, ...view(exp.byTier.get(tier)) })));
  const monthLabels: string[] = [];
  for (let m = DateTime.fromISO(from).startOf('month'); m <= DateTime.fromISO(to); m = m.plus({ months: 1 })) monthLabels.push(m.toFormat('yyyy-MM'));
  expect(report.byMonth.map((m) => m.month)).toEqual(monthLabels);
  for (const m of report.byMonth) {
    expect({ label, month: m.month, ...pick(m) }).toEqual({ label, month: m.month, ...view(exp.byMonth.get(m.month)) });
    expect(m.byTier.map((r) => ({ label, tier: r.tier, ...pick(r) }))).toEqual(TIERS.map((tier) => ({ label, tier, ...view(exp.byMonthTier.get(`${m.month}|${tier}`)) })));
    expect({ label, month: m.month, bookable: m.bookableHours }).toEqual({ label, month: m.month, bookable: hrs(exp.bookableByMonth.get(m.month) ?? 0) });
  }
  const activeRooms = rooms.filter((r) => hubs.some((h) => h.id === r.hubId));
  expect(report.byRoom.map((r) => r.roomId).sort()).toEqual(activeRooms.map((r) => r.id).sort());
  for (const r of report.byRoom) {
    const bookable = exp.bookableByRoom.get(r.roomId) ?? 0;
    const booked = exp.byRoomMs.get(r.roomId) ?? 0;
    expect({ label, room: r.roomId, booked: r.bookedHours, bookable: r.bookableHours, occupancy: r.occupancy }).toEqual({
      label,
      room: r.roomId,
      booked: hrs(booked),
      bookable: hrs(bookable),
      occupancy: bookable > 0 ? Math.round(Math.min(1, booked / bookable) * 10_000) / 10_000 : 0,
    });
  }
  // The parts add up exactly to the whole.
  for (const field of ['bookings', 'minutes', 'incomePence', 'subsidyPence', 'privateRatePence', 'cancellations'] as const) {
    expect({ label, field, sum: report.byTier.reduce((a, r) => a + r[field], 0) }).toEqual({ label, field, sum: report.totals[field] });
    expect({ label, field, sum: report.byMonth.reduce((a, r) => a + r[field], 0) }).toEqual({ label, field, sum: report.totals[field] });
    expect({ label, field, sum: report.byHub.reduce((a, r) => a + r[field], 0) }).toEqual({ label, field, sum: report.totals[field] });
  }
}

const hubReport = (hubId: string, from: string, to: string, auth = staff.auth) => t.http.get(`/hubs/${hubId}/reports/usage`).query({ from, to }).set(auth);
const networkReport = (query: Record<string, string>, auth = admin.auth) => t.http.get('/reports/usage').query(query).set(auth);

/** Periods: fixed ones across both UK clock changes and month ends, and random ones through the data. */
function periods(n: number): [string, string][] {
  const fixed: [string, string][] = [
    ['2026-01-01', '2026-12-31'],
    ['2026-03-01', '2026-11-30'],
    ['2026-03-29', '2026-03-29'],
    ['2026-03-28', '2026-04-02'],
    ['2026-10-25', '2026-10-25'],
    ['2026-10-20', '2026-11-05'],
    ['2026-01-31', '2026-02-01'],
    ['2026-12-31', '2027-01-01'],
    ['2026-02-15', '2027-02-15'],
  ];
  const out = [...fixed];
  const base = DateTime.fromISO('2025-12-20', { zone: 'UTC' });
  for (let i = 0; i < n; i++) {
    const from = base.plus({ days: randInt(0, 390) });
    const to = from.plus({ days: randInt(0, rand() < 0.3 ? 365 : 70) });
    out.push([from.toISODate()!, to.toISODate()!]);
  }
  return out;
}

describe('usage report figures', () => {
  it("match an independent loop over the bookings for a hub's periods, clock changes and month ends included", async () => {
    for (const [from, to] of periods(20)) {
      const res = await hubReport(london.id, from, to);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ scope: 'hub', from, to, currency: 'GBP' });
      compare(res.body, [london], from, to);
    }
  }, 120_000);

  it('match it for the network, each hub in its own zone', async () => {
    for (const [from, to] of periods(10)) {
      const res = await networkReport({ from, to });
      expect(res.status).toBe(200);
      // Hubs this file did not make (none on a fresh database) have no rooms or bookings here.
      const ours = (res.body.byHub as { hubId: string }[]).filter((h) => h.hubId === london.id || h.hubId === newYork.id);
      expect(ours).toHaveLength(2);
      compare(res.body, [london, newYork], from, to);
      const one = await networkReport({ from, to, hubId: newYork.id });
      expect(one.status).toBe(200);
      compare(one.body, [newYork], from, to);
    }
  }, 120_000);

  it('shares money so that adjacent periods add up to the whole, to the penny', async () => {
    const cuts = ['2026-01-31', '2026-03-28', '2026-03-29', '2026-06-30', '2026-10-24', '2026-10-25', '2026-12-30'];
    const whole = (await hubReport(london.id, '2026-01-01', '2026-12-31')).body;
    let income = 0;
    let subsidy = 0;
    let minutes = 0;
    let from = '2026-01-01';
    for (const cut of [...cuts, '2026-12-31']) {
      const part = (await hubReport(london.id, from, cut)).body;
      income += part.totals.incomePence;
      subsidy += part.totals.subsidyPence;
      minutes += part.totals.minutes;
      from = DateTime.fromISO(cut).plus({ days: 1 }).toISODate()!;
    }
    expect({ income, subsidy, minutes }).toEqual({ income: whole.totals.incomePence, subsidy: whole.totals.subsidyPence, minutes: whole.totals.minutes });
    expect(whole.totals.incomePence).toBeGreaterThan(0);
    expect(whole.byTier.every((r: { bookings: number }) => r.bookings > 0)).toBe(true);
  });

  it('reads the volunteers section as zero with a note while no shifts are recorded, with the hub\'s own valuation', async () => {
    const patched = await t.http
      .patch(`/hubs/${london.id}`)
      .set(staff.auth)
      .send({ settings: { reports: { volunteerHourValuePence: 1500, valuationNote: 'Local median wage (ONS 2025)' } } });
    expect(patched.status).toBe(200);
    const res = await hubReport(london.id, '2026-01-01', '2026-01-31');
    expect(res.body.volunteers).toEqual({
      hours: 0,
      minutes: 0,
      volunteers: 0,
      valuePence: 0,
      hourValuePence: 1500,
      valuationNote: 'Local median wage (ONS 2025)',
      byRole: [],
      byHub: [{ hubId: london.id, hubName: london.name, hourValuePence: 1500, valuationNote: 'Local median wage (ONS 2025)', hours: 0, minutes: 0, volunteers: 0, valuePence: 0 }],
      byMonth: [{ month: '2026-01', hours: 0, minutes: 0 }],
      note: 'No attended volunteer shifts are recorded for this period.',
    });
    // A hub without the setting gets the default.
    const other = await networkReport({ from: '2026-01-01', to: '2026-01-31', hubId: newYork.id });
    expect(other.body.volunteers).toMatchObject({ hourValuePence: 1271, valuationNote: expect.stringContaining('National Living Wage') });
  });
});

describe('CSV', () => {
  it('gives the same figures as a named file, by ?format=csv or Accept: text/csv', async () => {
    const json = (await hubReport(london.id, '2026-03-01', '2026-03-31')).body;
    for (const res of [
      await t.http.get(`/hubs/${london.id}/reports/usage`).query({ from: '2026-03-01', to: '2026-03-31', format: 'csv' }).set(staff.auth),
      await t.http.get(`/hubs/${london.id}/reports/usage`).query({ from: '2026-03-01', to: '2026-03-31' }).set(staff.auth).set('accept', 'text/csv'),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
      expect(res.headers['content-disposition']).toBe('attachment; filename="usage-riverside-the-old-school-2026-03-01-to-2026-03-31.csv"');
      const text: string = res.text;
      expect(text.charCodeAt(0)).toBe(0xfeff);
      const lines = text.slice(1).split('\r\n').filter(Boolean);
      expect(lines[0]).toBe(CSV_COLUMNS.join(','));
      // The hub's name holds a comma and quotes: quoted, quotes doubled.
      const total = lines.find((l) => l.startsWith('total,'))!;
      expect(total).toBe(
        `total,"Riverside, ""The Old School""",,,,,${json.totals.bookings},${json.totals.hours},${json.totals.minutes},${json.totals.incomePence},${json.totals.privateRatePence},${json.totals.subsidyPence},${json.totals.organisations},${json.totals.cancellations},${json.totals.noShows},${json.totals.bookableHours},${json.totals.occupancy},,,,`,
      );
      // A room name that would start a spreadsheet formula is escaped.
      expect(lines.some((l) => l.startsWith(`room,"Riverside, ""The Old School""",,,'=Snug,`))).toBe(true);
      expect(lines.filter((l) => l.startsWith('month_tier,'))).toHaveLength(4);
      expect(lines.some((l) => l.startsWith('volunteers,') && l.endsWith('No attended volunteer shifts are recorded for this period.'))).toBe(true);
    }
    const json2 = await t.http.get(`/hubs/${london.id}/reports/usage`).query({ from: '2026-03-01', to: '2026-03-31' }).set(staff.auth).set('accept', 'application/json, text/csv');
    expect(json2.headers['content-type']).toMatch(/^application\/json/);
  });

  it('names each hub in a network file', async () => {
    const res = await networkReport({ from: '2026-01-01', to: '2026-12-31', format: 'csv' });
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="usage-network-2026-01-01-to-2026-12-31.csv"');
    expect(res.text).toContain('\r\nhub,Harbour Hall,');
    expect(res.text).toContain('\r\nroom,Harbour Hall,,,Main room,');
    expect(res.text).toContain('\r\ntotal,All hubs,');
  });
});

describe('bad input and callers', () => {
  const spy = () => jest.spyOn(t.container.repos.reports, 'usage');
  afterEach(() => jest.restoreAllMocks());

  it.each([
    [{ from: '2026-03-10', to: '2026-03-09' }, 400, 'validation_failed'],
    [{ from: '2026-01-01', to: '2027-01-02' }, 400, 'validation_failed'],
    [{ from: '2026-02-30', to: '2026-03-09' }, 400, 'validation_failed'],
    [{ from: '2026-03-01' }, 400, 'validation_failed'],
    [{ from: '2026-03-01T00:00:00Z', to: '2026-03-09' }, 400, 'validation_failed'],
    [{ from: '2026-03-01', to: '2026-03-09', format: 'xlsx' }, 400, 'validation_failed'],
  ])('refuses %j with %i and runs nothing', async (query, status, code) => {
    const usage = spy();
    expectProblem(await t.http.get(`/hubs/${london.id}/reports/usage`).query(query).set(staff.auth), status, code);
    expectProblem(await networkReport(query), status, code);
    expect(usage).not.toHaveBeenCalled();
  });

  it('answers 404 for an unknown hub, and runs nothing', async () => {
    const usage = spy();
    const unknown = '00000000-0000-4000-8000-000000000000';
    expectProblem(await hubReport(unknown, '2026-01-01', '2026-01-31', admin.auth), 404, 'not_found');
    expectProblem(await networkReport({ from: '2026-01-01', to: '2026-01-31', hubId: unknown }), 404, 'not_found');
    expect(usage).not.toHaveBeenCalled();
  });

  it("refuses staff of another hub, volunteers and hirers (403) and strangers (401), and runs nothing", async () => {
    const usage = spy();
    for (const who of [otherStaff, volunteer, hirer]) {
      expectProblem(await hubReport(london.id, '2026-01-01', '2026-01-31', who.auth), 403, 'forbidden');
      expectProblem(await networkReport({ from: '2026-01-01', to: '2026-01-31' }, who.auth), 403, 'forbidden');
    }
    expectProblem(await networkReport({ from: '2026-01-01', to: '2026-01-31' }, staff.auth), 403, 'forbidden');
    expectProblem(await t.http.get(`/hubs/${london.id}/reports/usage`).query({ from: '2026-01-01', to: '2026-01-31' }), 401, 'unauthenticated');
    expectProblem(await t.http.get('/reports/usage').query({ from: '2026-01-01', to: '2026-01-31' }), 401, 'unauthenticated');
    expect(usage).not.toHaveBeenCalled();
    // An admin may read a hub's report too.
    expect((await hubReport(london.id, '2026-01-01', '2026-01-31', admin.auth)).status).toBe(200);
  });
});

describe('no-shows', () => {
  it("count ended bookings whose keypad code never opened a door, where the hub has a keypad", async () => {
    const hub = await makeHub(t, { name: 'Keypad hub' });
    const room = await makeRoom(t, hub.id);
    const org = await makeOrg(t, [], { claimedTier: 'statutory' });
    await addRole(t, hub.id, staff.id, 'staff');
    const [door] = await t.container.database.db.insert(doors).values({ hubId: hub.id, name: 'Front', provider: 'keypad' }).returning();
    const day = (d: number, h: number) => new Date(Date.UTC(2026, 4, d, h));
    const made2 = await t.container.database.db
      .insert(bookings)
      .values(
        [4, 5, 6, 7].map((d) => ({
          roomId: room.id,
          hubId: hub.id,
          organisationId: org.id,
          title: 'Keypad',
          attendees: 3,
          startsAt: day(d, 10),
          endsAt: day(d, 12),
          blockedUntil: day(d, 12),
          status: 'completed' as const,
          price: { amountPence: 1000, currency: 'GBP' as const, tier: 'statutory' as const, subsidyPence: 500, lines: [] },
        })),
      )
      .returning();
    // Codes for the first three; the first opens the door, the second is refused once, the third never tried.
    for (const [i, b] of made2.slice(0, 3).entries()) {
      const [code] = await t.container.database.db
        .insert(accessCodes)
        .values({ hubId: hub.id, kind: 'booking', bookingId: b.id, codeCipher: 'x', codeLength: 6, validFrom: day(4 + i, 9), validUntil: day(4 + i, 13), status: 'expired' })
        .returning();
      await t.container.database.db.insert(accessCodeDoors).values({ accessCodeId: code.id, doorId: door.id, codeHash: `h${i}`, validFrom: day(4 + i, 9), validUntil: day(4 + i, 13) });
      if (i < 2) {
        await t.container.database.db.insert(doorEntries).values({ hubId: hub.id, doorId: door.id, at: day(4 + i, 10), granted: i === 0, result: i === 0 ? 'granted' : 'outside_window', accessCodeId: code.id });
      }
    }
    const res = await hubReport(hub.id, '2026-05-01', '2026-05-31');
    expect(res.status).toBe(200);
    expect(res.body.byTier.find((r: { tier: string }) => r.tier === 'statutory')).toMatchObject({ bookings: 4, noShows: 2, incomePence: 4000, subsidyPence: 2000, privateRatePence: 6000, hours: 8 });
    expect(res.body.totals.noShows).toBe(2);
  });
});

describe('volunteer hours from the injected source', () => {
  it('values each hub\'s attended minutes at its own hourly value, by role, apart from money charged', async () => {
    const windows: unknown[] = [];
    const v = await createTestApp({
      now: NOW,
      overrides: {
        volunteerHours: async (w) => {
          windows.push(...w);
          const [a, b] = w.map((x) => x.hubId);
          return {
            rows: [
              { hubId: a, role: 'opener', month: '2026-03', minutes: 90, volunteers: 2 },
              { hubId: a, role: 'opener', month: '2026-04', minutes: 61, volunteers: 1 },
              { hubId: a, role: 'caretaker', month: '2026-04', minutes: 240, volunteers: 1 },
              { hubId: b, role: 'opener', month: '2026-04', minutes: 30, volunteers: 1 },
            ],
            totals: [
              { hubId: a, role: 'opener', volunteers: 2 },
              { hubId: a, role: 'caretaker', volunteers: 1 },
              { hubId: a, role: null, volunteers: 2 },
              { hubId: b, role: 'opener', volunteers: 1 },
              { hubId: b, role: null, volunteers: 1 },
            ],
          };
        },
      },
    });
    try {
      const a = await makeHub(v, { name: 'A hub', settings: { reports: { volunteerHourValuePence: 1271, valuationNote: 'National Living Wage' } } });
      const b = await makeHub(v, { name: 'B hub', timezone: 'Europe/Dublin', settings: { reports: { volunteerHourValuePence: 1000, valuationNote: 'Flat £10' } } });
      const boss = await makeUser(v, { isAdmin: true });
      const res = await v.http.get('/reports/usage').query({ from: '2026-03-15', to: '2026-04-15' }).set(boss.auth);
      expect(res.status).toBe(200);
      // Each hub's own window: its local dates in its own zone (London is on GMT on 15 March, Dublin too).
      expect(windows).toEqual([
        { hubId: a.id, timezone: 'Europe/London', fromUtc: new Date('2026-03-15T00:00:00Z'), toUtc: new Date('2026-04-15T23:00:00Z') },
        { hubId: b.id, timezone: 'Europe/Dublin', fromUtc: new Date('2026-03-15T00:00:00Z'), toUtc: new Date('2026-04-15T23:00:00Z') },
      ]);
      // A opener 151 min × 12.71/h = 3198.68 → 3199; caretaker 240 min → 5084; B opener 30 min × 10.00/h = 500.
      expect(res.body.volunteers).toEqual({
        hours: 7.02,
        minutes: 421,
        volunteers: 3,
        valuePence: 3199 + 5084 + 500,
        hourValuePence: null,
        valuationNote: null,
        byRole: [
          { role: 'caretaker', hours: 4, minutes: 240, volunteers: 1, valuePence: 5084 },
          { role: 'opener', hours: 3.02, minutes: 181, volunteers: 3, valuePence: 3699 },
        ],
        byHub: [
          { hubId: a.id, hubName: 'A hub', hourValuePence: 1271, valuationNote: 'National Living Wage', hours: 6.52, minutes: 391, volunteers: 2, valuePence: 8283 },
          { hubId: b.id, hubName: 'B hub', hourValuePence: 1000, valuationNote: 'Flat £10', hours: 0.5, minutes: 30, volunteers: 1, valuePence: 500 },
        ],
        // Every month of the period, across the hubs: March 90 minutes; April 61 + 240 + 30.
        byMonth: [
          { month: '2026-03', hours: 1.5, minutes: 90 },
          { month: '2026-04', hours: 5.52, minutes: 331 },
        ],
        note: null,
      });
      // Volunteer value is never money charged; a hub with no rooms or bookings reads zero, not an error.
      expect(res.body.totals).toMatchObject({ bookings: 0, incomePence: 0, subsidyPence: 0, bookableHours: 0, occupancy: 0 });
    } finally {
      await v.close();
    }
  });
});
