import { refundAmount, refundPercent } from '../../src/modules/payments/payments.fns';
import { DEFAULT_SETTINGS } from '../../src/modules/venues/venues.types';

const H = 3_600_000;
const policy = DEFAULT_SETTINGS.cancellationPolicy; // 168h → 100%, 48h → 50%, 0h → 0%

describe('refundPercent', () => {
  test.each([
    [200 * H, 100],
    [168 * H, 100],
    [168 * H - 1, 50],
    [48 * H, 50],
    [48 * H - 1, 0],
    [0, 0],
    [-5 * H, 0],
  ])('with %d ms notice gives %d%%', (notice, pct) => {
    expect(refundPercent(policy, notice, false)).toBe(pct);
  });

  it('gives everything back when staff cancel, whatever the notice', () => {
    expect(refundPercent(policy, -H, true)).toBe(100);
  });

  it('reads rules in any order and gives nothing when none is met', () => {
    expect(refundPercent([{ minNoticeHours: 24, refundPercent: 80 }, { minNoticeHours: 72, refundPercent: 100 }], 30 * H, false)).toBe(80);
    expect(refundPercent([{ minNoticeHours: 24, refundPercent: 80 }], 2 * H, false)).toBe(0);
    expect(refundPercent([], 1000 * H, false)).toBe(0);
  });
});

describe('refundAmount', () => {
  test.each([
    [8000, 50, 4000],
    [999, 50, 499],
    [1, 100, 1],
    [12345, 0, 0],
  ])('%d pence at %d%% is %d', (price, pct, out) => {
    expect(refundAmount(price, pct)).toBe(out);
  });
});
