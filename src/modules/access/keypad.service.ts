import { DateTime } from 'luxon';
import type { Clock } from '../../lib/clock';
import { type CodeCipher, verifySecret } from '../../lib/crypto';
import { DomainError, forbidden, invalid, notFound } from '../../lib/errors';
import { parseHubTime, toZonedIso } from '../../lib/time';
import { type Actor, isStaffOf } from '../auth/actor';
import type { OutboxService } from '../notifications/outbox.service';
import type { VenuesRepository } from '../venues/venues.repository';
import { clip } from '../../lib/sms-segments';
import { DEFAULT_THROTTLE, isCodeValidAt, LIFT_GRACE_SECONDS, liftOpen, throttleSince, throttleState } from './access.fns';
import type { AccessCodeRow, AccessRepository, DoorRow, KeypadDoorRow } from './access.repository';

export type VerifyReason = 'granted' | 'unknown_code' | 'outside_window' | 'revoked' | 'expired' | 'locked_out';
export interface VerifyAnswer {
  granted: boolean;
  reason: VerifyReason;
  retryAfter?: string;
}

const invalidDeviceKey = () => new DomainError('unauthenticated', 'invalid_device_key', "Send this door's device key in X-Device-Key");

/**
 * The keypad's side: a door asks whether a code opens it, and slows down after wrong codes
 * (escalating delays, DEFAULT_THROTTLE); staff read the entry log and clear a door's count; a
 * booked group in progress lifts a wait by texting OPEN from its phone (liftFor).
 */
export function createKeypadService(deps: {
  access: Pick<AccessRepository, 'keypadDoor' | 'enterCode' | 'logEntry' | 'findByHash' | 'listEntries' | 'clearLockout' | 'codeDoors' | 'liftLockout'>;
  venues: Pick<VenuesRepository, 'getHub'>;
  outbox: Pick<OutboxService, 'alertStaff'>;
  cipher: Pick<CodeCipher, 'lookupHash'>;
  clock: Clock;
}) {
  const { access, venues, outbox, cipher, clock } = deps;
  const policy = DEFAULT_THROTTLE;

  /** The door with its hub's time zone and its wrong codes counted now (one statement). */
  const readDoor = (doorId: string, now: Date) => access.keypadDoor(doorId, new Date(now.getTime() - policy.windowHours * 3_600_000));

  /**
   * The door whose device key this is, or undefined (a missing door and a wrong key look the same).
   * It comes with its wrong codes so far, so the check that follows needs no other read.
   */
  async function authenticateDevice(doorId: string, deviceKey: string | undefined): Promise<KeypadDoorRow | undefined> {
    if (!deviceKey) return undefined;
    const door = await readDoor(doorId, clock.now());
    if (!door || door.provider !== 'keypad' || !door.deviceKeyHash || !verifySecret(deviceKey, door.deviceKeyHash)) return undefined;
    return door;
  }

  /** Wrong codes counted now (in the window, after the last clear), and whether the door is waiting. */
  function throttleOf(door: KeypadDoorRow, now: Date) {
    const since = throttleSince(now, door.lockoutClearedAt, policy);
    const cleared = door.lockoutClearedAt?.getTime() ?? -Infinity;
    const failures = door.failures.filter((f) => f.getTime() >= since.getTime() && f.getTime() > cleared);
    return { failures, state: throttleState(failures, now, policy, door.lockoutClearedAt) };
  }

  /**
   * Whether a code opens an authenticated door now, given the door as authenticateDevice read it
   * (with its wrong codes then). Checks nothing while the door waits after wrong codes.
   */
  async function verifyAt(door: KeypadDoorRow, code: string): Promise<VerifyAnswer> {
    const now = clock.now();
    const codeHash = cipher.lookupHash(door.id, code);
    const entry = { hubId: door.hubId, doorId: door.id, at: now };
    if (!door.active) {
      await access.logEntry({ ...entry, granted: false, result: 'locked_out', codeHash });
      return { granted: false, reason: 'locked_out' };
    }
    const before = throttleOf(door, now);
    // A lift (OPEN texted from a live code's phone) lets the door check codes for a short grace, until the first wrong code.
    if (before.state.throttled && !liftOpen(before.failures, now, door.lockoutLiftedAt)) {
      // Unchecked and not counted: pressing on while the door waits neither guesses nor lengthens the wait.
      await access.logEntry({ ...entry, granted: false, result: 'locked_out', codeHash });
      return { granted: false, reason: 'locked_out', retryAfter: zoned(door, before.state.until!) };
    }
    // A live code is granted, and a code no code on the door has is counted, in one statement;
    // a code the door knows that does not open it now is looked at again to say why.
    let result = await access.enterCode({ ...entry, codeHash });
    if (result === undefined) {
      const matches = await access.findByHash(door.id, codeHash);
      const live = matches.find((m) => m.link.active && m.code.status === 'active' && isCodeValidAt(m.link, now));
      if (live) {
        await access.logEntry({ ...entry, granted: true, result: 'granted', accessCodeId: live.code.id });
        return { granted: true, reason: 'granted' };
      }
      const known = matches[0];
      if (known) {
        const why = knownCodeResult(known, now);
        await access.logEntry({ ...entry, granted: false, result: why, accessCodeId: known.code.id });
        return { granted: false, reason: why };
      }
      // Gone in between: as unknown as any other code.
      await access.logEntry({ ...entry, granted: false, result: 'unknown_code', codeHash });
      result = 'unknown_code';
    }
    if (result === 'granted') return { granted: true, reason: 'granted' };
    let after = throttleState([...before.failures, now], now, policy, door.lockoutClearedAt);
    if (after.failures === policy.freeFailures) await alertUnderAttack(door, [...before.failures, now][0]);
    else if (after.failures < policy.freeFailures) {
      // Wrong codes checked at the same moment on this door each read the door before the others
      // were counted, so none may see the count reach the threshold. Below it, the count is read
      // again now that ours is in: whichever check reads last sees them all, and the spell's alert
      // goes once (it is keyed by the spell's first wrong code) whichever crossed it.
      const later = clock.now();
      const fresh = await readDoor(door.id, later);
      const counted = fresh ? throttleOf(fresh, later) : undefined;
      if (fresh && counted && counted.state.failures >= policy.freeFailures) {
        await alertUnderAttack(fresh, counted.failures[0]);
        after = counted.state;
      }
    }
    return after.throttled ? { granted: false, reason: 'unknown_code', retryAfter: zoned(door, after.until!) } : { granted: false, reason: 'unknown_code' };
  }

  /** An instant in the door's hub's offset, to the second (rounded up, so a controller that waits until then is never early). */
  function zoned(door: KeypadDoorRow, at: Date) {
    return toZonedIso(new Date(Math.ceil(at.getTime() / 1000) * 1000), door.timezone);
  }

  /** Staff hear once per spell of wrong codes (the first counted one names it), not per code. */
  async function alertUnderAttack(door: KeypadDoorRow, firstFailure: Date) {
    const zone = door.timezone;
    await outbox.alertStaff(
      door.hubId,
      `Hubkey: ${policy.freeFailures} wrong codes on ${door.name} since ${DateTime.fromJSDate(firstFailure, { zone }).toFormat('HH:mm')}. It now waits between codes (up to ${policy.maxDelaySeconds / 60} min, 1 hour if it goes on); a valid code opens once a wait ends. Clear it in Hubkey to let people in at once.`,
      `lockout:${door.id}:${firstFailure.toISOString()}`,
    );
  }

  /**
   * The keypad doors a live code works on now that wait after wrong codes: OPEN from the code's
   * phone would lift them. Reads only.
   */
  async function liftableDoors(code: AccessCodeRow): Promise<DoorRow[]> {
    const now = clock.now();
    if (code.status !== 'active' || !isCodeValidAt(code, now)) return [];
    const out: DoorRow[] = [];
    for (const { link, door } of await access.codeDoors(code.id)) {
      if (!link.active || !isCodeValidAt(link, now) || !door.active || door.provider !== 'keypad') continue;
      const counted = await readDoor(door.id, now);
      if (!counted) continue;
      const { failures, state } = throttleOf(counted, now);
      if (state.throttled && !liftOpen(failures, now, counted.lockoutLiftedAt)) out.push(door);
    }
    return out;
  }

  /**
   * Lifts the waits of these doors for the code's holder: each checks codes for LIFT_GRACE_SECONDS,
   * until the first wrong code; its wrong codes so far still count. Staff are told who lifted it.
   */
  async function liftFor(code: AccessCodeRow, doors: DoorRow[]): Promise<void> {
    const now = clock.now();
    for (const door of doors) {
      await access.liftLockout(door.id, now, code.id);
      const zone = (await venues.getHub(door.hubId))?.timezone ?? 'UTC';
      const hhmm = (d: Date) => DateTime.fromJSDate(d, { zone }).toFormat('HH:mm');
      const who = code.kind === 'shift' ? 'a volunteer on shift' : `the booking in progress (${hhmm(code.bookingStartsAt ?? code.validFrom)}-${hhmm(code.bookingEndsAt ?? code.validUntil)})`;
      await outbox.alertStaff(
        door.hubId,
        `Hubkey: ${clip(door.name, 40)} was waiting after wrong codes; ${who} lifted the wait at ${hhmm(now)} by texting OPEN from its phone. Its next code is checked; a wrong one starts the waits again.`,
        `lockout-lift:${door.id}:${now.toISOString()}`,
      );
    }
  }

  return {
    authenticateDevice,
    verifyAt,
    liftableDoors,
    liftFor,
    liftGraceSeconds: LIFT_GRACE_SECONDS,

    /** Device key check, then verifyAt. */
    async verify(doorId: string, deviceKey: string | undefined, code: string): Promise<VerifyAnswer> {
      const door = await authenticateDevice(doorId, deviceKey);
      if (!door) throw invalidDeviceKey();
      return verifyAt(door, code);
    },

    invalidDeviceKey,

    /** Staff (of the door's hub, or an admin) forget the door's wrong codes so far: it checks the next code at once. */
    async clearLockout(actor: Actor, doorId: string) {
      const now = clock.now();
      const door = await readDoor(doorId, now);
      if (!door || !isStaffOf(actor, door.hubId)) throw notFound('Door');
      const before = throttleOf(door, now).state;
      await access.clearLockout(door.id, now, actor.userId);
      return {
        doorId: door.id,
        clearedAt: toZonedIso(now, door.timezone),
        failuresCleared: before.failures,
        wasWaitingUntil: before.throttled ? toZonedIso(before.until!, door.timezone) : null,
      };
    },

    /** The hub's entries (staff), oldest first as the API lists them, or newest first for the pages; of one door or one outcome when asked. */
    async listEntries(
      actor: Actor,
      hubId: string,
      q: { from?: string; to?: string; doorId?: string; granted?: boolean; newestFirst?: boolean; limit: number; after?: { at: Date; id: string } },
    ) {
      const hub = await venues.getHub(hubId);
      if (!hub) throw notFound('Hub');
      if (!isStaffOf(actor, hub.id)) throw forbidden('Only staff of this hub may do this');
      const from = q.from ? parseHubTime(q.from, hub.timezone, 'from') : undefined;
      const to = q.to ? parseHubTime(q.to, hub.timezone, 'to') : undefined;
      if (from && to && to <= from) throw invalid('to must be after from', [{ path: 'querystring.to', message: 'not after from' }]);
      const rows = await access.listEntries({ hubId: hub.id, from, to, doorId: q.doorId, granted: q.granted, newestFirst: q.newestFirst, after: q.after, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => ({
          id: r.entry.id,
          doorId: r.entry.doorId,
          doorName: r.doorName,
          at: toZonedIso(r.entry.at, hub.timezone),
          granted: r.entry.granted,
          result: r.entry.result,
          accessCodeId: r.entry.accessCodeId,
          bookingId: r.bookingId ?? null,
          kind: r.kind ?? null,
        })),
        next: rows.length > q.limit && last ? { at: last.entry.at, id: last.entry.id } : undefined,
      };
    },
  };
}
export type KeypadService = ReturnType<typeof createKeypadService>;

/**
 * Why a code the door knows does not open it now: staff ended it or it was replaced (`revoked`),
 * its window is over (`expired`, whether or not the job has marked it yet), or not open yet.
 */
export function knownCodeResult(
  m: { code: { status: 'active' | 'replaced' | 'revoked' | 'expired' }; link: { active: boolean; validUntil: Date } },
  now: Date,
): 'revoked' | 'expired' | 'outside_window' {
  if (m.code.status === 'revoked' || m.code.status === 'replaced') return 'revoked';
  if (m.code.status === 'expired' || now.getTime() >= m.link.validUntil.getTime()) return 'expired';
  if (!m.link.active) return 'revoked';
  return 'outside_window';
}
