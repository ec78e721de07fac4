import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeHub, makeOrg, makeRoom, makeWorld } from '../helpers/factories';
import { cardBody, EVENING, RATES, seedCard } from '../helpers/pricing';

// The clock reads Monday 2026-03-02 09:00Z. UK clocks go forward on Sunday 2026-03-29 and back on Sunday 2026-10-25.
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let orgs: Record<'community' | 'national_charity' | 'statutory' | 'private' | 'unverified', { id: string }>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
  const verified = { verificationStatus: 'verified' as const, recheckOn: '2027-01-01' };
  orgs = {
    community: await makeOrg(t, [w.hirer.id], { claimedTier: 'community', verifiedTier: 'community', ...verified }),
    national_charity: await makeOrg(t, [w.hirer.id], { claimedTier: 'national_charity' }),
    statutory: await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory' }),
    private: w.org,
    unverified: await makeOrg(t, [w.hirer.id], { claimedTier: 'community' }),
  };
  expect((await t.http.put(`/hubs/${w.hub.id}/rate-card`).set(w.staff.auth).send(cardBody())).status).toBe(200);
});
afterAll(() => t.close());

const quote = (roomId: string, organisationId: string, startsAt: string, endsAt: string, auth = w.hirer.auth) =>
  t.http.get(`/rooms/${roomId}/quote`).set(auth).query({ organisationId, startsAt, endsAt });

describe('rate cards', () => {
  it('lets staff set the hub card and keeps every version with who and when', async () => {
    const hub = w.otherHub;
    const first = await t.http.put(`/hubs/${hub.id}/rate-card`).set(w.otherStaff.auth).send(cardBody());
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ hubId: hub.id, roomId: null, effectiveFrom: '2026-03-02', tiers: RATES, bands: [EVENING], createdBy: w.otherStaff.id, createdByName: 'Other staff' });
    const later = await t.http.put(`/hubs/${hub.id}/rate-card`).set(w.otherStaff.auth).send(cardBody({ effectiveFrom: '2026-04-01', minimumChargePence: 500 }));
    expect(later.status).toBe(200);
    const got = await t.http.get(`/hubs/${hub.id}/rate-card`).set(w.otherStaff.auth);
    expect(got.status).toBe(200);
    expect(got.body.current.id).toBe(first.body.id);
    expect(got.body.upcoming.map((c: { id: string }) => c.id)).toEqual([later.body.id]);
    expect(got.body.history.map((c: { id: string }) => c.id)).toEqual([later.body.id, first.body.id]);
    // Time moves on: the April card is now current, the March one is still in the history.
    t.clock.set('2026-04-02T09:00:00Z');
    try {
      const april = await t.http.get(`/hubs/${hub.id}/rate-card`).set(w.otherStaff.auth);
      expect(april.body.current.id).toBe(later.body.id);
      expect(april.body.upcoming).toEqual([]);
    } finally {
      t.clock.set('2026-03-02T09:00:00Z');
    }
  });

  it('refuses other people: 401 without a token, 403 for hirers and other hubs\' staff, 404 for unknown hubs and rooms', async () => {
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/rate-card`), 401, 'unauthenticated');
    expectProblem(await t.http.put(`/hubs/${w.hub.id}/rate-card`).send(cardBody()), 401, 'unauthenticated');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/rate-card`).set(w.hirer.auth), 403, 'forbidden');
    expectProblem(await t.http.put(`/hubs/${w.hub.id}/rate-card`).set(w.otherStaff.auth).send(cardBody()), 403, 'forbidden');
    expectProblem(await t.http.put(`/rooms/${w.room.id}/rate-card`).set(w.hirer.auth).send(cardBody()), 403, 'forbidden');
    expectProblem(await t.http.get(`/hubs/${randomUUID()}/rate-card`).set(w.admin.auth), 404, 'not_found');
    expectProblem(await t.http.put(`/rooms/${randomUUID()}/rate-card`).set(w.admin.auth).send(cardBody()), 404, 'not_found');
    expectProblem(await t.http.get(`/hubs/not-a-uuid/rate-card`).set(w.admin.auth), 400, 'validation_failed');
  });

  it.each([
    [{ ...cardBody(), tiers: { ...RATES, private: { hourlyPence: -1 } } }, 'body.tiers.private.hourlyPence'],
    [{ ...cardBody(), tiers: { community: RATES.community } }, 'body.tiers.national_charity'],
    [{ ...cardBody(), effectiveFrom: '2026-02-30' }, 'body.effectiveFrom'],
    [{ ...cardBody(), bands: [{ ...EVENING, from: '19:00', to: '18:00' }] }, 'body.bands.0.to'],
    [{ ...cardBody(), bands: [{ ...EVENING, weekdays: [8] }] }, 'body.bands.0.weekdays.0'],
    [{ ...cardBody(), minimumChargePence: 1.5 }, 'body.minimumChargePence'],
  ])('refuses a bad card %# with the field at fault, and changes nothing', async (body, path) => {
    const before = (await t.http.get(`/hubs/${w.hub.id}/rate-card`).set(w.staff.auth)).body.history.length;
    const res = await t.http.put(`/hubs/${w.hub.id}/rate-card`).set(w.staff.auth).send(body);
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect((await t.http.get(`/hubs/${w.hub.id}/rate-card`).set(w.staff.auth)).body.history.length).toBe(before);
  });

  it('refuses a card that would reach back before today (422)', async () => {
    expectProblem(await t.http.put(`/hubs/${w.hub.id}/rate-card`).set(w.staff.auth).send(cardBody({ effectiveFrom: '2026-03-01' })), 422, 'effective_in_past');
  });

  it('lets a room override the hub card, and shows what is in force for the room', async () => {
    const room = await makeRoom(t, w.hub.id, { name: 'Override room' });
    const before = await t.http.get(`/rooms/${room.id}/rate-card`).set(w.staff.auth);
    expect(before.status).toBe(200);
    expect(before.body.current).toBeNull();
    expect(before.body.inForce).toMatchObject({ roomId: null, hubId: w.hub.id });
    const own = await t.http.put(`/rooms/${room.id}/rate-card`).set(w.staff.auth).send(cardBody({ tiers: { ...RATES, private: { hourlyPence: 9000 } }, bands: [] }));
    expect(own.status).toBe(200);
    const after = await t.http.get(`/rooms/${room.id}/rate-card`).set(w.staff.auth);
    expect(after.body.inForce.id).toBe(own.body.id);
    const q = await quote(room.id, orgs.private.id, '2026-03-10T10:00:00', '2026-03-10T12:00:00');
    expect(q.body).toMatchObject({ amountPence: 18000, rateCardScope: 'room', rateCardId: own.body.id });
  });
});

describe('GET /rooms/:roomId/quote', () => {
  it.each([
    ['community', 2000, 6000],
    ['national_charity', 4000, 4000],
    ['statutory', 6000, 2000],
    ['private', 8000, 0],
  ] as const)('prices a %s hirer at their tier, with the subsidy against the private rate', async (tier, amount, subsidy) => {
    const res = await quote(w.room.id, orgs[tier].id, '2026-03-10T10:00:00', '2026-03-10T12:00:00');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ amountPence: amount, currency: 'GBP', tier, subsidyPence: subsidy, roomId: w.room.id, organisationId: orgs[tier].id, rateCardScope: 'hub' });
    expect(res.body.lines).toHaveLength(1);
  });

  it('splits a booking across the evening band', async () => {
    const res = await quote(w.room.id, orgs.private.id, '2026-03-10T17:00:00Z', '2026-03-10T19:30:00Z');
    expect(res.status).toBe(200);
    expect(res.body.amountPence).toBe(4000 + 9000);
    expect(res.body.lines.map((l: { band: string | null; minutes: number }) => [l.band, l.minutes])).toEqual([
      [null, 60],
      ['Evening', 90],
    ]);
  });

  it('charges the hours that really pass on clock-change days, in local time', async () => {
    const room = await makeRoom(t, w.hub.id, { name: 'Clock room' });
    await seedCard(t, w.hub.id, { roomId: room.id }); // no bands
    // Spring: 00:00 to 04:00 local on 29 March is three real hours.
    const spring = await quote(room.id, orgs.private.id, '2026-03-29T00:00:00', '2026-03-29T04:00:00');
    expect(spring.status).toBe(200);
    expect(spring.body.amountPence).toBe(3 * 4000);
    expect(spring.body.lines[0]).toMatchObject({ startsAt: '2026-03-29T00:00:00+00:00', endsAt: '2026-03-29T04:00:00+01:00', minutes: 180 });
    // Autumn: 00:00 to 04:00 local on 25 October is five real hours.
    const autumn = await quote(room.id, orgs.community.id, '2026-10-25T00:00:00+01:00', '2026-10-25T04:00:00+00:00');
    expect(autumn.status).toBe(200);
    expect(autumn.body.amountPence).toBe(5 * 1000);
    expect(autumn.body.subsidyPence).toBe(5 * 3000);
    // A local time the clocks skip is refused.
    expectProblem(await quote(room.id, orgs.private.id, '2026-03-29T01:30:00', '2026-03-29T03:00:00'), 422, 'nonexistent_local_time');
  });

  it('quotes an unverified community claim at the community rate but says it needs review', async () => {
    const res = await quote(w.room.id, orgs.unverified.id, '2026-03-10T10:00:00', '2026-03-10T12:00:00');
    expect(res.body).toMatchObject({ tier: 'community', verified: false, needsReview: true, amountPence: 2000 });
  });

  it('lets members of the organisation and staff of the hub quote; nobody else', async () => {
    const args = [w.room.id, orgs.private.id, '2026-03-10T10:00:00', '2026-03-10T12:00:00'] as const;
    expect((await quote(...args, w.staff.auth)).status).toBe(200);
    expectProblem(await quote(...args, w.stranger.auth), 404, 'not_found');
    expectProblem(await quote(...args, w.otherStaff.auth), 404, 'not_found');
    expectProblem(await t.http.get(`/rooms/${w.room.id}/quote`).query({ organisationId: orgs.private.id, startsAt: args[2], endsAt: args[3] }), 401, 'unauthenticated');
    expectProblem(await quote(randomUUID(), orgs.private.id, args[2], args[3]), 404, 'not_found');
  });

  it('refuses bad input and a room with no card in force', async () => {
    expectProblem(await quote(w.room.id, orgs.private.id, 'tomorrow', '2026-03-10T12:00:00'), 400, 'validation_failed');
    expectProblem(await quote(w.room.id, orgs.private.id, '2026-03-10T12:00:00', '2026-03-10T10:00:00'), 400, 'validation_failed');
    expectProblem(await t.http.get(`/rooms/${w.room.id}/quote`).set(w.hirer.auth).query({ organisationId: 'x', startsAt: '2026-03-10T10:00:00', endsAt: '2026-03-10T12:00:00' }), 400, 'validation_failed');
    const hub = await makeHub(t);
    const bare = await makeRoom(t, hub.id);
    await seedCard(t, hub.id, { effectiveFrom: '2026-04-01' });
    // Before any card takes effect there is no price.
    expectProblem(await quote(bare.id, orgs.private.id, '2026-03-03T10:00:00', '2026-03-03T12:00:00'), 422, 'no_rate_card');
    expect((await quote(bare.id, orgs.private.id, '2026-04-03T10:00:00', '2026-04-03T12:00:00')).status).toBe(200);
  });
});

describe('bookings keep the quote they were made at', () => {
  it('snapshots the price, and a later rate change does not alter it', async () => {
    const hub = await makeHub(t);
    const room = await makeRoom(t, hub.id);
    await seedCard(t, hub.id, { effectiveFrom: '2026-03-02' });
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'national_charity', paysByInvoice: true });
    const made = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: room.id, organisationId: org.id, title: 'AGM', attendees: 10, startsAt: '2026-03-12T10:00:00', endsAt: '2026-03-12T12:00:00' });
    expect(made.status).toBe(201);
    expect(made.body.price).toMatchObject({ amountPence: 4000, currency: 'GBP', tier: 'national_charity', subsidyPence: 4000 });
    expect(made.body.status).toBe('confirmed'); // pays by invoice
    // Staff double every rate from today.
    await seedCard(t, hub.id, { effectiveFrom: '2026-03-02', tiers: { community: { hourlyPence: 2000 }, national_charity: { hourlyPence: 4000 }, statutory: { hourlyPence: 6000 }, private: { hourlyPence: 8000 } } });
    const again = await t.http.get(`/bookings/${made.body.id}`).set(w.hirer.auth);
    expect(again.body.price).toEqual(made.body.price);
    const fresh = await quote(room.id, org.id, '2026-03-12T10:00:00', '2026-03-12T12:00:00');
    expect(fresh.body.amountPence).toBe(8000);
  });

  it('books a room with no card unpriced', async () => {
    const hub = await makeHub(t);
    const room = await makeRoom(t, hub.id);
    const made = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: room.id, organisationId: w.org.id, title: 'x', attendees: 1, startsAt: '2026-03-12T10:00:00', endsAt: '2026-03-12T11:00:00' });
    expect(made.status).toBe(201);
    expect(made.body.price).toBeNull();
  });
});

describe('GET /search/rooms with organisationId', () => {
  it('adds each room\'s quote for a member of the organisation', async () => {
    const res = await t.http.get('/search/rooms').set(w.hirer.auth).query({ hubId: w.hub.id, startsAt: '2026-03-11T10:00:00Z', endsAt: '2026-03-11T12:00:00Z', organisationId: orgs.community.id });
    expect(res.status).toBe(200);
    expect(res.body.tier).toBe('community');
    const hall = res.body.items.find((i: { id: string }) => i.id === w.room.id);
    expect(hall.quote).toMatchObject({ amountPence: 2000, tier: 'community', subsidyPence: 6000 });
  });

  it('lists rooms without prices when no organisation is named, and refuses strangers to the organisation', async () => {
    const plain = await t.http.get('/search/rooms').query({ hubId: w.hub.id, startsAt: '2026-03-11T10:00:00Z', endsAt: '2026-03-11T12:00:00Z' });
    expect(plain.status).toBe(200);
    expect(plain.body.items[0].quote).toBeUndefined();
    const q = { hubId: w.hub.id, startsAt: '2026-03-11T10:00:00Z', endsAt: '2026-03-11T12:00:00Z', organisationId: orgs.community.id };
    expectProblem(await t.http.get('/search/rooms').query(q), 404, 'not_found');
    expectProblem(await t.http.get('/search/rooms').set(w.stranger.auth).query(q), 404, 'not_found');
  });
});
