import { DateTime } from 'luxon';
import {
  codeLengthFor,
  codeWindow,
  DEFAULT_LOCKOUT,
  generateCode,
  isCodeValidAt,
  isWeakCode,
  lockoutState,
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

describe('lockoutState', () => {
  const t0 = utc('2026-05-12T10:00:00Z').getTime();
  const at = (ms: number) => new Date(t0 + ms);
  const seconds = (...s: number[]) => s.map((x) => at(x * 1000));

  it('defaults to 5 failures in 5 minutes locking for 15', () => {
    expect(DEFAULT_LOCKOUT).toEqual({ maxFailures: 5, windowMinutes: 5, lockMinutes: 15 });
  });

  it('is open with no failures', () => {
    expect(lockoutState([], at(0))).toEqual({ locked: false });
  });

  it('is open after 4 quick failures', () => {
    expect(lockoutState(seconds(0, 1, 2, 3), at(4000))).toEqual({ locked: false });
  });

  it('locks at the 5th failure within the window, until 15 minutes after it', () => {
    const failures = seconds(0, 30, 60, 90, 120);
    expect(lockoutState(failures, at(120_000))).toEqual({ locked: true, until: at(120_000 + 15 * MIN) });
  });

  it('trips when the 5 failures span 4:59.999 but not exactly 5:00', () => {
    const just = [at(0), at(MIN), at(2 * MIN), at(3 * MIN), at(5 * MIN - 1)];
    expect(lockoutState(just, at(5 * MIN)).locked).toBe(true);
    const exactly = [at(0), at(MIN), at(2 * MIN), at(3 * MIN), at(5 * MIN)];
    expect(lockoutState(exactly, at(5 * MIN))).toEqual({ locked: false });
  });

  it('unlocks exactly at `until` (half-open lock)', () => {
    const failures = seconds(0, 1, 2, 3, 4);
    const until = t0 + 4000 + 15 * MIN;
    expect(lockoutState(failures, new Date(until - 1))).toEqual({ locked: true, until: new Date(until) });
    expect(lockoutState(failures, new Date(until))).toEqual({ locked: false });
  });

  it('ignores failures recorded after now', () => {
    const failures = seconds(0, 1, 2, 3, 4);
    expect(lockoutState(failures, at(3500))).toEqual({ locked: false });
  });

  it('does not depend on the order failures are given in', () => {
    const failures = seconds(4, 0, 3, 1, 2);
    expect(lockoutState(failures, at(10_000))).toEqual({ locked: true, until: at(4000 + 15 * MIN) });
  });

  it('slides: old failures outside the window do not count toward a new lock', () => {
    // Three failures long ago, two now: never five within five minutes.
    const failures = [...seconds(0, 10, 20), at(30 * MIN), at(30 * MIN + 1000)];
    expect(lockoutState(failures, at(30 * MIN + 2000))).toEqual({ locked: false });
  });

  it('continued guessing while locked extends the lock', () => {
    const first = seconds(0, 10, 20, 30, 40); // trips at 0:40, until 15:40
    const more = [14, 14.1, 14.2, 14.3, 14.4].map((m) => at(m * MIN)); // trips again at 14:24
    const state = lockoutState([...first, ...more], at(20 * MIN));
    expect(state).toEqual({ locked: true, until: at(14.4 * MIN + 15 * MIN) });
  });

  it('honours a custom policy', () => {
    const policy = { maxFailures: 3, windowMinutes: 1, lockMinutes: 2 };
    expect(lockoutState(seconds(0, 20, 40), at(41_000), policy)).toEqual({ locked: true, until: at(40_000 + 2 * MIN) });
    expect(lockoutState(seconds(0, 30, 60), at(61_000), policy)).toEqual({ locked: false });
  });

  it('rejects a nonsensical policy', () => {
    expect(() => lockoutState([], at(0), { maxFailures: 0, windowMinutes: 5, lockMinutes: 15 })).toThrow(RangeError);
    expect(() => lockoutState([], at(0), { maxFailures: 5, windowMinutes: -1, lockMinutes: 15 })).toThrow(RangeError);
  });
});
