import { weeklyDates } from '../../src/web/hirer/book.pages';

describe('the booking questions', () => {
  it('lists the dates of a weekly series inclusive of its last date', () => {
    expect(weeklyDates('2026-12-01', '2026-12-15')).toEqual(['2026-12-01', '2026-12-08', '2026-12-15']);
    expect(weeklyDates('2026-12-01', '2026-12-14')).toEqual(['2026-12-01', '2026-12-08']);
    // Across the spring clock change the local date still moves a week at a time.
    expect(weeklyDates('2027-03-21', '2027-04-04')).toEqual(['2027-03-21', '2027-03-28', '2027-04-04']);
  });
});
