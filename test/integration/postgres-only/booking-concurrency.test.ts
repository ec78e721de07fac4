import { createTestApp, type TestApp } from '../../helpers/app';
import { makeWorld } from '../../helpers/factories';

/**
 * Real concurrency needs many connections, so this file runs only on PostgreSQL
 * (jest.config.js leaves postgres-only/ out on the embedded database).
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  w = await makeWorld(t);
});
afterAll(() => t.close());

async function race(n: number, slot: (i: number) => { startsAt: string; endsAt: string }, roomId = w.room.id) {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      t.http
        .post('/bookings')
        .set(w.hirer.auth)
        .send({ roomId, organisationId: w.org.id, title: `Racer ${i}`, attendees: 5, ...slot(i) }),
    ),
  );
}

describe('many overlapping requests at once (PostgreSQL)', () => {
  it('lets exactly one of 60 identical requests win; the rest get 409, none 5xx', async () => {
    const results = await race(60, () => ({ startsAt: '2026-06-01T10:00', endsAt: '2026-06-01T12:00' }));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(59);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('booking_conflict');
  });

  it('lets exactly one win among 60 different but mutually overlapping windows', async () => {
    // Windows start a minute apart and last two hours: every pair overlaps.
    const results = await race(60, (i) => {
      const start = new Date(Date.UTC(2026, 5, 2, 9, i));
      return { startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 2 * 3600_000).toISOString() };
    });
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(59);
  });

  it('lets all 50 non-overlapping requests win together', async () => {
    // Back-to-back 15-minute bookings in a room without a buffer, 08:00 to 20:30 local.
    await t.http.patch(`/rooms/${w.smallRoom.id}`).set(w.staff.auth).send({ minBookingMinutes: 15 });
    const results = await race(
      50,
      (i) => {
        const start = new Date(Date.UTC(2026, 5, 3, 7, 0) + i * 15 * 60_000);
        return { startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 15 * 60_000).toISOString() };
      },
      w.smallRoom.id,
    );
    expect(results.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
  });

  it('keeps the database free of overlaps after the races', async () => {
    const pool = t.container.database.pool!;
    const r = await pool.query(
      `SELECT count(*)::int AS n FROM bookings a JOIN bookings b ON a.room_id = b.room_id AND a.id < b.id
        WHERE a.status IN ('requested','awaiting_payment','confirmed') AND b.status IN ('requested','awaiting_payment','confirmed')
          AND tstzrange(a.starts_at, a.blocked_until) && tstzrange(b.starts_at, b.blocked_until)`,
    );
    expect(r.rows[0].n).toBe(0);
  });
});
