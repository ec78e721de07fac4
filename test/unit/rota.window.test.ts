import { type FollowRead, followWindowOf } from '../../src/modules/rota/rota.repository';

// followWindowOf must return exactly what the window's own statement would: its predicates, on exact times (ms, fractional).
const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.UTC(2026, 2, 10);
const shift = (id: string, s: number, e: number) => ({ s, e, row: { id, role: 'opener' as const, startsAt: new Date(Math.floor(s)), endsAt: new Date(Math.floor(e)), bookingIds: [], filled: 0 } });
const booking = (id: string, s: number, e: number) => ({ s, e, row: { id, startsAt: new Date(Math.floor(s)), endsAt: new Date(Math.floor(e)) } });
const from = T0 + 18 * H;
const to = T0 + 21 * H;
// Cover margins of 30 minutes before and 15 after.
const read: FollowRead = {
  from: from - DAY,
  to: to + DAY,
  before: 30,
  after: 15,
  shifts: [
    shift('starts-8-days-before', from - 8 * DAY, to),
    shift('starts-just-over-8-days-before', from - 8 * DAY - 0.001, to),
    shift('ends-at-from', from - H, from),
    shift('ends-a-microsecond-before-from', from - H, from - 0.001),
    shift('starts-at-to', to, to + H),
    shift('starts-a-microsecond-after-to', to + 0.001, to + H),
  ],
  bookings: [
    booking('starts-8-days-before', from - 8 * DAY, from),
    booking('starts-just-over-8-days-before', from - 8 * DAY - 0.001, from),
    booking('ends-at-from-less-after', from - H, from - 15 * 60_000),
    booking('ends-a-microsecond-earlier', from - H, from - 15 * 60_000 - 0.001),
    booking('starts-at-to-plus-before', to + 30 * 60_000, to + H),
    booking('starts-a-microsecond-later', to + 30 * 60_000 + 0.001, to + H),
  ],
};
const ids = (w: ReturnType<typeof followWindowOf>) => w && { shifts: w.shifts.map((s) => s.id), bookings: w.bookings.map((b) => b.id) };

describe('followWindowOf', () => {
  it("keeps the rows the window's statement would return, to the microsecond at each bound", () => {
    expect(ids(followWindowOf(read, from, to))).toEqual({
      shifts: ['starts-8-days-before', 'ends-at-from', 'starts-at-to'],
      bookings: ['starts-8-days-before', 'ends-at-from-less-after', 'starts-at-to-plus-before'],
    });
  });

  it('narrows with the window and keeps the read order', () => {
    expect(ids(followWindowOf(read, from, to - H))).toEqual({ shifts: ['starts-8-days-before', 'ends-at-from'], bookings: ['starts-8-days-before', 'ends-at-from-less-after'] });
    expect(followWindowOf(read, from - H, to)!.shifts.map((s) => s.startsAt.getTime())).toEqual([from - 8 * DAY, from - 8 * DAY - 1, from - H, from - H, to]);
  });

  it('gives nothing for a window reaching outside the read (it has to be read again)', () => {
    expect(followWindowOf(read, read.from, read.to)).toBeDefined();
    expect(followWindowOf(read, read.from - 1, to)).toBeUndefined();
    expect(followWindowOf(read, from, read.to + 1)).toBeUndefined();
  });
});
