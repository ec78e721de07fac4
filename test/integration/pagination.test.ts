import { sql } from 'drizzle-orm';
import { bookings, closures, doors, payments, refunds } from '../../src/db/schema';
import { encodeCursor } from '../../src/http/schemas';
import { createTestApp, type TestApp } from '../helpers/app';
import { addRole, expectProblem, makeHub, makeOrg, makeRoom, makeUser, makeWorld } from '../helpers/factories';

// Every list takes `limit` and an opaque `cursor` and answers {items, nextCursor}: walking the pages
// two at a time must give every row exactly once, in the list's documented order, with the id as
// the tie-breaker. Names here use one case and plain letters, so every collation sorts them alike.

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
});
afterAll(async () => t.close());

type Item = Record<string, unknown> & { id?: string; userId?: string };
type Auth = Record<string, string>;

/** Walks every page of a list with limit=2; fails on a page over the limit or a loop. */
async function walk(path: string, auth: Auth = {}, query: Record<string, string> = {}): Promise<Item[]> {
  const seen: Item[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 200; pages++) {
    const res = await t.http
      .get(path)
      .set(auth)
      .query({ ...query, limit: 2, ...(cursor ? { cursor } : {}) });
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(2);
    expect(res.body).toHaveProperty('nextCursor');
    seen.push(...(res.body.items as Item[]));
    cursor = res.body.nextCursor;
    if (cursor === null) return seen;
    expect(res.body.items).toHaveLength(2);
  }
  throw new Error(`${path}: more than 200 pages`);
}

const ids = (items: Item[], key: 'id' | 'userId' = 'id') => items.map((i) => i[key] as string);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Sorts by each key in turn (all ascending); ids are lowercase hex, which sorts as uuid does. */
const sortBy = <T>(rows: T[], ...keys: ((r: T) => string)[]) =>
  [...rows].sort((a, b) => keys.reduce((c, k) => c || cmp(k(a), k(b)), 0));

async function expectGarbageRefused(path: string, auth: Auth = {}, query: Record<string, string> = {}) {
  for (const cursor of ['garbage', '%%%', encodeCursor(['only one part']), encodeCursor(['x', 'y', 'not-a-uuid', 'z']), encodeCursor(['x', 'not-a-uuid'])]) {
    expectProblem(await t.http.get(path).set(auth).query({ ...query, cursor }), 400, 'validation_failed');
  }
}

/** Each row's exact timestamp as SQL (microseconds, which a JS Date cannot hold). */
const ts = (iso: string) => sql`${iso}::timestamptz`;

describe('GET /hubs', () => {
  it('pages every hub by name, then id, each once', async () => {
    const mine = [await makeHub(t, { name: 'Pag C' }), await makeHub(t, { name: 'Pag A' }), await makeHub(t, { name: 'Pag B' }), await makeHub(t, { name: 'Pag B' }), await makeHub(t, { name: 'Pag B' })];
    const all = await walk('/hubs');
    expect(new Set(ids(all)).size).toBe(all.length);
    const mineIds = new Set(mine.map((h) => h.id));
    expect(ids(all.filter((h) => mineIds.has(h.id!)))).toEqual(ids(sortBy(mine, (h) => h.name, (h) => h.id)));
    await expectGarbageRefused('/hubs');
  });
});

describe('GET /hubs/:hubId/rooms', () => {
  it('pages the rooms by name, then id, leaving out inactive ones unless asked', async () => {
    const hub = await makeHub(t);
    const rooms = [
      await makeRoom(t, hub.id, { name: 'Room B' }),
      await makeRoom(t, hub.id, { name: 'Room A' }),
      await makeRoom(t, hub.id, { name: 'Room B' }),
      await makeRoom(t, hub.id, { name: 'Room C', active: false }),
      await makeRoom(t, hub.id, { name: 'Room B' }),
      await makeRoom(t, hub.id, { name: 'Room D' }),
    ];
    const sorted = sortBy(rooms, (r) => r.name, (r) => r.id);
    expect(ids(await walk(`/hubs/${hub.id}/rooms`))).toEqual(ids(sorted.filter((r) => r.active)));
    expect(ids(await walk(`/hubs/${hub.id}/rooms`, {}, { includeInactive: 'true' }))).toEqual(ids(sorted));
    await expectGarbageRefused(`/hubs/${hub.id}/rooms`);
  });
});

describe('GET /hubs/:hubId/closures', () => {
  it('pages the closures by start, then id, to the microsecond', async () => {
    const hub = await makeHub(t);
    const starts = ['2026-04-01T10:00:00.000000Z', '2026-04-01T10:00:00.000000Z', '2026-04-01T10:00:00.000000Z', '2026-04-03T10:00:00.123000Z', '2026-04-03T10:00:00.123456Z', '2026-04-03T10:00:00.123999Z', '2026-04-02T10:00:00.000000Z'];
    const rows = [];
    for (const s of starts) {
      const [row] = await t.container.database.db
        .insert(closures)
        .values({ hubId: hub.id, startsAt: ts(s), endsAt: ts('2026-05-01T00:00:00Z'), reason: 'Works' })
        .returning();
      rows.push({ id: row.id, startsAt: s });
    }
    expect(ids(await walk(`/hubs/${hub.id}/closures`))).toEqual(ids(sortBy(rows, (r) => r.startsAt, (r) => r.id)));
    await expectGarbageRefused(`/hubs/${hub.id}/closures`);
  });
});

describe('GET /hubs/:hubId/members', () => {
  it('pages the people by name, role, then user id (one item per role held)', async () => {
    const hub = await makeHub(t);
    const boss = await makeUser(t, { name: 'Mem E' });
    const a1 = await makeUser(t, { name: 'Mem A' });
    const a2 = await makeUser(t, { name: 'Mem A' });
    const b = await makeUser(t, { name: 'Mem B' });
    const c = await makeUser(t, { name: 'Mem C' });
    const roles: [typeof boss, 'staff' | 'volunteer'][] = [
      [boss, 'staff'],
      [a1, 'volunteer'],
      [a2, 'volunteer'],
      [a1, 'staff'],
      [b, 'volunteer'],
      [b, 'staff'],
      [c, 'volunteer'],
    ];
    for (const [u, role] of roles) await addRole(t, hub.id, u.id, role);
    const rank = { staff: '0', volunteer: '1' };
    const expected = sortBy(roles, ([u]) => u.name, ([, r]) => rank[r], ([u]) => u.id).map(([u, role]) => `${u.id}/${role}`);
    const got = await walk(`/hubs/${hub.id}/members`, boss.auth);
    expect(got.map((m) => `${m.userId}/${m.role}`)).toEqual(expected);
    await expectGarbageRefused(`/hubs/${hub.id}/members`, boss.auth);
    expectProblem(await t.http.get(`/hubs/${hub.id}/members`).set(boss.auth).query({ cursor: encodeCursor(['Mem A', 'owner', a1.id]) }), 400, 'validation_failed');
  });
});

describe('GET /organisations', () => {
  it("pages the caller's organisations by name, then id", async () => {
    const u = await makeUser(t);
    const orgs = [];
    for (const name of ['Org Q', 'Org P', 'Org Q', 'Org R', 'Org Q']) orgs.push(await makeOrg(t, [u.id], { name }));
    await makeOrg(t, [w.stranger.id], { name: 'Org P' });
    expect(ids(await walk('/organisations', u.auth))).toEqual(ids(sortBy(orgs, (o) => o.name, (o) => o.id)));
    await expectGarbageRefused('/organisations', u.auth);
  });

  it('pages every organisation for staff (all=true), each once', async () => {
    const orgs = [];
    for (const name of ['Org Y', 'Org X', 'Org Y', 'Org Z', 'Org Y']) orgs.push(await makeOrg(t, [], { name }));
    const all = await walk('/organisations', w.staff.auth, { all: 'true' });
    expect(new Set(ids(all)).size).toBe(all.length);
    const mine = new Set(orgs.map((o) => o.id));
    expect(ids(all.filter((o) => mine.has(o.id!)))).toEqual(ids(sortBy(orgs, (o) => o.name, (o) => o.id)));
    await expectGarbageRefused('/organisations', w.staff.auth, { all: 'true' });
  });
});

describe('GET /hubs/:hubId/doors', () => {
  it('pages the doors by name, then id', async () => {
    const rows = [];
    for (const name of ['Door B', 'Door A', 'Door B', 'Door C', 'Door B']) {
      const [d] = await t.container.database.db.insert(doors).values({ hubId: w.hub.id, name, provider: 'none' }).returning();
      rows.push(d);
    }
    expect(ids(await walk(`/hubs/${w.hub.id}/doors`, w.staff.auth))).toEqual(ids(sortBy(rows, (d) => d.name, (d) => d.id)));
    await expectGarbageRefused(`/hubs/${w.hub.id}/doors`, w.staff.auth);
  });
});

describe('GET /hubs/:hubId/approvals', () => {
  it('pages the requested bookings by start, then id', async () => {
    const hub = await makeHub(t);
    const staff = await makeUser(t);
    await addRole(t, hub.id, staff.id, 'staff');
    const roomIds = [(await makeRoom(t, hub.id)).id, (await makeRoom(t, hub.id)).id, (await makeRoom(t, hub.id)).id];
    const starts = ['2026-04-02T10:00:00.000000Z', '2026-04-01T10:00:00.000000Z', '2026-04-01T10:00:00.000000Z', '2026-04-01T10:00:00.000000Z', '2026-04-03T10:00:00.000000Z'];
    const rows = [];
    for (const [i, s] of starts.entries()) {
      const end = new Date(new Date(s).getTime() + 3600_000);
      const [b] = await t.container.database.db
        .insert(bookings)
        .values({ roomId: roomIds[i % 3], hubId: hub.id, organisationId: w.org.id, title: `Ask ${i}`, attendees: 5, startsAt: new Date(s), endsAt: end, blockedUntil: end, status: 'requested' })
        .returning();
      rows.push({ id: b.id, startsAt: s });
    }
    await t.container.database.db
      .insert(bookings)
      .values({ roomId: roomIds[0], hubId: hub.id, organisationId: w.org.id, title: 'Done', attendees: 5, startsAt: new Date('2026-04-01T08:00:00Z'), endsAt: new Date('2026-04-01T09:00:00Z'), blockedUntil: new Date('2026-04-01T09:00:00Z'), status: 'confirmed' });
    expect(ids(await walk(`/hubs/${hub.id}/approvals`, staff.auth))).toEqual(ids(sortBy(rows, (r) => r.startsAt, (r) => r.id)));
    await expectGarbageRefused(`/hubs/${hub.id}/approvals`, staff.auth);
  });
});

describe('GET /hubs/:hubId/payments and /refunds', () => {
  const created = ['2026-03-01T10:00:00.000000Z', '2026-03-01T10:00:00.000000Z', '2026-03-01T10:00:00.000000Z', '2026-03-01T11:00:00.123000Z', '2026-03-01T11:00:00.123456Z', '2026-03-01T11:00:00.123999Z', '2026-02-28T09:00:00.000000Z'];
  /** Newest first, then by id descending. */
  const newestFirst = (rows: { id: string; createdAt: string }[]) => sortBy(rows, (r) => r.createdAt, (r) => r.id).reverse();
  let hub: Awaited<ReturnType<typeof makeHub>>;
  let staff: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    hub = await makeHub(t);
    staff = await makeUser(t);
    await addRole(t, hub.id, staff.id, 'staff');
  });

  it('pages the payments newest first, then by id, to the microsecond', async () => {
    const rows = [];
    for (const c of created) {
      const [p] = await t.container.database.db
        .insert(payments)
        .values({ hubId: hub.id, organisationId: w.org.id, method: 'card', status: 'paid', amountPence: 100, createdAt: ts(c) })
        .returning();
      rows.push({ id: p.id, createdAt: c });
    }
    expect(ids(await walk(`/hubs/${hub.id}/payments`, staff.auth))).toEqual(ids(newestFirst(rows)));
    await expectGarbageRefused(`/hubs/${hub.id}/payments`, staff.auth);
  });

  it('pages the refunds newest first, then by id, to the microsecond', async () => {
    const room = await makeRoom(t, hub.id);
    const [p] = await t.container.database.db.insert(payments).values({ hubId: hub.id, organisationId: w.org.id, method: 'card', status: 'paid', amountPence: 1000 }).returning();
    const rows = [];
    for (const [i, c] of created.entries()) {
      const at = new Date(Date.UTC(2026, 3, 1 + i, 10));
      const [b] = await t.container.database.db
        .insert(bookings)
        .values({ roomId: room.id, hubId: hub.id, organisationId: w.org.id, title: `Gone ${i}`, attendees: 5, startsAt: at, endsAt: new Date(at.getTime() + 3600_000), blockedUntil: new Date(at.getTime() + 3600_000), status: 'cancelled' })
        .returning();
      const [r] = await t.container.database.db
        .insert(refunds)
        .values({ paymentId: p.id, bookingId: b.id, hubId: hub.id, amountPence: 100, percent: 100, createdAt: ts(c) })
        .returning();
      rows.push({ id: r.id, createdAt: c });
    }
    expect(ids(await walk(`/hubs/${hub.id}/refunds`, staff.auth))).toEqual(ids(newestFirst(rows)));
    await expectGarbageRefused(`/hubs/${hub.id}/refunds`, staff.auth);
  });
});

describe('the page size', () => {
  it('is 50 unless asked, at most 200', async () => {
    expectProblem(await t.http.get('/hubs').query({ limit: 201 }), 400, 'validation_failed');
    expectProblem(await t.http.get('/hubs').query({ limit: 0 }), 400, 'validation_failed');
    const res = await t.http.get('/hubs');
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(50);
  });
});
