import { neededShifts, reconcileShifts, rotaRules, sequenceOf, shiftStatus, signupBreach, type ExistingGenerated, type NeededShift } from '../../src/modules/rota/rota.fns';
import { openOn } from '../../src/modules/venues/venues.types';

const Z = 'Europe/London';
const d = (iso: string) => new Date(iso);
const b = (id: string, startsAt: string, endsAt: string) => ({ id, startsAt: d(startsAt), endsAt: d(endsAt) });
const rules = (over: Partial<ReturnType<typeof rotaRules>> = {}) => ({ ...rotaRules({}), ...over });
const weekdays9to5 = openOn('09:00', '17:00');
const gen = (bookings: ReturnType<typeof b>[], opts: { staffed?: ReturnType<typeof openOn> | undefined; role?: 'opener_closer' | 'caretaker'; zone?: string } = {}) =>
  neededShifts({ bookings, staffedHours: 'staffed' in opts ? opts.staffed : weekdays9to5, zone: opts.zone ?? Z, rules: rules({ coverRole: opts.role ?? 'opener_closer' }) });
const view = (s: NeededShift[]) => s.map((x) => ({ role: x.role, startsAt: x.startsAt.toISOString(), endsAt: x.endsAt.toISOString(), bookingIds: x.bookingIds }));

describe('rotaRules', () => {
  it('fills every default for a hub saved before the rota existed', () => {
    expect(rotaRules({})).toEqual({
      withdrawHours: 48,
      minRestHours: 1,
      maxHoursPerDay: 8,
      maxNoShows: 3,
      trainedRolesOnly: false,
      reminderLeadMinutes: 1440,
      unfilledAlertHours: 48,
      coverBeforeMinutes: 30,
      coverAfterMinutes: 30,
      coverRole: 'opener_closer',
    });
    expect(rotaRules({ rota: { coverRole: 'caretaker' } }).coverRole).toBe('caretaker');
  });
});

describe('neededShifts', () => {
  it('needs nothing without staffed hours, and nothing for a booking inside them', () => {
    expect(gen([b('a', '2026-03-10T19:00:00Z', '2026-03-10T21:00:00Z')], { staffed: undefined })).toEqual([]);
    expect(gen([b('a', '2026-03-10T10:00:00Z', '2026-03-10T12:00:00Z')])).toEqual([]);
  });

  it('an evening booking needs an opener before it and a closer after it', () => {
    expect(view(gen([b('a', '2026-03-10T19:00:00Z', '2026-03-10T21:00:00Z')]))).toEqual([
      { role: 'opener', startsAt: '2026-03-10T18:30:00.000Z', endsAt: '2026-03-10T19:00:00.000Z', bookingIds: ['a'] },
      { role: 'closer', startsAt: '2026-03-10T21:00:00.000Z', endsAt: '2026-03-10T21:30:00.000Z', bookingIds: ['a'] },
    ]);
  });

  it('with coverRole caretaker, one shift spans it', () => {
    expect(view(gen([b('a', '2026-03-10T19:00:00Z', '2026-03-10T21:00:00Z')], { role: 'caretaker' }))).toEqual([
      { role: 'caretaker', startsAt: '2026-03-10T18:30:00.000Z', endsAt: '2026-03-10T21:30:00.000Z', bookingIds: ['a'] },
    ]);
  });

  it('a booking partly inside staffed hours needs only the end that is not staffed', () => {
    expect(view(gen([b('late', '2026-03-10T16:00:00Z', '2026-03-10T19:00:00Z')]))).toEqual([
      { role: 'closer', startsAt: '2026-03-10T19:00:00.000Z', endsAt: '2026-03-10T19:30:00.000Z', bookingIds: ['late'] },
    ]);
    expect(view(gen([b('early', '2026-03-10T07:00:00Z', '2026-03-10T10:00:00Z')]))).toEqual([
      { role: 'opener', startsAt: '2026-03-10T06:30:00.000Z', endsAt: '2026-03-10T07:00:00.000Z', bookingIds: ['early'] },
    ]);
    expect(view(gen([b('late', '2026-03-10T16:00:00Z', '2026-03-10T19:00:00Z')], { role: 'caretaker' }))).toEqual([
      { role: 'caretaker', startsAt: '2026-03-10T17:00:00.000Z', endsAt: '2026-03-10T19:30:00.000Z', bookingIds: ['late'] },
    ]);
  });

  it('a booking ending as staff leave still needs someone to lock up after it', () => {
    expect(view(gen([b('a', '2026-03-10T15:00:00Z', '2026-03-10T17:00:00Z')]))).toEqual([
      { role: 'closer', startsAt: '2026-03-10T17:00:00.000Z', endsAt: '2026-03-10T17:30:00.000Z', bookingIds: ['a'] },
    ]);
  });

  it('a chain of back-to-back bookings shares one opener and one closer', () => {
    const chain = [b('a', '2026-03-10T18:00:00Z', '2026-03-10T19:00:00Z'), b('b', '2026-03-10T19:00:00Z', '2026-03-10T20:00:00Z'), b('c', '2026-03-10T20:00:00Z', '2026-03-10T21:00:00Z')];
    expect(view(gen(chain))).toEqual([
      { role: 'opener', startsAt: '2026-03-10T17:30:00.000Z', endsAt: '2026-03-10T18:00:00.000Z', bookingIds: ['a', 'b', 'c'] },
      { role: 'closer', startsAt: '2026-03-10T21:00:00.000Z', endsAt: '2026-03-10T21:30:00.000Z', bookingIds: ['a', 'b', 'c'] },
    ]);
    expect(view(gen(chain, { role: 'caretaker' }))).toEqual([{ role: 'caretaker', startsAt: '2026-03-10T17:30:00.000Z', endsAt: '2026-03-10T21:30:00.000Z', bookingIds: ['a', 'b', 'c'] }]);
  });

  it('overlapping bookings in two rooms, and bookings within the margins of each other, share', () => {
    const two = gen([b('hall', '2026-03-10T18:00:00Z', '2026-03-10T20:00:00Z'), b('snug', '2026-03-10T19:00:00Z', '2026-03-10T21:00:00Z')]);
    expect(view(two).map((s) => [s.role, s.startsAt.slice(11, 16), s.endsAt.slice(11, 16), s.bookingIds])).toEqual([
      ['opener', '17:30', '18:00', ['hall', 'snug']],
      ['closer', '21:00', '21:30', ['hall', 'snug']],
    ]);
    // An hour apart: 30 minutes after one and 30 before the next touch.
    expect(gen([b('a', '2026-03-10T18:00:00Z', '2026-03-10T19:00:00Z'), b('b', '2026-03-10T20:00:00Z', '2026-03-10T21:00:00Z')])).toHaveLength(2);
  });

  it('a cancellation in the middle of a chain splits it when the gap is wider than the margins', () => {
    const whole = [b('a', '2026-03-10T18:00:00Z', '2026-03-10T19:00:00Z'), b('m', '2026-03-10T19:30:00Z', '2026-03-10T20:30:00Z'), b('c', '2026-03-10T21:00:00Z', '2026-03-10T22:00:00Z')];
    expect(gen(whole).map((s) => s.role)).toEqual(['opener', 'closer']);
    const split = gen(whole.filter((x) => x.id !== 'm'));
    expect(view(split)).toEqual([
      { role: 'opener', startsAt: '2026-03-10T17:30:00.000Z', endsAt: '2026-03-10T18:00:00.000Z', bookingIds: ['a'] },
      { role: 'closer', startsAt: '2026-03-10T19:00:00.000Z', endsAt: '2026-03-10T19:30:00.000Z', bookingIds: ['a'] },
      { role: 'opener', startsAt: '2026-03-10T20:30:00.000Z', endsAt: '2026-03-10T21:00:00.000Z', bookingIds: ['c'] },
      { role: 'closer', startsAt: '2026-03-10T22:00:00.000Z', endsAt: '2026-03-10T22:30:00.000Z', bookingIds: ['c'] },
    ]);
  });

  it('a booking past midnight is covered at both ends, on two dates', () => {
    expect(view(gen([b('night', '2026-03-10T22:00:00Z', '2026-03-11T01:00:00Z')]))).toEqual([
      { role: 'opener', startsAt: '2026-03-10T21:30:00.000Z', endsAt: '2026-03-10T22:00:00.000Z', bookingIds: ['night'] },
      { role: 'closer', startsAt: '2026-03-11T01:00:00.000Z', endsAt: '2026-03-11T01:30:00.000Z', bookingIds: ['night'] },
    ]);
  });

  it('staffed until 24:00 and from 00:00 is one span across midnight', () => {
    expect(view(gen([b('night', '2026-03-10T23:00:00Z', '2026-03-11T02:00:00Z')], { staffed: openOn('08:00', '24:00') }))).toEqual([
      { role: 'closer', startsAt: '2026-03-11T02:00:00.000Z', endsAt: '2026-03-11T02:30:00.000Z', bookingIds: ['night'] },
    ]);
    expect(gen([b('night', '2026-03-10T23:00:00Z', '2026-03-11T01:00:00Z')], { staffed: { ...openOn('00:00', '24:00') } })).toEqual([]);
  });

  it('on the spring clock-change night the closer is at the booking\'s real end', () => {
    // Sat 28 Mar 23:00 GMT to Sun 29 Mar 03:00 BST: three real hours.
    expect(view(gen([b('party', '2026-03-28T23:00:00Z', '2026-03-29T02:00:00Z')]))).toEqual([
      { role: 'opener', startsAt: '2026-03-28T22:30:00.000Z', endsAt: '2026-03-28T23:00:00.000Z', bookingIds: ['party'] },
      { role: 'closer', startsAt: '2026-03-29T02:00:00.000Z', endsAt: '2026-03-29T02:30:00.000Z', bookingIds: ['party'] },
    ]);
  });

  it('staffed hours are local: the same UTC booking needs an opener in summer time and not in winter', () => {
    // 16:30Z-17:30Z is 17:30-18:30 BST (after staff leave at 17:00) but 16:30-17:30 GMT (staff there at the start).
    expect(gen([b('s', '2026-10-24T16:30:00Z', '2026-10-24T17:30:00Z')]).map((s) => [s.role, s.startsAt.toISOString()])).toEqual([
      ['opener', '2026-10-24T16:00:00.000Z'],
      ['closer', '2026-10-24T17:30:00.000Z'],
    ]);
    expect(gen([b('w', '2026-10-26T16:30:00Z', '2026-10-26T17:30:00Z')]).map((s) => [s.role, s.startsAt.toISOString()])).toEqual([['closer', '2026-10-26T17:30:00.000Z']]);
  });

  it('on the autumn clock-change night a booking through the repeated hour is covered once at each end', () => {
    // Sun 25 Oct: 00:30 BST (23:30Z) to 01:30 GMT (01:30Z) is two real hours.
    expect(view(gen([b('late', '2026-10-24T23:30:00Z', '2026-10-25T01:30:00Z')]))).toEqual([
      { role: 'opener', startsAt: '2026-10-24T23:00:00.000Z', endsAt: '2026-10-24T23:30:00.000Z', bookingIds: ['late'] },
      { role: 'closer', startsAt: '2026-10-25T01:30:00.000Z', endsAt: '2026-10-25T02:00:00.000Z', bookingIds: ['late'] },
    ]);
  });

  it('a day with no staffed hours at all needs an opener and a closer', () => {
    const weekdaysOnly = openOn('09:00', '17:00', ['monday', 'tuesday', 'wednesday', 'thursday', 'friday']);
    // Sunday 15 March 2026.
    expect(gen([b('sun', '2026-03-15T10:00:00Z', '2026-03-15T12:00:00Z')], { staffed: weekdaysOnly }).map((s) => s.role)).toEqual(['opener', 'closer']);
  });

  it('an unstaffed gap in the middle of a booking needs a caretaker but no opener or closer', () => {
    const split = { ...openOn('09:00', '17:00'), tuesday: [{ opens: '09:00', closes: '12:00' }, { opens: '14:00', closes: '17:00' }] };
    expect(gen([b('long', '2026-03-10T10:00:00Z', '2026-03-10T16:00:00Z')], { staffed: split })).toEqual([]);
    expect(view(gen([b('long', '2026-03-10T10:00:00Z', '2026-03-10T16:00:00Z')], { staffed: split, role: 'caretaker' }))).toEqual([
      { role: 'caretaker', startsAt: '2026-03-10T12:00:00.000Z', endsAt: '2026-03-10T14:00:00.000Z', bookingIds: ['long'] },
    ]);
  });

  it('reads staffed hours in the hub\'s own zone', () => {
    // 19:00Z-20:00Z is 15:00-16:00 in New York (summer time from 8 March): staffed there, not in London.
    expect(gen([b('ny', '2026-03-10T19:00:00Z', '2026-03-10T20:00:00Z')], { zone: 'America/New_York' })).toEqual([]);
    expect(gen([b('ny', '2026-03-10T19:00:00Z', '2026-03-10T20:00:00Z')])).toHaveLength(2);
  });
});

describe('reconcileShifts', () => {
  const ex = (id: string, role: 'opener' | 'closer' | 'caretaker', s: string, e: string, bookingIds: string[], filled = 0): ExistingGenerated => ({ id, role, startsAt: d(s), endsAt: d(e), bookingIds, filled });
  const need = (role: 'opener' | 'closer' | 'caretaker', s: string, e: string, bookingIds: string[]): NeededShift => ({ role, startsAt: d(s), endsAt: d(e), bookingIds });

  it('creates what is missing and leaves what matches', () => {
    const n = [need('opener', '2026-03-10T18:30:00Z', '2026-03-10T19:00:00Z', ['a']), need('closer', '2026-03-10T21:00:00Z', '2026-03-10T21:30:00Z', ['a'])];
    expect(reconcileShifts([], n)).toEqual({ create: n, update: [], cancel: [], unchanged: [] });
    const same = [ex('o', 'opener', '2026-03-10T18:30:00Z', '2026-03-10T19:00:00Z', ['a']), ex('c', 'closer', '2026-03-10T21:00:00Z', '2026-03-10T21:30:00Z', ['a'])];
    expect(reconcileShifts(same, n)).toEqual({ create: [], update: [], cancel: [], unchanged: ['o', 'c'] });
  });

  it('a moved booking stretches or moves its shifts, keeping their ids', () => {
    const existing = [ex('c', 'closer', '2026-03-10T21:00:00Z', '2026-03-10T21:30:00Z', ['a'])];
    const r = reconcileShifts(existing, [need('closer', '2026-03-10T22:00:00Z', '2026-03-10T22:30:00Z', ['a'])]);
    expect(r.update).toEqual([{ id: 'c', role: 'closer', startsAt: d('2026-03-10T22:00:00Z'), endsAt: d('2026-03-10T22:30:00Z'), bookingIds: ['a'] }]);
    expect(r.create).toEqual([]);
    expect(r.cancel).toEqual([]);
  });

  it('merging two chains keeps the shift with volunteers and cancels the other', () => {
    const existing = [ex('empty', 'closer', '2026-03-10T19:00:00Z', '2026-03-10T19:30:00Z', ['a']), ex('busy', 'closer', '2026-03-10T22:00:00Z', '2026-03-10T22:30:00Z', ['c'], 1)];
    const r = reconcileShifts(existing, [need('closer', '2026-03-10T22:00:00Z', '2026-03-10T22:30:00Z', ['c'])]);
    expect(r.unchanged).toEqual(['busy']);
    expect(r.cancel).toEqual(['empty']);
    const r2 = reconcileShifts(existing, [need('closer', '2026-03-10T22:00:00Z', '2026-03-10T22:30:00Z', ['a', 'c'])]);
    expect(r2.update.map((u) => u.id)).toEqual(['busy']);
    expect(r2.cancel).toEqual(['empty']);
  });

  it('splitting a chain keeps one shift and creates the other', () => {
    const existing = [ex('care', 'caretaker', '2026-03-10T17:30:00Z', '2026-03-10T22:30:00Z', ['a', 'b', 'c'], 1)];
    const r = reconcileShifts(existing, [need('caretaker', '2026-03-10T17:30:00Z', '2026-03-10T19:30:00Z', ['a']), need('caretaker', '2026-03-10T20:30:00Z', '2026-03-10T22:30:00Z', ['c'])]);
    expect(r.update.map((u) => [u.id, u.endsAt.toISOString()])).toEqual([['care', '2026-03-10T19:30:00.000Z']]);
    expect(r.create.map((c) => c.bookingIds)).toEqual([['c']]);
    expect(r.cancel).toEqual([]);
  });

  it('cancels every shift nothing needs any more, and shifts of a role no longer used', () => {
    const existing = [ex('o', 'opener', '2026-03-10T18:30:00Z', '2026-03-10T19:00:00Z', ['a']), ex('c', 'closer', '2026-03-10T21:00:00Z', '2026-03-10T21:30:00Z', ['a'])];
    expect(reconcileShifts(existing, []).cancel).toEqual(['o', 'c']);
    const r = reconcileShifts(existing, [need('caretaker', '2026-03-10T18:30:00Z', '2026-03-10T21:30:00Z', ['a'])]);
    expect(r.cancel).toEqual(['o', 'c']);
    expect(r.create).toHaveLength(1);
  });
});

describe('signupBreach', () => {
  const r = { minRestHours: 1, maxHoursPerDay: 8 };
  const s = (id: string, a: string, e: string) => ({ id, startsAt: d(a), endsAt: d(e) });
  const shift = s('new', '2026-03-10T18:00:00Z', '2026-03-10T20:00:00Z');

  it('allows a free evening', () => expect(signupBreach(shift, [], r, Z)).toBeUndefined());
  it('refuses an overlap', () => expect(signupBreach(shift, [s('x', '2026-03-10T19:00:00Z', '2026-03-10T21:00:00Z')], r, Z)).toBe('shift_collides'));
  it('ignores the shift itself', () => expect(signupBreach(shift, [shift], r, Z)).toBeUndefined());
  it('allows back to back', () => expect(signupBreach(shift, [s('x', '2026-03-10T20:00:00Z', '2026-03-10T21:00:00Z')], r, Z)).toBeUndefined());
  it('refuses too little rest before or after', () => {
    expect(signupBreach(shift, [s('x', '2026-03-10T20:30:00Z', '2026-03-10T21:00:00Z')], r, Z)).toBe('rest_too_short');
    expect(signupBreach(shift, [s('x', '2026-03-10T16:00:00Z', '2026-03-10T17:30:00Z')], r, Z)).toBe('rest_too_short');
  });
  it('allows exactly the rest asked for', () => expect(signupBreach(shift, [s('x', '2026-03-10T21:00:00Z', '2026-03-10T22:00:00Z')], r, Z)).toBeUndefined());
  it('counts the hours of a local day, up to the limit', () => {
    expect(signupBreach(shift, [s('x', '2026-03-10T08:00:00Z', '2026-03-10T14:00:00Z')], r, Z)).toBeUndefined();
    expect(signupBreach(shift, [s('x', '2026-03-10T08:00:00Z', '2026-03-10T14:30:00Z')], r, Z)).toBe('too_many_hours');
  });
  it('splits a shift past midnight between its two days', () => {
    const night = s('n', '2026-03-10T20:00:00Z', '2026-03-11T04:00:00Z');
    // 4 h on the 10th + 6 h earlier that day = 10 h; 4 h on the 11th alone would be fine.
    expect(signupBreach(night, [s('x', '2026-03-10T09:00:00Z', '2026-03-10T15:00:00Z')], r, Z)).toBe('too_many_hours');
    expect(signupBreach(night, [s('x', '2026-03-11T09:00:00Z', '2026-03-11T12:00:00Z')], r, Z)).toBeUndefined();
  });
  it('reads the day in the hub\'s zone', () => {
    // 23:00Z-03:00Z is 19:00-23:00 in New York: all on one local day with a morning shift there.
    const late = s('l', '2026-03-10T23:00:00Z', '2026-03-11T03:00:00Z');
    expect(signupBreach(late, [s('x', '2026-03-10T13:00:00Z', '2026-03-10T18:00:00Z')], r, 'America/New_York')).toBe('too_many_hours');
    expect(signupBreach(late, [s('x', '2026-03-10T13:00:00Z', '2026-03-10T18:00:00Z')], r, Z)).toBeUndefined();
  });
});

describe('shiftStatus and sequenceOf', () => {
  it('works out open, full and cancelled', () => {
    expect(shiftStatus({ state: 'active', volunteersNeeded: 2 }, 1)).toBe('open');
    expect(shiftStatus({ state: 'active', volunteersNeeded: 2 }, 2)).toBe('full');
    expect(shiftStatus({ state: 'active', volunteersNeeded: 1 }, 3)).toBe('full');
    expect(shiftStatus({ state: 'cancelled', volunteersNeeded: 2 }, 0)).toBe('cancelled');
  });
  it('rises when any of its rows changes later, and stays a 32-bit integer', () => {
    const a = sequenceOf(d('2026-03-10T10:00:00Z'));
    expect(sequenceOf(d('2026-03-10T10:00:01Z'))).toBeGreaterThan(a);
    const pair = sequenceOf(d('2026-03-10T09:00:00Z'), d('2026-03-10T10:00:00Z'));
    expect(sequenceOf(d('2026-03-10T09:00:01Z'), d('2026-03-10T10:00:00Z'))).toBeGreaterThan(pair);
    expect(sequenceOf(d('2026-03-10T09:00:00Z'), d('2026-03-10T10:00:01Z'))).toBeGreaterThan(pair);
    expect(Number.isInteger(pair) && sequenceOf(d('2030-01-01T00:00:00Z'), d('2030-01-01T00:00:00Z')) < 2 ** 31).toBe(true);
  });
});
