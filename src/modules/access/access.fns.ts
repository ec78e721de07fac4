/**
 * Pure rules for door codes: when a code works, how long it is, how it is picked, and when a door
 * stops listening after too many wrong codes. No I/O, no clock of its own: `now` is passed in.
 *
 * All offsets here are *elapsed* minutes on the real timeline, never wall-clock minutes. A booking's
 * `startsAt`/`endsAt` are already absolute instants (the booking service turned the hub's local
 * 10:00 into an instant), so "15 minutes before" is 15 real minutes even across a clock change.
 */
import { DateTime } from 'luxon';
import { conflict, invalid, unprocessable } from '../../lib/errors';
import { SETTING_LIMITS } from '../venues/venues.types';

export type LockKind = 'keypad' | 'seam' | 'none';

export interface CodeWindowInput {
  startsAt: Date;
  endsAt: Date;
  /** How long before the start the code already opens the door. */
  earlyEntryMinutes: number;
  /** How long after the end the code still opens the door. */
  lateExitMinutes: number;
  /** How long before the start the code is sent to the hirer (and programmed into smart locks). */
  codeLeadMinutes: number;
}

export interface CodeWindow {
  /** First instant the code opens the door (inclusive). */
  validFrom: Date;
  /** First instant the code no longer opens the door (exclusive): the window is [validFrom, validUntil). */
  validUntil: Date;
  /** When the code should be issued: sent by SMS and pushed to smart locks. Never after validFrom. */
  issueAt: Date;
}

/** The limits of the minute settings are the hub settings' own (one definition, in venues.types). */
function checkMinutes(name: 'earlyEntryMinutes' | 'lateExitMinutes' | 'codeLeadMinutes', v: number): void {
  const { min, max } = SETTING_LIMITS[name];
  if (!Number.isInteger(v) || v < min || v > max) {
    throw invalid(`${name} must be a whole number of minutes between ${min} and ${max}`, [
      { path: name, message: 'out of range' },
    ]);
  }
}

function checkDate(name: string, d: Date): void {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw invalid(`${name} must be a valid date`, [{ path: name, message: 'invalid date' }]);
  }
}

const minusMinutes = (d: Date, m: number): Date => DateTime.fromJSDate(d).minus({ minutes: m }).toJSDate();
const plusMinutes = (d: Date, m: number): Date => DateTime.fromJSDate(d).plus({ minutes: m }).toJSDate();

/**
 * The window in which a booking's code opens the door, and when to issue it.
 *
 * - validFrom  = startsAt − earlyEntryMinutes
 * - validUntil = endsAt + lateExitMinutes (exclusive)
 * - issueAt    = min(startsAt − codeLeadMinutes, validFrom)
 *
 * issueAt is clamped so that a code is never issued after it has started working: with a lead
 * shorter than the early-entry allowance (say lead 0, early 15) the hirer would otherwise arrive
 * to a door that already accepts a code they have not been sent. issueAt may lie in the past
 * (a booking made at short notice): the caller issues at max(issueAt, now).
 *
 * Minutes are real elapsed minutes (see the file header), so on the spring-forward night a
 * 01:30–03:30 local booking still opens at exactly startsAt − early on the timeline.
 */
export function codeWindow(input: CodeWindowInput): CodeWindow {
  const { startsAt, endsAt, earlyEntryMinutes, lateExitMinutes, codeLeadMinutes } = input;
  checkDate('startsAt', startsAt);
  checkDate('endsAt', endsAt);
  if (endsAt.getTime() <= startsAt.getTime()) {
    throw invalid('endsAt must be after startsAt', [{ path: 'endsAt', message: 'must be after startsAt' }]);
  }
  checkMinutes('earlyEntryMinutes', earlyEntryMinutes);
  checkMinutes('lateExitMinutes', lateExitMinutes);
  checkMinutes('codeLeadMinutes', codeLeadMinutes);

  const validFrom = minusMinutes(startsAt, earlyEntryMinutes);
  const validUntil = plusMinutes(endsAt, lateExitMinutes);
  const lead = minusMinutes(startsAt, codeLeadMinutes);
  const issueAt = lead.getTime() < validFrom.getTime() ? lead : new Date(validFrom.getTime());
  return { validFrom, validUntil, issueAt };
}

/** True when `now` lies in the half-open window [validFrom, validUntil). */
export function isCodeValidAt(window: Pick<CodeWindow, 'validFrom' | 'validUntil'>, now: Date): boolean {
  const t = now.getTime();
  return t >= window.validFrom.getTime() && t < window.validUntil.getTime();
}

// ---------------------------------------------------------------------------------------------
// Code length

/** What one door's lock accepts. Either bound may be left out; `lengths` lists exact lengths (Seam's supported_code_lengths). */
export interface LockCodeConstraint {
  minLength?: number;
  maxLength?: number;
  lengths?: number[];
}

export interface DoorLockSpec {
  provider: LockKind;
  constraint?: LockCodeConstraint;
}

/** The length Hubkey prefers: 6 digits is a million codes, and what keypads and most smart locks take. */
export const PREFERRED_CODE_LENGTH = 6;
/** Never shorter than 4 (guessable) nor longer than 12 (no keypad takes it). */
export const MIN_CODE_LENGTH = 4;
export const MAX_CODE_LENGTH = 12;

/** Defaults per provider when a door says nothing more. `none` doors take no code and constrain nothing. */
const PROVIDER_DEFAULTS: Record<LockKind, LockCodeConstraint | null> = {
  keypad: { minLength: 6, maxLength: 6 },
  seam: { minLength: 6, maxLength: 6 },
  none: null,
};

/**
 * One code length every door of a booking accepts. Each entry is a provider name (its defaults
 * apply: keypad 6, seam 6) or `{ provider, constraint }`, where the constraint replaces the
 * provider's default (a Seam lock that reports it takes 4–8 digits). `none` doors are ignored.
 *
 * Picks the accepted length nearest to 6, preferring the longer on a tie; throws a 422
 * `code_length_incompatible` when the doors share no length in [4, 12].
 */
export function codeLengthFor(providers: ReadonlyArray<LockKind | DoorLockSpec>): number {
  let allowed = new Set<number>();
  for (let n = MIN_CODE_LENGTH; n <= MAX_CODE_LENGTH; n++) allowed.add(n);

  for (const entry of providers) {
    const spec: DoorLockSpec = typeof entry === 'string' ? { provider: entry } : entry;
    if (!(spec.provider in PROVIDER_DEFAULTS)) {
      throw invalid(`Unknown lock provider ${String(spec.provider)}`, [{ path: 'provider', message: 'unknown' }]);
    }
    if (spec.provider === 'none') continue;
    const c = spec.constraint ?? PROVIDER_DEFAULTS[spec.provider]!;
    const min = c.minLength ?? MIN_CODE_LENGTH;
    const max = c.maxLength ?? MAX_CODE_LENGTH;
    const exact = c.lengths && c.lengths.length > 0 ? new Set(c.lengths) : null;
    allowed = new Set([...allowed].filter((n) => n >= min && n <= max && (exact === null || exact.has(n))));
  }

  if (allowed.size === 0) {
    throw unprocessable('code_length_incompatible', 'The doors for this room accept no common code length', {
      providers: providers.map((p) => (typeof p === 'string' ? p : p.provider)),
    });
  }
  let best = -1;
  for (const n of allowed) {
    const d = Math.abs(n - PREFERRED_CODE_LENGTH);
    const bd = Math.abs(best - PREFERRED_CODE_LENGTH);
    if (best === -1 || d < bd || (d === bd && n > best)) best = n;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Generating a code

/**
 * True for codes a person would try first: one digit repeated (111111), a straight run up or down
 * (123456, 654321, also wrapping: 890123), or a short block repeated (121212, 123123, 4545).
 */
export function isWeakCode(code: string): boolean {
  if (!/^\d+$/.test(code)) return true;
  const d = [...code].map(Number);
  const step = (d[1] - d[0] + 10) % 10;
  if ((step === 1 || step === 9) && d.every((x, i) => i === 0 || (x - d[i - 1] + 10) % 10 === step)) return true;
  // Repetition of a block of at most half the length covers the all-same case (block of 1).
  for (let p = 1; p <= code.length / 2; p++) {
    if (code.length % p === 0 && code === code.slice(0, p).repeat(code.length / p)) return true;
  }
  return false;
}

/**
 * A random digit string of `length` that is neither weak (see isWeakCode) nor taken.
 *
 * `random(n)` must return a uniformly random integer in [0, n); pass a cryptographic source
 * (`secureRandomInt` from src/lib/crypto) in production and a seeded one in tests. `isTaken` says
 * whether a candidate is already in use where it would clash (the same door, overlapping windows).
 * After `maxTries` rejected candidates it throws a 409 `access_code_unavailable`.
 */
export function generateCode(
  length: number,
  random: (n: number) => number,
  isTaken: (code: string) => boolean,
  maxTries = 50,
): string {
  if (!Number.isInteger(length) || length < MIN_CODE_LENGTH || length > MAX_CODE_LENGTH) {
    throw new RangeError(`code length must be an integer in [${MIN_CODE_LENGTH}, ${MAX_CODE_LENGTH}]`);
  }
  if (!Number.isInteger(maxTries) || maxTries < 1) throw new RangeError('maxTries must be a positive integer');
  for (let attempt = 0; attempt < maxTries; attempt++) {
    let code = '';
    for (let i = 0; i < length; i++) {
      const digit = random(10);
      if (!Number.isInteger(digit) || digit < 0 || digit > 9) {
        throw new RangeError(`random(10) returned ${digit}, expected an integer in [0, 10)`);
      }
      code += String(digit);
    }
    if (!isWeakCode(code) && !isTaken(code)) return code;
  }
  throw conflict('access_code_unavailable', `No free door code found after ${maxTries} tries`, { length });
}

// ---------------------------------------------------------------------------------------------
// Slowing down guessing: escalating delays per door after wrong codes

/**
 * How a door slows down someone guessing codes. Wrong codes are counted per door over the last
 * `windowHours` (and only since staff last cleared the door). The first `freeFailures` cost
 * nothing; from then on, after the n-th wrong code the door checks no code at all for a delay that
 * doubles from `baseDelaySeconds` up to `maxDelaySeconds`, and past `heavyAfter` wrong codes keeps
 * doubling up to `heavyMaxDelaySeconds`. Attempts made while it waits are refused unchecked and not
 * counted, so hammering the keypad does not lengthen the wait; the first code entered once it is
 * over is checked, and a valid one opens.
 *
 * Every check of a wrong code is one guess, whoever makes it; the delays bound the guesses per day
 * (see simulateGuesses and docs/security.md). Someone who enters a few wrong codes and walks away
 * shuts the door for at most `maxDelaySeconds`; staff can clear the count at any time.
 */
export interface ThrottlePolicy {
  freeFailures: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  heavyAfter: number;
  heavyMaxDelaySeconds: number;
  windowHours: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { freeFailures: 5, baseDelaySeconds: 30, maxDelaySeconds: 300, heavyAfter: 20, heavyMaxDelaySeconds: 3600, windowHours: 24 };

export interface ThrottleState {
  /** Wrong codes counted (inside the window, since the last clear). */
  failures: number;
  /** True while the door checks no code. */
  throttled: boolean;
  /** When throttled: the first instant a code is checked again. */
  until?: Date;
}

function checkThrottlePolicy(p: ThrottlePolicy) {
  if (!Number.isInteger(p.freeFailures) || p.freeFailures < 1) throw new RangeError('freeFailures must be a positive integer');
  if (!Number.isInteger(p.heavyAfter) || p.heavyAfter < p.freeFailures) throw new RangeError('heavyAfter must be an integer >= freeFailures');
  if (!(p.baseDelaySeconds > 0) || !(p.maxDelaySeconds >= p.baseDelaySeconds) || !(p.heavyMaxDelaySeconds >= p.maxDelaySeconds)) {
    throw new RangeError('delays must be > 0 and non-decreasing: base <= max <= heavyMax');
  }
  if (!(p.windowHours > 0)) throw new RangeError('windowHours must be > 0');
}

/** Seconds the door waits after the n-th wrong code (n counted from 1) before it checks another code. */
export function delayAfterFailure(n: number, policy: ThrottlePolicy = DEFAULT_THROTTLE): number {
  checkThrottlePolicy(policy);
  if (!Number.isInteger(n) || n < 1) throw new RangeError('n must be a positive integer');
  if (n < policy.freeFailures) return 0;
  // 2^k grows past any cap quickly; stop before it overflows into Infinity.
  if (n <= policy.heavyAfter) return Math.min(policy.baseDelaySeconds * 2 ** Math.min(n - policy.freeFailures, 40), policy.maxDelaySeconds);
  return Math.min(policy.maxDelaySeconds * 2 ** Math.min(n - policy.heavyAfter, 40), policy.heavyMaxDelaySeconds);
}

/** The first instant wrong codes are counted from: the window's start, or the last clear if later. */
export function throttleSince(now: Date, clearedAt: Date | null | undefined, policy: ThrottlePolicy = DEFAULT_THROTTLE): Date {
  const windowStart = new Date(now.getTime() - policy.windowHours * 3_600_000);
  return clearedAt && clearedAt > windowStart ? clearedAt : windowStart;
}

/**
 * Whether a door is waiting at `now`, given the times of its wrong codes (those after `now`, before
 * the window, or at or before `clearedAt` are ignored).
 */
export function throttleState(failures: readonly Date[], now: Date, policy: ThrottlePolicy = DEFAULT_THROTTLE, clearedAt?: Date | null): ThrottleState {
  checkThrottlePolicy(policy);
  const t = now.getTime();
  const windowStart = t - policy.windowHours * 3_600_000;
  const cleared = clearedAt ? clearedAt.getTime() : -Infinity;
  const times = failures
    .map((f) => f.getTime())
    .filter((x) => !Number.isNaN(x) && x <= t && x >= windowStart && x > cleared)
    .sort((a, b) => a - b);
  const n = times.length;
  if (n === 0) return { failures: 0, throttled: false };
  const until = times[n - 1] + delayAfterFailure(n, policy) * 1000;
  return t < until ? { failures: n, throttled: true, until: new Date(until) } : { failures: n, throttled: false };
}

/**
 * How long a door checks codes again after a booked group in progress (or a volunteer on shift)
 * texted OPEN from the phone its live code was sent to, while the door waited after wrong codes.
 */
export const LIFT_GRACE_SECONDS = 120;

/**
 * Whether a lift lets the door check codes at `now`: the lift came at or before `now`, less than
 * `graceSeconds` ago, and no wrong code has been counted since, or at that instant (the first wrong code after a lift
 * ends it, and the waits go on from the count so far, one longer). A lift forgets nothing: every
 * wrong code still counts, so it gives a guesser at most the one check that ends it.
 */
export function liftOpen(failures: readonly Date[], now: Date, liftedAt: Date | null | undefined, graceSeconds = LIFT_GRACE_SECONDS): boolean {
  if (!liftedAt) return false;
  const t = now.getTime();
  const from = liftedAt.getTime();
  if (Number.isNaN(from) || t < from || t >= from + graceSeconds * 1000) return false;
  // A wrong code at the very instant of the lift counts as after it: when in doubt, the lift is spent.
  return failures.every((f) => f.getTime() < from);
}

/**
 * The most wrong codes a door checks in `days` for someone who, from the start, enters one the
 * moment each wait ends (the worst case: nobody clears the door, no second spent typing). Used for
 * the numbers in docs/security.md.
 */
export function simulateGuesses(days: number, policy: ThrottlePolicy = DEFAULT_THROTTLE): number {
  checkThrottlePolicy(policy);
  const end = days * 86_400_000;
  const windowMs = policy.windowHours * 3_600_000;
  const times: number[] = [];
  let first = 0; // the oldest failure still counted
  let t = 0;
  while (t < end) {
    times.push(t);
    // The earliest x with x >= last + delay(count at x): the count only falls as old failures leave the window.
    const last = t;
    let x = last + Math.max(delayAfterFailure(times.length - first, policy) * 1000, 1); // even a free guess takes a millisecond
    while (first < times.length - 1 && times[first] + windowMs + 1 < x) {
      first++;
      x = Math.max(times[first - 1] + windowMs + 1, Math.min(x, last + Math.max(delayAfterFailure(times.length - first, policy) * 1000, 1)));
    }
    t = x;
  }
  return times.length;
}

/**
 * The chance that someone guessing at `perDay` codes a day for `days` opens the door, when
 * `liveCodes` codes work on it at every moment, out of `space` possible codes.
 */
export function chanceOfOpening(perDay: number, days: number, liveCodes: number, space: number): number {
  if (!(space > 0) || liveCodes < 0 || perDay < 0 || days < 0) throw new RangeError('bad arguments');
  const p = Math.min(liveCodes / space, 1);
  return 1 - Math.pow(1 - p, perDay * days);
}

/** How many codes of `length` digits isWeakCode allows (the space a guesser draws from). */
export function codeSpace(length: number): number {
  if (!Number.isInteger(length) || length < MIN_CODE_LENGTH || length > 8) throw new RangeError('length must be 4 to 8 (counted exhaustively)');
  let n = 0;
  const total = 10 ** length;
  for (let i = 0; i < total; i++) if (!isWeakCode(String(i).padStart(length, '0'))) n++;
  return n;
}
