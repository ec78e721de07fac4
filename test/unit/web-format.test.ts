import { featureName, formatDate, formatDuration, formatLocalDate, formatMoney, formatTime, formatWhen, listInWords, plural } from '../../src/web/format';
import { readDate, safeNext, toE164 } from '../../src/web/forms';

const LONDON = 'Europe/London';

describe('formatWhen: dates and times as people say them, in the hub zone', () => {
  it.each([
    ['2026-12-01T18:00:00Z', '2026-12-01T20:00:00Z', 'Tuesday 1 December, 6pm to 8pm'],
    ['2026-12-01T18:30:00Z', '2026-12-01T20:15:00Z', 'Tuesday 1 December, 6:30pm to 8:15pm'],
    ['2026-12-01T10:00:00Z', '2026-12-01T12:00:00Z', 'Tuesday 1 December, 10am to midday'],
    ['2026-12-01T22:00:00Z', '2026-12-02T00:00:00Z', 'Tuesday 1 December, 10pm to midnight'],
    ['2026-12-01T22:00:00Z', '2026-12-02T01:00:00Z', 'Tuesday 1 December, 10pm to Wednesday 2 December, 1am'],
    // Summer time: 17:00 UTC is 6pm in London.
    ['2026-06-02T17:00:00Z', '2026-06-02T19:00:00Z', 'Tuesday 2 June, 6pm to 8pm'],
    // The spring change (29 March 2026, 1am GMT becomes 2am BST): 00:30 GMT to 02:30 BST is two wall hours apart but one real hour.
    ['2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z', 'Sunday 29 March, 12:30am to 2:30am'],
    // The autumn change (25 October 2026, 2am BST becomes 1am GMT): 00:30 BST to 01:30 GMT.
    ['2026-10-24T23:30:00Z', '2026-10-25T01:30:00Z', 'Sunday 25 October, 12:30am to 1:30am'],
    // Either side of the change the same wall time reads the same.
    ['2026-10-24T17:00:00Z', '2026-10-24T19:00:00Z', 'Saturday 24 October, 6pm to 8pm'],
    ['2026-10-26T18:00:00Z', '2026-10-26T20:00:00Z', 'Monday 26 October, 6pm to 8pm'],
  ])('%s to %s', (start, end, words) => {
    expect(formatWhen(start, end, LONDON)).toBe(words);
  });

  it('reads an ISO time with an offset as the instant it names, shown in the hub zone', () => {
    expect(formatWhen('2026-12-01T19:00:00+01:00', '2026-12-01T21:00:00+01:00', LONDON)).toBe('Tuesday 1 December, 6pm to 8pm');
    expect(formatWhen(new Date('2026-12-01T18:00:00Z'), new Date('2026-12-01T20:00:00Z'), 'America/New_York')).toBe('Tuesday 1 December, 1pm to 3pm');
  });

  it('adds the year only when it is not this year', () => {
    expect(formatDate('2027-01-05T10:00:00Z', LONDON, { now: new Date('2026-12-01T10:00:00Z') })).toBe('Tuesday 5 January 2027');
    expect(formatDate('2026-12-01T10:00:00Z', LONDON, { now: new Date('2026-11-01T10:00:00Z') })).toBe('Tuesday 1 December');
    // Late on 31 December in UTC is already next year in Auckland.
    expect(formatDate('2026-12-31T12:00:00Z', 'Pacific/Auckland', { now: new Date('2026-12-01T00:00:00Z') })).toBe('Friday 1 January 2027');
  });

  it.each([
    ['2026-12-01T00:00:00Z', 'midnight'],
    ['2026-12-01T12:00:00Z', 'midday'],
    ['2026-12-01T00:05:00Z', '12:05am'],
    ['2026-12-01T12:30:00Z', '12:30pm'],
    ['2026-12-01T09:00:00Z', '9am'],
    ['2026-12-01T23:59:00Z', '11:59pm'],
  ])('formatTime %s is %s', (at, words) => expect(formatTime(at, LONDON)).toBe(words));

  it('formats a local date without a weekday', () => {
    expect(formatLocalDate('2027-06-30')).toBe('30 June 2027');
    expect(formatLocalDate('not a date')).toBe('not a date');
  });
});

describe('money, plurals, durations and lists', () => {
  it.each([
    [3000, '£30.00'],
    [0, '£0.00'],
    [5, '£0.05'],
    [123450, '£1,234.50'],
    [100000000, '£1,000,000.00'],
    [-2550, '-£25.50'],
  ])('formatMoney(%i) is %s', (pence, words) => expect(formatMoney(pence)).toBe(words));

  it.each([
    [0, 'person', 'people', '0 people'],
    [1, 'person', 'people', '1 person'],
    [2, 'person', 'people', '2 people'],
    [1, 'room', undefined, '1 room'],
    [12, 'room', undefined, '12 rooms'],
    [1500, 'date', undefined, '1,500 dates'],
  ])('plural(%i, %s)', (n, one, many, words) => expect(plural(n, one, many)).toBe(words));

  it.each([
    [30, '30 minutes'],
    [60, '1 hour'],
    [90, '1 hour 30 minutes'],
    [720, '12 hours'],
    [0, '0 minutes'],
  ])('formatDuration(%i) is %s', (m, words) => expect(formatDuration(m)).toBe(words));

  it('names features in words, known or not', () => {
    expect(featureName('step_free_access')).toBe('Step-free access');
    expect(featureName('baby_changing')).toBe('Baby changing');
    expect(listInWords(['a'])).toBe('a');
    expect(listInWords(['a', 'b'])).toBe('a and b');
    expect(listInWords(['a', 'b', 'c'])).toBe('a, b and c');
  });
});

describe('form readers', () => {
  it('reads a GOV.UK date input', () => {
    expect(readDate({ 'd-day': '1', 'd-month': '12', 'd-year': '2026' }, 'd').iso).toBe('2026-12-01');
    expect(readDate({}, 'd').error).toBe('missing');
    expect(readDate({ 'd-day': '31', 'd-month': '2', 'd-year': '2026' }, 'd').error).toBe('invalid');
    expect(readDate({ 'd-day': 'x', 'd-month': '2', 'd-year': '2026' }, 'd').error).toBe('invalid');
    expect(readDate({ 'd-day': '1', 'd-month': '2', 'd-year': '26' }, 'd').error).toBe('invalid');
    // Only the years every service accepts (lib/limits: 2000-2199).
    for (const year of ['0000', '0001', '1999', '2200', '9999']) expect(readDate({ 'd-day': '1', 'd-month': '2', 'd-year': year }, 'd').error).toBe('invalid');
    expect(readDate({ 'd-day': '1', 'd-month': '1', 'd-year': '2000' }, 'd').iso).toBe('2000-01-01');
    expect(readDate({ 'd-day': '31', 'd-month': '12', 'd-year': '2199' }, 'd').iso).toBe('2199-12-31');
  });

  it.each([
    ['07700 900123', '+447700900123'],
    ['+44 7700 900123', '+447700900123'],
    ['(0117) 496 0000', '+441174960000'],
    ['0033 1 23 45 67 89', '+33123456789'],
    ['12345', undefined],
    ['call me', undefined],
  ])('toE164(%s)', (raw, e164) => expect(toE164(raw)).toBe(e164));

  it('only goes back to paths on this site after signing in', () => {
    expect(safeNext('/bookings/1')).toBe('/bookings/1');
    expect(safeNext('//evil.example')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext(undefined, '/account')).toBe('/account');
  });
});
