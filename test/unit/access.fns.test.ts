import { DateTime } from 'luxon';
import {
  LIFT_GRACE_SECONDS,
  liftOpen,
  codeLengthFor,
  codeWindow,
  chanceOfOpening,
  codeSpace,
  DEFAULT_THROTTLE,
  delayAfterFailure,
  generateCode,
  isCodeValidAt,
  isWeakCode,
  simulateGuesses,
  throttleSince,
  throttleState,
} from '../../src/modules/access/access.fns';
import { DomainError } from '../../src/lib/errors';

const LONDON = 'Europe/London';
const local = (iso: string) => DateTime.fromISO(iso, { zone: LONDON }).toJSDate();
const utc = (iso: string) => new Date(iso);
const MIN = 60_000;

/** mulberry32: a small seeded PRNG, so generated codes are reproducible. */
function seeded(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return Math.floor(r * n);
  };
}

/** A "random" that plays back the digits of the given strings in order. */
function scripted(...codes: string[]): (n: number) => number {
  const digits = codes.join('').split('').map(Number);
  let i = 0;
  return () => {
    if (i >= digits.length) throw new Error('script exhausted');
    return digits[i++];
  };
}

function expectDomainError(fn: () => unknown, kind: string, code: string): DomainError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(DomainError);
  expect(caught).toMatchObject({ kind, code });
  return caught as DomainError;
}

describe('codeWindow', () => {
  const base = { earlyEntryMinutes: 15, lateExitMinutes: 30, codeLeadMinutes: 60 };

  it('opens early, closes late, and is issued ahead by the lead time', () => {
    const w = codeWindow({ startsAt: utc('2026-05-12T10:00:00Z'), endsAt: utc('2026-05-12T12:00:00Z'), ...base });
    expect(w.validFrom.toISOString()).toBe('2026-05-12T09:45:00.000Z');
    expect(w.validUntil.toISOString()).toBe('2026-05-12T12:30:00.000Z');
    expect(w.issueAt.toISOString()).toBe('2026-05-12T09:00:00.000Z');
  });

  it('with all offsets zero the window is exactly the booking', () => {
    const startsAt = utc('2026-05-12T10:00:00Z');
    const endsAt = utc('2026-05-12T12:00:00Z');
    const w = codeWindow({ startsAt, endsAt, earlyEntryMinutes: 0, lateExitMinutes: 0, codeLeadMinutes: 0 });
    expect(w).toEqual({ validFrom: startsAt, validUntil: endsAt, issueAt: startsAt });
  });

  it('never issues a code after it starts working (lead shorter than early entry)', () => {
    const w = codeWindow({
      startsAt: utc('2026-05-12T10:00:00Z'),
      endsAt: utc('2026-05-12T12:00:00Z'),
      earlyEntryMinutes: 30,
      lateExitMinutes: 0,
      codeLeadMinutes: 10,
    });
    expect(w.validFrom.toISOString()).toBe('2026-05-12T09:30:00.000Z');
    expect(w.issueAt.toISOString()).toBe('2026-05-12T09:30:00.000Z');
  });

  it('issues at validFrom when the lead equals early entry', () => {
    const w = codeWindow({ startsAt: utc('2026-05-12T10:00:00Z'), endsAt: utc('2026-05-12T12:00:00Z'), ...base, codeLeadMinutes: 15 });
    expect(w.issueAt.getTime()).toBe(w.validFrom.getTime());
    expect(w.issueAt).not.toBe(w.validFrom); // a separate Date, safe to mutate
  });

  it('supports a lead of a day or more', () => {
    const w = codeWindow({ startsAt: utc('2026-05-12T10:00:00Z'), endsAt: utc('2026-05-12T12:00:00Z'), ...base, codeLeadMinutes: 2 * 1440 });
    expect(w.issueAt.toISOString()).toBe('2026-05-10T10:00:00.000Z');
  });

  it('does not mutate its input dates', () => {
    const startsAt = utc('2026-05-12T10:00:00Z');
    const endsAt = utc('2026-05-12T12:00:00Z');
    codeWindow({ startsAt, endsAt, ...base });
    expect(startsAt.toISOString()).toBe('2026-05-12T10:00:00.000Z');
    expect(endsAt.toISOString()).toBe('2026-05-12T12:00:00.000Z');
  });

  describe('across Europe/London clock changes (offsets are real elapsed minutes)', () => {
    it('2026-03-29 (spring forward): a 10:00–12:00 local booking is 09:00–11:00Z', () => {
      const w = codeWindow({ startsAt: local('2026-03-29T10:00'), endsAt: local('2026-03-29T12:00'), ...base });
      expect(w.validFrom.toISOString()).toBe('2026-03-29T08:45:00.000Z');
      expect(w.validUntil.toISOString()).toBe('2026-03-29T11:30:00.000Z');
      expect(w.issueAt.toISOString()).toBe('2026-03-29T08:00:00.000Z');
      expect(DateTime.fromJSDate(w.validFrom, { zone: LONDON }).toFormat('HH:mm ZZ')).toBe('09:45 +01:00');
    });

    it('2026-03-29: a 24-hour lead lands at 09:00 GMT the day before, not 10:00 local', () => {
      const w = codeWindow({ startsAt: local('2026-03-29T10:00'), endsAt: local('2026-03-29T12:00'), ...base, codeLeadMinutes: 1440 });
      expect(w.issueAt.toISOString()).toBe('2026-03-28T09:00:00.000Z');
      expect(DateTime.fromJSDate(w.issueAt, { zone: LONDON }).toFormat('yyyy-MM-dd HH:mm ZZ')).toBe('2026-03-28 09:00 +00:00');
    });

    it('2026-03-29: a booking spanning the jump (00:30–03:30 local) gets its window in real minutes', () => {
      const startsAt = local('2026-03-29T00:30');
      const endsAt = local('2026-03-29T03:30');
      expect(endsAt.getTime() - startsAt.getTime()).toBe(120 * MIN); // the hour 01:00–02:00 does not exist
      const w = codeWindow({ startsAt, endsAt, earlyEntryMinutes: 60, lateExitMinutes: 60, codeLeadMinutes: 90 });
      expect(w.validFrom.toISOString()).toBe('2026-03-28T23:30:00.000Z');
      expect(w.validUntil.toISOString()).toBe('2026-03-29T03:30:00.000Z');
      expect(w.validUntil.getTime() - w.validFrom.getTime()).toBe(240 * MIN);
      expect(DateTime.fromJSDate(w.validUntil, { zone: LONDON }).toFormat('HH:mm')).toBe('04:30');
    });

    it('2026-10-25 (fall back): a 10:00–12:00 local booking is 10:00–12:00Z', () => {
      const w = codeWindow({ startsAt: local('2026-10-25T10:00'), endsAt: local('2026-10-25T12:00'), ...base });
      expect(w.validFrom.toISOString()).toBe('2026-10-25T09:45:00.000Z');
      expect(w.validUntil.toISOString()).toBe('2026-10-25T12:30:00.000Z');
      expect(w.issueAt.toISOString()).toBe('2026-10-25T09:00:00.000Z');
    });

    it('2026-10-25: a 24-hour lead lands at 11:00 BST the day before', () => {
      const w = codeWindow({ startsAt: local('2026-10-25T10:00'), endsAt: local('2026-10-25T12:00'), ...base, codeLeadMinutes: 1440 });
      expect(w.issueAt.toISOString()).toBe('2026-10-24T10:00:00.000Z');
      expect(DateTime.fromJSDate(w.issueAt, { zone: LONDON }).toFormat('HH:mm ZZ')).toBe('11:00 +01:00');
    });

    it('2026-10-25: a booking spanning the repeated hour (00:30–02:30 local) lasts three real hours', () => {
      const startsAt = local('2026-10-25T00:30');
      const endsAt = local('2026-10-25T02:30');
      const w = codeWindow({ startsAt, endsAt, earlyEntryMinutes: 15, lateExitMinutes: 15, codeLeadMinutes: 15 });
      expect(w.validFrom.toISOString()).toBe('2026-10-24T23:15:00.000Z');
      expect(w.validUntil.toISOString()).toBe('2026-10-25T02:45:00.000Z');
      expect(w.validUntil.getTime() - w.validFrom.getTime()).toBe(210 * MIN);
    });

    it('2026-10-25: late exit past 01:00 BST counts the repeated hour once per real minute', () => {
      // Ends 00:50 BST (23:50Z); 30 minutes later is 01:20 BST, still before the clocks go back.
      const w = codeWindow({ startsAt: local('2026-10-25T00:00'), endsAt: local('2026-10-25T00:50'), ...base });
      expect(w.validUntil.toISOString()).toBe('2026-10-25T00:20:00.000Z');
      expect(DateTime.fromJSDate(w.validUntil, { zone: LONDON }).toFormat('HH:mm ZZ')).toBe('01:20 +01:00');
    });
  });

  it.each([
    ['ends before it starts', { startsAt: utc('2026-05-12T12:00:00Z'), endsAt: utc('2026-05-12T10:00:00Z') }],
    ['zero length', { startsAt: utc('2026-05-12T10:00:00Z'), endsAt: utc('2026-05-12T10:00:00Z') }],
    ['invalid start date', { startsAt: new Date('nope'), endsAt: utc('2026-05-12T10:00:00Z') }],
    ['negative early entry', { earlyEntryMinutes: -5 }],
    ['fractional late exit', { lateExitMinutes: 1.5 }],
    ['NaN lead', { codeLeadMinutes: Number.NaN }],
    ['lead longer than a week', { codeLeadMinutes: 7 * 1440 + 1 }],
  ])('rejects bad input: %s', (_label, override) => {
    const input = {
      startsAt: utc('2026-05-12T10:00:00Z'),
      endsAt: utc('2026-05-12T12:00:00Z'),
      ...base,
      ...override,
    };
    expectDomainError(() => codeWindow(input), 'validation', 'validation_failed');
  });
});

describe('isCodeValidAt', () => {
  const w = { validFrom: utc('2026-05-12T09:45:00Z'), validUntil: utc('2026-05-12T12:30:00Z') };

  it('is half-open: [validFrom, validUntil)', () => {
    expect(isCodeValidAt(w, new Date(w.validFrom.getTime() - 1))).toBe(false);
    expect(isCodeValidAt(w, w.validFrom)).toBe(true);
    expect(isCodeValidAt(w, utc('2026-05-12T11:00:00Z'))).toBe(true);
    expect(isCodeValidAt(w, new Date(w.validUntil.getTime() - 1))).toBe(true);
    expect(isCodeValidAt(w, w.validUntil)).toBe(false);
  });

  it('works on a window computed across a clock change', () => {
    const cw = codeWindow({
      startsAt: local('2026-03-29T10:00'),
      endsAt: local('2026-03-29T12:00'),
      earlyEntryMinutes: 15,
      lateExitMinutes: 15,
      codeLeadMinutes: 60,
    });
    expect(isCodeValidAt(cw, local('2026-03-29T09:44'))).toBe(false);
    expect(isCodeValidAt(cw, local('2026-03-29T09:45'))).toBe(true);
    expect(isCodeValidAt(cw, local('2026-03-29T12:14'))).toBe(true);
    expect(isCodeValidAt(cw, local('2026-03-29T12:15'))).toBe(false);
  });
});

describe('codeLengthFor', () => {
  it.each([
    [[], 6],
    [['keypad'], 6],
    [['seam'], 6],
    [['none'], 6],
    [['keypad', 'seam', 'none'], 6],
  ] as const)('%j → %d', (providers, expected) => {
    expect(codeLengthFor(providers)).toBe(expected);
  });

  it('keeps 6 when a lock accepts a range around it', () => {
    expect(codeLengthFor(['keypad', { provider: 'seam', constraint: { minLength: 4, maxLength: 8 } }])).toBe(6);
  });

  it('picks the accepted length nearest to 6', () => {
    expect(codeLengthFor([{ provider: 'seam', constraint: { minLength: 4, maxLength: 5 } }])).toBe(5);
    expect(codeLengthFor([{ provider: 'seam', constraint: { minLength: 7, maxLength: 10 } }])).toBe(7);
  });

  it('prefers the longer length on a tie', () => {
    expect(codeLengthFor([{ provider: 'seam', constraint: { lengths: [4, 8] } }])).toBe(8);
  });

  it('intersects every door (a wider keypad with a 4–5 digit lock gives 5)', () => {
    expect(
      codeLengthFor([
        { provider: 'keypad', constraint: { minLength: 4, maxLength: 8 } },
        { provider: 'seam', constraint: { lengths: [4, 5] } },
        'none',
      ]),
    ).toBe(5);
  });

  it('ignores constraints of doors with no lock', () => {
    expect(codeLengthFor(['keypad', { provider: 'none', constraint: { lengths: [4] } }])).toBe(6);
  });

  it('refuses doors that share no length (422 code_length_incompatible)', () => {
    const err = expectDomainError(
      () => codeLengthFor(['keypad', { provider: 'seam', constraint: { maxLength: 4 } }]),
      'unprocessable',
      'code_length_incompatible',
    );
    expect(err.extra).toEqual({ providers: ['keypad', 'seam'] });
    expectDomainError(
      () => codeLengthFor([{ provider: 'seam', constraint: { lengths: [4] } }, { provider: 'seam', constraint: { lengths: [6] } }]),
      'unprocessable',
      'code_length_incompatible',
    );
  });

  it('never goes below 4 digits even if a lock would take 3', () => {
    expectDomainError(() => codeLengthFor([{ provider: 'seam', constraint: { lengths: [3] } }]), 'unprocessable', 'code_length_incompatible');
    expect(codeLengthFor([{ provider: 'seam', constraint: { minLength: 1, maxLength: 4 } }])).toBe(4);
  });

  it('rejects an unknown provider', () => {
    expectDomainError(() => codeLengthFor(['bluetooth' as 'seam']), 'validation', 'validation_failed');
  });
});

describe('isWeakCode', () => {
  it.each(['111111', '000000', '123456', '654321', '890123', '321098', '121212', '123123', '4545', '1234', '9876', '', '12a456', '120120'])(
    '%s is weak',
    (code) => expect(isWeakCode(code)).toBe(true),
  );

  it.each(['482913', '730519', '123457', '112233', '120121', '1357', '909091'])('%s is not weak', (code) =>
    expect(isWeakCode(code)).toBe(false),
  );
});

describe('generateCode', () => {
  it('skips weak and taken candidates and returns the first acceptable one', () => {
    const taken = new Set(['482913']);
    const seen: string[] = [];
    const code = generateCode(6, scripted('111111', '123456', '482913', '654321', '730519'), (c) => {
      seen.push(c);
      return taken.has(c);
    });
    expect(code).toBe('730519');
    // isTaken is only asked about candidates that passed the weakness check.
    expect(seen).toEqual(['482913', '730519']);
  });

  it('keeps leading zeros', () => {
    expect(generateCode(6, scripted('007391'), () => false)).toBe('007391');
  });

  it('is reproducible with a seeded random', () => {
    const a = generateCode(6, seeded(42), () => false);
    const b = generateCode(6, seeded(42), () => false);
    expect(a).toBe(b);
    expect(a).toMatch(/^\d{6}$/);
    expect(generateCode(6, seeded(43), () => false)).not.toBe(a);
  });

  it('produces many distinct, strong codes of the asked length while avoiding those in use', () => {
    const rnd = seeded(2026);
    const inUse = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const code = generateCode(8, rnd, (c) => inUse.has(c));
      expect(code).toMatch(/^\d{8}$/);
      expect(isWeakCode(code)).toBe(false);
      expect(inUse.has(code)).toBe(false);
      inUse.add(code);
    }
    expect(inUse.size).toBe(500);
  });

  it('throws 409 access_code_unavailable when every try is weak', () => {
    const err = expectDomainError(() => generateCode(6, () => 7, () => false), 'conflict', 'access_code_unavailable');
    expect(err.message).toContain('50');
  });

  it('throws when every candidate is taken, after exactly maxTries', () => {
    let asked = 0;
    expectDomainError(
      () =>
        generateCode(4, seeded(1), () => {
          asked++;
          return true;
        }, 12),
      'conflict',
      'access_code_unavailable',
    );
    expect(asked).toBeLessThanOrEqual(12);
    expect(asked).toBeGreaterThan(0);
  });

  it('rejects a bad length or a random that leaves [0, 10)', () => {
    expect(() => generateCode(3, seeded(1), () => false)).toThrow(RangeError);
    expect(() => generateCode(6.5, seeded(1), () => false)).toThrow(RangeError);
    expect(() => generateCode(6, () => 10, () => false)).toThrow(RangeError);
    expect(() => generateCode(6, () => 0.5, () => false)).toThrow(RangeError);
    expect(() => generateCode(6, seeded(1), () => false, 0)).toThrow(RangeError);
  });
});

describe('door throttle (escalating delays after wrong codes)', () => {
  const t0 = utc('2026-05-12T10:00:00Z').getTime();
  const at = (ms: number) => new Date(t0 + ms);
  const seconds = (...s: number[]) => s.map((x) => at(x * 1000));
  const HOUR = 60 * MIN;

  it('defaults to 5 free wrong codes in 24 hours, then 30 s doubling to 5 min, and to 1 hour past 20', () => {
    expect(DEFAULT_THROTTLE).toEqual({ freeFailures: 5, baseDelaySeconds: 30, maxDelaySeconds: 300, heavyAfter: 20, heavyMaxDelaySeconds: 3600, windowHours: 24 });
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21, 22, 23, 24, 1000].map((n) => delayAfterFailure(n))).toEqual([0, 0, 0, 0, 30, 60, 120, 240, 300, 300, 600, 1200, 2400, 3600, 3600]);
  });

  it('is open with no failures and after 4', () => {
    expect(throttleState([], at(0))).toEqual({ failures: 0, throttled: false });
    expect(throttleState(seconds(0, 1, 2, 3), at(4000))).toEqual({ failures: 4, throttled: false });
  });

  it('waits 30 s after the 5th wrong code, half-open: checks again exactly at `until`', () => {
    const failures = seconds(0, 1, 2, 3, 4);
    expect(throttleState(failures, at(4000))).toEqual({ failures: 5, throttled: true, until: at(34_000) });
    expect(throttleState(failures, at(33_999)).throttled).toBe(true);
    expect(throttleState(failures, at(34_000))).toEqual({ failures: 5, throttled: false });
  });

  it('counts from the latest wrong code, whatever order they come in', () => {
    expect(throttleState(seconds(5, 0, 3, 1, 2, 4), at(10_000))).toEqual({ failures: 6, throttled: true, until: at(65_000) });
  });

  it('ignores wrong codes after now, older than the window, and before a clear', () => {
    const failures = seconds(0, 1, 2, 3, 4);
    expect(throttleState(failures, at(3500)).failures).toBe(4);
    expect(throttleState(failures, at(24 * HOUR + 1500)).failures).toBe(3);
    expect(throttleState(failures, at(5000), DEFAULT_THROTTLE, at(2500))).toEqual({ failures: 2, throttled: false });
    expect(throttleSince(at(0), null)).toEqual(at(-24 * HOUR));
    expect(throttleSince(at(0), at(-HOUR))).toEqual(at(-HOUR));
    expect(throttleSince(at(0), at(-48 * HOUR))).toEqual(at(-24 * HOUR));
  });

  it('lets someone who walks away after a few wrong codes shut the door for at most 5 minutes', () => {
    const failures = Array.from({ length: 20 }, (_, i) => at(i * 1000));
    expect(throttleState(failures, at(19_000))).toEqual({ failures: 20, throttled: true, until: at(19_000 + 5 * MIN) });
  });

  it('bounds the codes checked: 45 on the first day and about 24 a day after, for someone guessing non-stop', () => {
    expect(simulateGuesses(1)).toBe(45);
    const year = simulateGuesses(365);
    expect(year).toBeGreaterThan(24 * 365);
    expect(year).toBeLessThan(25 * 365);
  });

  it('works out the chance of opening a door from the guesses and the live codes', () => {
    // 4 digits: 100 'abab' (the 10 'aaaa' among them) and 20 runs up or down are weak.
    expect(codeSpace(4)).toBe(10_000 - 100 - 20);
    // 6 digits: 1000 'abcabc', 100 'ababab' (10 'aaaaaa' in both) and 20 runs.
    expect(codeSpace(6)).toBe(1_000_000 - (1000 + 100 - 10) - 20);
    expect(chanceOfOpening(0, 365, 3, 1e6)).toBe(0);
    expect(chanceOfOpening(1, 1, 1, 1)).toBe(1);
    expect(chanceOfOpening(10, 1, 1, 100)).toBeCloseTo(1 - 0.99 ** 10, 12);
    expect(() => chanceOfOpening(1, 1, 1, 0)).toThrow(RangeError);
  });

  it('rejects a nonsensical policy', () => {
    const p = DEFAULT_THROTTLE;
    expect(() => throttleState([], at(0), { ...p, freeFailures: 0 })).toThrow(RangeError);
    expect(() => throttleState([], at(0), { ...p, maxDelaySeconds: 1 })).toThrow(RangeError);
    expect(() => throttleState([], at(0), { ...p, heavyAfter: 2 })).toThrow(RangeError);
    expect(() => throttleState([], at(0), { ...p, windowHours: 0 })).toThrow(RangeError);
    expect(() => delayAfterFailure(0)).toThrow(RangeError);
  });
});

describe('liftOpen (OPEN texted by a booked group lifts a wait)', () => {
  const T = (s: number) => new Date(Date.UTC(2026, 3, 2, 10, 0, 0) + s * 1000);
  const lifted = T(100);
  const before = [T(0), T(10), T(20), T(30), T(40)];
  it.each<[string, Date[], Date, Date | null, boolean]>([
    ['no lift', before, T(101), null, false],
    ['the instant of the lift', before, lifted, lifted, true],
    ['inside the grace', before, T(100 + LIFT_GRACE_SECONDS - 1), lifted, true],
    ['the grace is over (exclusive end)', before, T(100 + LIFT_GRACE_SECONDS), lifted, false],
    ['long after', before, T(10_000), lifted, false],
    ['a lift in the future of now (clock skew)', before, T(99), lifted, false],
    ['a wrong code at the lift instant counts as after it', [...before, lifted], T(101), lifted, false],
    ['a wrong code a millisecond before the lift', [...before, new Date(lifted.getTime() - 1)], T(101), lifted, true],
    ['a wrong code after the lift ends it', [...before, T(101)], T(102), lifted, false],
    ['a wrong code after the lift ends it, even unsorted', [T(101), ...before], T(102), lifted, false],
    ['no wrong codes at all', [], T(101), lifted, true],
    ['an invalid lift date', before, T(101), new Date(NaN), false],
  ])('%s', (_name, failures, now, at, expected) => {
    expect(liftOpen(failures, now, at)).toBe(expected);
  });

  it('takes another grace length', () => {
    expect(liftOpen(before, T(105), lifted, 5)).toBe(false);
    expect(liftOpen(before, T(104), lifted, 5)).toBe(true);
  });

  it('gives a guesser one check per lift: a wrong code in the grace is counted and the waits go on, one longer', () => {
    const failures = [T(0), T(1), T(2), T(3), T(4)];
    expect(throttleState(failures, T(20)).throttled).toBe(true);
    expect(liftOpen(failures, T(20), T(20))).toBe(true);
    const after = [...failures, T(21)];
    expect(liftOpen(after, T(22), T(20))).toBe(false);
    expect(throttleState(after, T(22))).toEqual({ failures: 6, throttled: true, until: T(21 + 60) });
  });
});
