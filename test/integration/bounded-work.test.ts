import { performance } from 'node:perf_hooks';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeRoom, makeWorld } from '../helpers/factories';

/**
 * "Work per request is bounded": the worst ranges and dates we could think of, sent to every
 * documented route, each answer compared with a cheap signed-in route in the same run (GET /me,
 * a few indexed queries). No absolute times: a ratio, generous enough for a busy machine and far
 * below what an unbounded walk costs (a booking ending in 2300 once took 110 s).
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let bookingId: string;
let doc: { paths: Record<string, Record<string, unknown>> };
const DAY = '2026-05-12';
const FAR = '2199-12-31T10:00:00Z';
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
  const b = await t.http
    .post('/bookings')
    .set(w.hirer.auth)
    .send({ roomId: w.room.id, organisationId: w.org.id, title: 'Choir', attendees: 5, startsAt: `${DAY}T10:00:00`, endsAt: `${DAY}T11:00:00` });
  expect(b.status).toBe(201);
  bookingId = b.body.id;
  doc = (await t.http.get('/docs/json')).body;
});
afterAll(() => t.close());

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
const send = (method: string, url: string, body?: unknown, query?: Record<string, string>) => {
  let r = (t.http as unknown as Record<Method, (u: string) => import('supertest').Test>)[method as Method](url).set(w.admin.auth);
  if (query) r = r.query(query);
  if (body !== undefined) r = r.send(body as object);
  return r;
};
async function timed(method: string, url: string, body?: unknown, query?: Record<string, string>) {
  const start = performance.now();
  const res = await send(method, url, body, query);
  return { ms: performance.now() - start, status: res.status };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const idFor = (path: string, param: string) => {
  if (param === 'hubId') return w.hub.id;
  if (param === 'roomId') return w.room.id;
  if (path.startsWith('/organisations/')) return w.org.id;
  if (path.startsWith('/bookings/')) return bookingId;
  return '00000000-0000-4000-8000-000000000000';
};

const worstBodies = () => [
  // The attack of issue 8: a booking (or move, closure, quote) that ends centuries ahead.
  { roomId: w.room.id, organisationId: w.org.id, title: 'x', attendees: 1, reason: 'x', startsAt: `${DAY}T10:00:00Z`, endsAt: FAR },
  // A series over every day until the last year the API accepts.
  { roomId: w.room.id, organisationId: w.org.id, title: 'x', attendees: 1, startsAt: `${DAY}T10:00:00Z`, endsAt: `${DAY}T11:00:00Z`, recurrence: { weekdays: [1, 2, 3, 4, 5, 6, 7], until: '2199-12-31' } },
  { roomId: w.room.id, organisationId: w.org.id, title: 'x', attendees: 1, startsAt: `${DAY}T10:00:00Z`, endsAt: `${DAY}T11:00:00Z`, recurrence: { weekdays: [1], count: 1_000_000 } },
  // Dates PostgreSQL or the domain cannot hold.
  { roomId: w.room.id, organisationId: w.org.id, title: 'x', attendees: 1, reason: 'x', startsAt: '0000-01-01T00:00:00Z', endsAt: '9999-12-31T23:59:59Z', effectiveFrom: '9999-12-31', recheckOn: '9999-12-31', tiers: {} },
];
const worstQueries = (): Record<string, string>[] => [
  { from: '2000-01-01T00:00:00Z', to: FAR, startsAt: `${DAY}T10:00:00Z`, endsAt: FAR, organisationId: w.org.id, limit: '200' },
  { from: '0000-01-01T00:00:00Z', to: '9999-12-31T00:00:00Z', startsAt: '0000-01-01T00:00:00Z', endsAt: '9999-12-31T00:00:00Z', organisationId: w.org.id },
];

describe('every route answers the worst inputs about as fast as a cheap one', () => {
  it('stays within a generous multiple of GET /me', async () => {
    const reference: number[] = [];
    for (let i = 0; i < 21; i++) reference.push((await timed('get', '/me')).ms);
    const ref = median(reference);
    const LIMIT = 200;
    const slow: string[] = [];
    let calls = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (path.startsWith('/docs') || path.startsWith('/webhooks/')) continue;
      const url = path.replace(/\{([^}]+)\}/g, (_m, p: string) => idFor(path, p));
      for (const method of Object.keys(methods)) {
        const inputs: Array<[unknown, Record<string, string> | undefined]> =
          method === 'get' ? worstQueries().map((q) => [undefined, q]) : method === 'delete' ? [[undefined, undefined]] : worstBodies().map((b) => [b, undefined]);
        for (const [body, query] of inputs) {
          // The least of three tries: a busy machine can stall one request, an unbounded walk stalls all three.
          let best = await timed(method, url, body, query);
          for (let i = 0; i < 2 && best.ms > ref * LIMIT; i++) {
            const again = await timed(method, url, body, query);
            if (again.ms < best.ms) best = again;
          }
          calls++;
          if (best.ms > ref * LIMIT || best.status >= 500) slow.push(`${method.toUpperCase()} ${path} ${JSON.stringify(body ?? query).slice(0, 90)} → ${best.status}, ${Math.round(best.ms / ref)}× GET /me`);
        }
      }
    }
    expect(calls).toBeGreaterThan(60);
    expect(slow).toEqual([]);
  }, 120_000);
});

describe('ranges and dates are refused before any work', () => {
  const booking = (over: Record<string, unknown>) => ({ roomId: w.room.id, organisationId: w.org.id, title: 'x', attendees: 1, ...over });
  it('refuses a booking that ends centuries ahead with the length rule, not after walking opening hours', async () => {
    expectProblem(await t.http.post('/bookings').set(w.hirer.auth).send(booking({ startsAt: `${DAY}T10:00:00`, endsAt: '2199-05-12T10:00:00' })), 422, 'too_long');
    const fresh = await t.http.post('/bookings').set(w.hirer.auth).send(booking({ startsAt: '2026-05-13T10:00:00', endsAt: '2026-05-13T11:00:00' }));
    expect(fresh.status).toBe(201);
    expectProblem(await t.http.post(`/bookings/${fresh.body.id}/move`).set(w.hirer.auth).send({ startsAt: `${DAY}T10:00:00`, endsAt: '2199-05-12T10:00:00' }), 422, 'too_long');
  });

  it.each([
    ['0000-01-01T10:00:00Z'],
    ['9999-12-31T10:00:00Z'],
    ['1899-06-01T10:00:00Z'],
    ['2200-01-01T00:00:00Z'],
  ])('answers 400 validation_failed for %s wherever a date is taken', async (when) => {
    expectProblem(await t.http.post('/bookings').set(w.hirer.auth).send(booking({ startsAt: when, endsAt: when })), 400, 'validation_failed');
    expectProblem(await t.http.get(`/rooms/${w.room.id}/availability`).set(w.hirer.auth).query({ from: when, to: FAR }), 400, 'validation_failed');
    expectProblem(await t.http.get('/search/rooms').set(w.hirer.auth).query({ startsAt: when, endsAt: FAR }), 400, 'validation_failed');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/entries`).set(w.staff.auth).query({ from: when }), 400, 'validation_failed');
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).send({ startsAt: when, endsAt: FAR, reason: 'x' }), 400, 'validation_failed');
    const date = when.slice(0, 10);
    expectProblem(await t.http.post(`/organisations/${w.org.id}/verify`).set(w.staff.auth).send({ tier: 'community', evidence: 'x', recheckOn: date }), 400, 'validation_failed');
    expectProblem(
      await t.http.post('/bookings').set(w.hirer.auth).send(booking({ startsAt: `${DAY}T10:00:00`, endsAt: `${DAY}T11:00:00`, recurrence: { weekdays: [2], until: date } })),
      400,
      'validation_failed',
    );
  });

  it('refuses to price more than 8 days (no room takes a longer booking), even with a rate card of 20 bands', async () => {
    const rate = { hourlyPence: 1000 };
    const tiers = { community: rate, national_charity: rate, statutory: rate, private: rate };
    const bands = Array.from({ length: 20 }, (_, i) => ({ name: `b${i}`, weekdays: [1, 2, 3, 4, 5, 6, 7], from: `${String(i).padStart(2, '0')}:00`, to: `${String(i).padStart(2, '0')}:30`, tiers }));
    expect((await t.http.put(`/hubs/${w.hub.id}/rate-card`).set(w.staff.auth).send({ effectiveFrom: '2026-03-02', tiers, bands })).status).toBe(200);
    const quote = (endsAt: string) => t.http.get(`/rooms/${w.room.id}/quote`).set(w.hirer.auth).query({ organisationId: w.org.id, startsAt: `${DAY}T10:00:00Z`, endsAt });
    expect((await quote(`${DAY}T12:00:00Z`)).status).toBe(200);
    expectProblem(await quote('2027-03-12T10:00:00Z'), 400, 'validation_failed');

    // A search prices each card once: rooms sharing the hub's card get the same quote, a room with its own card its own.
    const own = { hourlyPence: 300 };
    expect((await t.http.put(`/rooms/${w.smallRoom.id}/rate-card`).set(w.staff.auth).send({ effectiveFrom: '2026-03-02', tiers: { community: own, national_charity: own, statutory: own, private: own } })).status).toBe(200);
    const third = await makeRoom(t, w.hub.id, { name: 'Annexe', capacity: 50 });
    const found = await t.http.get('/search/rooms').set(w.hirer.auth).query({ hubId: w.hub.id, startsAt: '2026-05-14T10:00:00Z', endsAt: '2026-05-14T12:00:00Z', organisationId: w.org.id });
    expect(found.status).toBe(200);
    const priceOf = (id: string) => found.body.items.find((i: { id: string }) => i.id === id)?.quote?.amountPence;
    expect(priceOf(w.room.id)).toBe(2000);
    expect(priceOf(third.id)).toBe(2000);
    expect(priceOf(w.smallRoom.id)).toBe(600);
  });

  it('caps a closure at a year and says so, creating nothing', async () => {
    const res = await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).send({ startsAt: '2026-06-01T00:00:00Z', endsAt: '2027-06-03T00:00:00Z', reason: 'Refit' });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.detail).toMatch(/366 days/);
    const list = await t.http.get(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).query({ from: '2026-01-01T00:00:00Z', to: '2027-12-31T00:00:00Z' });
    expect(list.body.items).toEqual([]);
  });
});
