import { STAFF_NAV, staffNav } from '../../src/web/staff/nav';
import { closureWhen, clockWords, spansInWords } from '../../src/web/staff/rooms.pages';

describe('staffNav', () => {
  const all = () => true;

  it('lists every area for an admin, and for hub staff all but admin-only ones (People is for both: staff invite their volunteers)', () => {
    expect(staffNav({ path: '/staff/today', isAdmin: true, exists: all }).map((i) => i.text)).toEqual(STAFF_NAV.map((i) => i.text));
    expect(staffNav({ path: '/staff/today', isAdmin: false, exists: all }).map((i) => i.text)).toEqual(STAFF_NAV.filter((i) => !i.adminOnly).map((i) => i.text));
    expect(staffNav({ path: '/staff/today', isAdmin: false, exists: all }).map((i) => i.text)).toContain('People');
    expect(staffNav({ path: '/staff/admin/hubs/x', isAdmin: false, exists: all }).find((i) => i.current)?.text).toBe('People');
  });

  it('shows only the areas whose page exists', () => {
    const built = new Set(['/staff/today', '/staff/rota']);
    expect(staffNav({ path: '/staff/today', isAdmin: false, exists: (h) => built.has(h) }).map((i) => i.text)).toEqual(['Today', 'Rota']);
  });

  it.each([
    ['/staff/today', 'Today'],
    ['/staff/bookings', 'Bookings'],
    ['/staff/bookings/0b7c1f7e-9a51-4a5c-9a57-0e1f0d7d2c11/move', 'Bookings'],
    ['/staff/rooms/closures/new', 'Rooms'],
    ['/staff/rate-cards', 'Rate cards'],
    ['/staff/roomsx', undefined],
    ['/staff', undefined],
  ])('marks the area of %s as current', (path, current) => {
    expect(staffNav({ path, isAdmin: true, exists: all }).find((i) => i.current)?.text).toBe(current);
  });

  it('a page may name its area', () => {
    expect(staffNav({ path: '/staff/approvals/verify/x', isAdmin: false, navKey: 'organisations', exists: all }).find((i) => i.current)?.text).toBe('Organisations');
  });
});

describe('hours in words', () => {
  it.each([
    ['00:00', 'midnight'],
    ['24:00', 'midnight'],
    ['12:00', 'midday'],
    ['09:00', '9am'],
    ['09:30', '9:30am'],
    ['12:30', '12:30pm'],
    ['22:00', '10pm'],
    ['00:30', '12:30am'],
  ])('%s is %s', (hhmm, words) => {
    expect(clockWords(hhmm)).toBe(words);
  });

  it('a day: closed, one span, or several', () => {
    expect(spansInWords(undefined)).toBe('Closed');
    expect(spansInWords([])).toBe('Closed');
    expect(spansInWords([{ opens: '08:00', closes: '22:00' }])).toBe('8am to 10pm');
    expect(spansInWords([{ opens: '09:00', closes: '12:00' }, { opens: '14:00', closes: '24:00' }])).toBe('9am to midday and 2pm to midnight');
  });
});

describe('closures in words', () => {
  const now = new Date('2026-11-30T09:00:00Z');
  it.each([
    ['2026-12-10T00:00:00+00:00', '2026-12-11T00:00:00+00:00', 'Thursday 10 December, all day'],
    ['2026-12-24T00:00:00+00:00', '2026-12-27T00:00:00+00:00', 'Thursday 24 December to Saturday 26 December, all day'],
    ['2026-12-10T09:00:00+00:00', '2026-12-10T13:00:00+00:00', 'Thursday 10 December, 9am to 1pm'],
    ['2027-01-01T00:00:00+00:00', '2027-01-02T00:00:00+00:00', 'Friday 1 January 2027, all day'],
  ])('%s to %s is %s', (from, to, words) => {
    expect(closureWhen(from, to, 'Europe/London', now)).toBe(words);
  });
});
