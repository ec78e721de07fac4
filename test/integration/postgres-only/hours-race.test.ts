import { and, eq, inArray } from 'drizzle-orm';
import { bookings } from '../../../src/db/schema';
import { openOn } from '../../../src/modules/venues/venues.types';
import { createTestApp, type TestApp } from '../../helpers/app';
import { addRole, makeHub, makeOrg, makeRoom, makeWorld } from '../../helpers/factories';

/**
 * A change of opening hours and bookings at once (PostgreSQL: real concurrency). Whatever the
 * order, no booking may end up outside the hours without staff having been told: either the change
 * is refused listing it, or the booking is refused.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  w = await makeWorld(t);
});
afterAll(() => t.close());

describe('opening hours changed while evening bookings are made', () => {
  it('never leaves a booking outside the new hours unlisted', async () => {
    for (let round = 0; round < 5; round++) {
      const hub = await makeHub(t, { openingHours: openOn('08:00', '22:00') });
      await addRole(t, hub.id, w.staff.id, 'staff');
      const rooms = await Promise.all(Array.from({ length: 8 }, () => makeRoom(t, hub.id)));
      const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private', paysByInvoice: true });
      const evening = (roomId: string) =>
        t.http.post('/bookings').set(w.hirer.auth).send({ roomId, organisationId: org.id, title: 'Late', attendees: 2, startsAt: '2026-03-09T19:00:00', endsAt: '2026-03-09T21:00:00' });
      const patch = t.http.patch(`/hubs/${hub.id}`).set(w.staff.auth).send({ openingHours: { monday: [{ opens: '08:00', closes: '18:00' }] } });
      const [changed, ...made] = await Promise.all([patch, ...rooms.map((r) => evening(r.id))]);
      // A booking either got in (201), met the new hours (422 outside_opening_hours) or the change (409 hub_changed).
      for (const m of made) expect([201, 409, 422]).toContain(m.status);
      const kept = await t.container.database.db
        .select({ id: bookings.id })
        .from(bookings)
        .where(and(eq(bookings.hubId, hub.id), inArray(bookings.status, ['requested', 'awaiting_payment', 'confirmed'])));
      if (changed.status === 200) {
        // The change went through (refusing by default), so no evening booking may have slipped in.
        expect(kept).toEqual([]);
      } else {
        expect(changed.status).toBe(409);
        expect(changed.body.code).toBe('bookings_affected');
      }
    }
  });
});
