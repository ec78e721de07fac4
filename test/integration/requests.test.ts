import { eq, inArray } from 'drizzle-orm';
import { bookings, outbox } from '../../src/db/schema';
import { JOBS, runJob } from '../../src/worker/jobs';
import { createTestApp, type TestApp } from '../helpers/app';
import { addRole, expectProblem, makeHub, makeOrg, makeRoom, makeWorld } from '../helpers/factories';
import { seedCard } from '../helpers/pricing';

// The clock reads Monday 2026-03-02 09:00Z.
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t, { settings: { requestExpiryHours: 48, maxRequestedHoursUnderReview: 6 } });
  await seedCard(t, w.hub.id);
});
afterAll(() => t.close());

const book = (auth: Record<string, string>, body: Record<string, unknown>) => t.http.post('/bookings').set(auth).send({ title: 'Youth club', attendees: 4, roomId: w.room.id, ...body });
const rows = (ids: string[]) => t.container.database.db.select().from(bookings).where(inArray(bookings.id, ids));
const expireJob = () => runJob(t.container, JOBS.find((j) => j.name === 'bookings.expire-requests')!);

describe('requested bookings expire', () => {
  it('lapse after the hub\'s requestExpiryHours, never after their start, freeing the room and telling the hirer', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'community' });
    const soon = await book(w.hirer.auth, { organisationId: org.id, startsAt: '2026-03-03T10:00:00', endsAt: '2026-03-03T11:00:00', contactPhone: '07700 900401' });
    const later = await book(w.hirer.auth, { organisationId: org.id, startsAt: '2026-03-20T10:00:00', endsAt: '2026-03-20T11:00:00' });
    expect(soon.body).toMatchObject({ status: 'requested', requestExpiresAt: '2026-03-03T10:00:00+00:00' });
    expect(later.body).toMatchObject({ status: 'requested', requestExpiresAt: '2026-03-04T09:00:00+00:00' });

    t.clock.set('2026-03-03T10:00:00Z');
    try {
      expect(await expireJob()).toBe(1);
      expect((await rows([soon.body.id, later.body.id])).map((r) => [r.id, r.status, r.statusReason]).sort()).toEqual(
        [
          [soon.body.id, 'expired', 'request_expired'],
          [later.body.id, 'requested', 'tier_review'],
        ].sort(),
      );
      const texts = await t.container.database.db.select().from(outbox).where(eq(outbox.bookingId, soon.body.id));
      expect(texts.map((m) => m.kind)).toContain('booking_request_expired');
      t.clock.set('2026-03-04T09:00:00Z');
      expect(await expireJob()).toBe(1);
      expect(await expireJob()).toBe(0);
      expect((await rows([later.body.id]))[0].status).toBe('expired');
      // The room is free again.
      const again = await book(w.staff.auth, { organisationId: w.org.id, startsAt: '2026-03-20T10:00:00', endsAt: '2026-03-20T11:00:00' });
      expect(again.status).toBe(201);
    } finally {
      t.clock.set('2026-03-02T09:00:00Z');
    }
  });
});

describe('requested hours of an organisation awaiting review', () => {
  it('are capped at the hub\'s maxRequestedHoursUnderReview, for single bookings and series; staff are not bound', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'community' });
    const first = await book(w.hirer.auth, { organisationId: org.id, roomId: w.smallRoom.id, startsAt: '2026-03-23T10:00:00', endsAt: '2026-03-23T14:00:00' });
    expect(first.body.status).toBe('requested');
    const over = await book(w.hirer.auth, { organisationId: org.id, roomId: w.smallRoom.id, startsAt: '2026-03-24T10:00:00', endsAt: '2026-03-24T13:00:00' });
    expectProblem(over, 422, 'requested_hours_cap');
    expect(over.body).toMatchObject({ capHours: 6, heldMinutes: 240, requestedMinutes: 180 });
    const series = await book(w.hirer.auth, {
      organisationId: org.id,
      roomId: w.smallRoom.id,
      startsAt: '2026-03-25T10:00:00',
      endsAt: '2026-03-25T12:00:00',
      recurrence: { weekdays: [3], count: 2 },
    });
    expectProblem(series, 422, 'requested_hours_cap');
    const fits = await book(w.hirer.auth, { organisationId: org.id, roomId: w.smallRoom.id, startsAt: '2026-03-24T10:00:00', endsAt: '2026-03-24T12:00:00' });
    expect(fits.body.status).toBe('requested');
    const byStaff = await book(w.staff.auth, { organisationId: org.id, roomId: w.smallRoom.id, startsAt: '2026-03-26T10:00:00', endsAt: '2026-03-26T14:00:00' });
    expect(byStaff.status).toBe(201);
    // A verified organisation is not capped.
    const verified = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    expect((await book(w.hirer.auth, { organisationId: verified.id, roomId: w.smallRoom.id, startsAt: '2026-03-27T10:00:00', endsAt: '2026-03-27T18:00:00' })).status).toBe(201);
  });
});

describe('declining many requests at once', () => {
  it('declines a whole series, or everything an organisation requested at the hub, and nothing elsewhere', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', verificationStatus: 'unverified' });
    const elsewhere = await makeHub(t);
    await addRole(t, elsewhere.id, w.otherStaff.id, 'staff');
    await seedCard(t, elsewhere.id);
    const farRoom = await makeRoom(t, elsewhere.id);
    const series = await book(w.hirer.auth, { organisationId: org.id, startsAt: '2026-04-01T10:00:00', endsAt: '2026-04-01T11:00:00', recurrence: { weekdays: [3], count: 3 }, contactPhone: '07700 900402' });
    expect(series.status).toBe(201);
    const one = await book(w.hirer.auth, { organisationId: org.id, startsAt: '2026-04-02T10:00:00', endsAt: '2026-04-02T11:00:00' });
    const far = await book(w.hirer.auth, { organisationId: org.id, roomId: farRoom.id, startsAt: '2026-04-02T10:00:00', endsAt: '2026-04-02T11:00:00' });
    const seriesIds: string[] = series.body.bookings.map((b: { id: string }) => b.id);
    const decline = (auth: Record<string, string>, body: Record<string, unknown>, hubId = w.hub.id) => t.http.post(`/hubs/${hubId}/approvals/decline`).set(auth).send(body);

    expectProblem(await decline(w.hirer.auth, { seriesId: series.body.series.id, reason: 'No' }), 403, 'forbidden');
    expectProblem(await decline(w.otherStaff.auth, { seriesId: series.body.series.id, reason: 'No' }), 403, 'forbidden');
    expectProblem(await decline(w.staff.auth, { reason: 'No' }), 400, 'validation_failed');
    expectProblem(await decline(w.staff.auth, { seriesId: series.body.series.id, organisationId: org.id, reason: 'No' }), 400, 'validation_failed');
    expectProblem(await decline(w.staff.auth, { seriesId: series.body.series.id }), 400, 'validation_failed');
    expect((await rows(seriesIds)).every((r) => r.status === 'requested')).toBe(true);

    const bySeries = await decline(w.staff.auth, { seriesId: series.body.series.id, reason: 'The hall is not free on Wednesdays this term' });
    expect(bySeries.status).toBe(200);
    expect(bySeries.body.declinedBookingIds).toEqual(seriesIds);
    expect((await rows(seriesIds)).map((r) => [r.status, r.statusReason, r.reason])).toEqual(seriesIds.map(() => ['declined', 'declined_by_staff', 'The hall is not free on Wednesdays this term']));
    const texts = await t.container.database.db.select().from(outbox).where(eq(outbox.to, '+447700900402'));
    expect(texts.filter((m) => m.kind === 'booking_declined')).toHaveLength(1);
    expectProblem(await decline(w.staff.auth, { seriesId: series.body.series.id, reason: 'again' }), 422, 'nothing_to_decline');

    const byOrg = await decline(w.staff.auth, { organisationId: org.id, reason: 'Please verify your organisation first' });
    expect(byOrg.body.declinedBookingIds).toEqual([one.body.id]);
    expect((await rows([far.body.id]))[0].status).toBe('requested');
  });
});

describe('moving a request', () => {
  it('keeps its expiry: moving it later does not buy time', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'community' });
    const made = await book(w.hirer.auth, { organisationId: org.id, roomId: w.smallRoom.id, startsAt: '2026-04-20T10:00:00', endsAt: '2026-04-20T11:00:00' });
    expect(made.body.requestExpiresAt).toBe('2026-03-04T09:00:00+00:00');
    t.clock.set('2026-03-03T09:00:00Z');
    try {
      const moved = await t.http.post(`/bookings/${made.body.id}/move`).set(w.hirer.auth).send({ startsAt: '2026-04-21T10:00:00', endsAt: '2026-04-21T11:00:00' });
      expect(moved.body).toMatchObject({ status: 'requested', requestExpiresAt: '2026-03-04T09:00:00+00:00' });
    } finally {
      t.clock.set('2026-03-02T09:00:00Z');
    }
  });
});
