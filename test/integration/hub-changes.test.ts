import { eq } from 'drizzle-orm';
import { bookings, outbox } from '../../src/db/schema';
import { DEFAULT_SETTINGS, SETTING_LIMITS, openOn } from '../../src/modules/venues/venues.types';
import { createTestApp, type TestApp } from '../helpers/app';
import { addRole, expectProblem, makeHub, makeOrg, makeRoom, makeWorld } from '../helpers/factories';

// The clock reads Monday 2026-03-02 09:00Z.
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
});
afterAll(() => t.close());

const hubRow = async (id: string) => (await t.http.get(`/hubs/${id}`)).body;
const bookingRow = async (id: string) => (await t.container.database.db.select().from(bookings).where(eq(bookings.id, id)))[0];

/** A value of each setting that differs from its default. */
const CHANGED: Record<string, unknown> = {
  minNoticeMinutes: 120,
  maxAdvanceDays: 200,
  holdMinutes: 45,
  unpaidHolds: 'wait_for_staff',
  codeLeadMinutes: 60 * 24 * 7,
  earlyEntryMinutes: 20,
  lateExitMinutes: 25,
  reminderLeadMinutes: 60 * 24,
  invoiceDueDays: 14,
  approval: 'all',
  requestExpiryHours: 24,
  maxRequestedHoursUnderReview: 10,
  cancellationPolicy: [{ minNoticeHours: 24, refundPercent: 100 }],
  staffedHours: openOn('09:00', '17:00'),
  reports: { volunteerHourValuePence: 1500 },
  rota: { withdrawHours: 12 },
};

describe('PATCH /hubs/:id settings', () => {
  it('has a changed value for every setting the hub has', () => {
    expect(Object.keys(CHANGED).sort()).toEqual([...Object.keys(DEFAULT_SETTINGS), 'staffedHours'].sort());
  });

  it.each(Object.keys(CHANGED))('changes %s alone and leaves every other setting as it was', async (key) => {
    const hub = await makeHub(t, { settings: { approval: 'first_time', holdMinutes: 60, cancellationPolicy: [{ minNoticeHours: 0, refundPercent: 50 }] } });
    await addRole(t, hub.id, w.staff.id, 'staff');
    const before = (await hubRow(hub.id)).settings;
    const res = await t.http.patch(`/hubs/${hub.id}`).set(w.staff.auth).send({ settings: { [key]: CHANGED[key] } });
    expect(res.status).toBe(200);
    // A nested setting changes only the fields named in it.
    const after = typeof CHANGED[key] === 'object' && !Array.isArray(CHANGED[key]) && before[key] ? { ...before[key], ...(CHANGED[key] as object) } : CHANGED[key];
    expect(res.body.settings).toEqual({ ...before, [key]: after });
    expect((await hubRow(hub.id)).settings).toEqual({ ...before, [key]: after });
  });

  it('refuses a setting out of its one limit (codeLeadMinutes above what a code window allows) and changes nothing', async () => {
    const before = (await hubRow(w.hub.id)).settings;
    const res = await t.http.patch(`/hubs/${w.hub.id}`).set(w.staff.auth).send({ settings: { codeLeadMinutes: SETTING_LIMITS.codeLeadMinutes.max + 1, holdMinutes: 50 } });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('body.settings.codeLeadMinutes');
    expect((await hubRow(w.hub.id)).settings).toEqual(before);
  });

  it('issues codes at a hub whose codeLeadMinutes is the largest the settings accept', async () => {
    const hub = await makeHub(t, { settings: { codeLeadMinutes: SETTING_LIMITS.codeLeadMinutes.max } });
    const room = await makeRoom(t, hub.id);
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    const b = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: room.id, organisationId: org.id, title: 'Club', attendees: 3, startsAt: '2026-03-05T10:00:00', endsAt: '2026-03-05T11:00:00' });
    expect(b.body.status).toBe('confirmed');
    const access = await t.http.get(`/bookings/${b.body.id}/access`).set(w.hirer.auth);
    expect(access.status).toBe(200);
    expect(access.body.validFrom).toBe('2026-03-05T09:45:00+00:00');
  });
});

describe('PATCH /hubs/:id openingHours', () => {
  it('changes only the days named', async () => {
    const hub = await makeHub(t, { openingHours: openOn('08:00', '22:00') });
    await addRole(t, hub.id, w.staff.id, 'staff');
    const res = await t.http.patch(`/hubs/${hub.id}`).set(w.staff.auth).send({ openingHours: { sunday: [{ opens: '10:00', closes: '16:00' }] } });
    expect(res.status).toBe(200);
    expect(res.body.openingHours).toEqual({ ...openOn('08:00', '22:00'), sunday: [{ opens: '10:00', closes: '16:00' }] });
    expectProblem(await t.http.patch(`/hubs/${hub.id}`).set(w.staff.auth).send({ openingHours: { monday: [{ opens: '10:00', closes: '09:00' }] } }), 400, 'validation_failed');
    expect((await hubRow(hub.id)).openingHours.monday).toEqual([{ opens: '08:00', closes: '22:00' }]);
  });

  it('lists the bookings new hours would leave outside and changes nothing, until staff keep or cancel them', async () => {
    const hub = await makeHub(t, { openingHours: openOn('08:00', '22:00') });
    await addRole(t, hub.id, w.staff.id, 'staff');
    const room = await makeRoom(t, hub.id);
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    const book = (startsAt: string, endsAt: string) =>
      t.http.post('/bookings').set(w.hirer.auth).send({ roomId: room.id, organisationId: org.id, title: 'Evening class', attendees: 3, startsAt, endsAt });
    const evening = await book('2026-03-09T19:00:00', '2026-03-09T21:00:00'); // a Monday
    const morning = await book('2026-03-09T10:00:00', '2026-03-09T11:00:00');
    expect(evening.body.status).toBe('confirmed');
    const shorter = { openingHours: { monday: [{ opens: '08:00', closes: '18:00' }] } };

    const refused = await t.http.patch(`/hubs/${hub.id}`).set(w.staff.auth).send(shorter);
    expectProblem(refused, 409, 'bookings_affected');
    expect(refused.body.bookings).toEqual([expect.objectContaining({ id: evening.body.id, startsAt: '2026-03-09T19:00:00+00:00', status: 'confirmed' })]);
    expect((await hubRow(hub.id)).openingHours.monday).toEqual([{ opens: '08:00', closes: '22:00' }]);

    expectProblem(await t.http.patch(`/hubs/${hub.id}`).set(w.staff.auth).send({ ...shorter, onBookings: 'cancel' }), 400, 'validation_failed');
    expectProblem(await t.http.patch(`/hubs/${hub.id}`).set(w.otherStaff.auth).send({ ...shorter, onBookings: 'keep' }), 403, 'forbidden');

    const kept = await t.http.patch(`/hubs/${hub.id}`).set(w.staff.auth).send({ ...shorter, onBookings: 'keep' });
    expect(kept.status).toBe(200);
    expect(kept.body.bookingsOutsideHours.map((b: { id: string }) => b.id)).toEqual([evening.body.id]);
    expect((await bookingRow(evening.body.id)).status).toBe('confirmed');

    const earlier = { openingHours: { monday: [{ opens: '12:00', closes: '18:00' }] }, onBookings: 'cancel', notice: 'The hub now opens at noon on Mondays.' };
    const cancelled = await t.http.patch(`/hubs/${hub.id}`).set(w.staff.auth).send(earlier);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.cancelledBookingIds.sort()).toEqual([evening.body.id, morning.body.id].sort());
    const row = await bookingRow(morning.body.id);
    expect(row).toMatchObject({ status: 'cancelled', statusReason: 'hours_changed', reason: 'The hub now opens at noon on Mondays.' });
    const texts = await t.container.database.db.select().from(outbox).where(eq(outbox.bookingId, morning.body.id));
    expect(texts.map((m) => m.body).join('\n')).toContain('The hub now opens at noon on Mondays.');
  });
});

describe('closures over bookings', () => {
  it('refuses by default with the bookings listed, and closes nothing', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    const b = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: w.smallRoom.id, organisationId: org.id, title: 'Yoga', attendees: 3, startsAt: '2026-03-20T10:00:00', endsAt: '2026-03-20T11:00:00' });
    const body = { startsAt: '2026-03-20T00:00:00', endsAt: '2026-03-21T00:00:00', reason: 'Burst pipe' };
    const res = await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).send(body);
    expectProblem(res, 409, 'bookings_affected');
    expect(res.body.bookings.map((x: { id: string }) => x.id)).toEqual([b.body.id]);
    expect((await t.http.get(`/hubs/${w.hub.id}/closures`).query({ from: '2026-03-20', to: '2026-03-20' })).body.items).toEqual([]);
    expect((await bookingRow(b.body.id)).status).toBe('confirmed');
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.otherStaff.auth).send({ ...body, onBookings: 'cancel' }), 403, 'forbidden');
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).send({ ...body, onBookings: 'keep' }), 400, 'validation_failed');
  });

  it('cancels the bookings with a full refund and a text when staff say so', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    const b = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: w.room.id, organisationId: org.id, title: 'Band practice', attendees: 3, startsAt: '2026-03-23T10:00:00', endsAt: '2026-03-23T11:00:00' });
    const other = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: w.smallRoom.id, organisationId: org.id, title: 'Elsewhere', attendees: 3, startsAt: '2026-03-23T10:00:00', endsAt: '2026-03-23T11:00:00' });
    const res = await t.http
      .post(`/hubs/${w.hub.id}/closures`)
      .set(w.staff.auth)
      .send({ roomId: w.room.id, startsAt: '2026-03-23T09:00:00', endsAt: '2026-03-23T12:00:00', reason: 'Roof repair', onBookings: 'cancel', notice: 'The hall roof is being repaired.' });
    expect(res.status).toBe(201);
    expect(res.body.cancelledBookingIds).toEqual([b.body.id]);
    expect(await bookingRow(b.body.id)).toMatchObject({ status: 'cancelled', statusReason: 'hub_closed', reason: 'The hall roof is being repaired.' });
    expect((await bookingRow(other.body.id)).status).toBe('confirmed');
    const texts = await t.container.database.db.select().from(outbox).where(eq(outbox.bookingId, b.body.id));
    expect(texts.some((m) => m.kind === 'booking_cancelled_by_hub' && m.body.includes('roof is being repaired'))).toBe(true);
    // The closure holds: a new booking there is refused.
    const again = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: w.room.id, organisationId: org.id, title: 'Again', attendees: 3, startsAt: '2026-03-23T10:00:00', endsAt: '2026-03-23T11:00:00' });
    expectProblem(again, 422, 'closed');
  });
});
