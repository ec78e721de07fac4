import { and, eq } from 'drizzle-orm';
import { outbox } from '../../../src/db/schema';
import { twoAppsOnOneDatabase } from '../../helpers/app';
import { makeOrg, makeWorld } from '../../helpers/factories';

/**
 * "Send my code again" goes at most once a minute. Two processes on one PostgreSQL database, ten
 * resends at once: exactly one text, the others 429 resend_too_soon (real concurrency).
 */
const apps = twoAppsOnOneDatabase('2030-01-01T09:00:00Z');

it('of ten resends at once from two processes, one texts the code and nine are told to wait a minute', async () => {
  const w = await makeWorld(apps.a);
  const org = await makeOrg(apps.a, [w.hirer.id], { paysByInvoice: true });
  expect((await apps.a.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Front door', provider: 'keypad', roomIds: [w.room.id] })).status).toBe(201);
  const booked = await apps.a.http
    .post('/bookings')
    .set(w.hirer.auth)
    .send({ roomId: w.room.id, organisationId: org.id, startsAt: '2030-01-01T10:00:00Z', endsAt: '2030-01-01T11:00:00Z', title: 'Choir', attendees: 4, contactPhone: '+447700900601' });
  expect({ status: booked.status, body: booked.status === 201 ? undefined : booked.body }).toEqual({ status: 201 });
  const id = booked.body.id as string;
  const resends = () => apps.a.container.database.db.select().from(outbox).where(and(eq(outbox.bookingId, id), eq(outbox.kind, 'access_code_resend')));
  expect((await apps.a.http.get(`/bookings/${id}/access`).set(w.hirer.auth)).body.status).toBe('active');

  for (const t of [apps.a, apps.b]) t.clock.set('2030-01-01T09:05:00Z');
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? apps.a : apps.b).http.post(`/bookings/${id}/access/resend`).set(w.hirer.auth)));
  const statuses = answers.map((r) => r.status).sort();
  expect(statuses).toEqual([202, ...Array(9).fill(429)]);
  for (const r of answers.filter((x) => x.status === 429)) {
    expect(r.body.code).toBe('resend_too_soon');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
  }
  expect(await resends()).toHaveLength(1);

  // A minute after the one that went, the next is sent.
  for (const t of [apps.a, apps.b]) t.clock.set('2030-01-01T09:06:00Z');
  expect((await apps.b.http.post(`/bookings/${id}/access/resend`).set(w.hirer.auth)).status).toBe(202);
  expect(await resends()).toHaveLength(2);
});
