import { DateTime } from 'luxon';
import { toZonedIso } from '../../lib/time';
import { type Actor, isStaffOf } from '../auth/actor';
import { shiftStatus } from './rota.fns';
import type { RotaRepository, ShiftRow, SignupRow } from './rota.repository';

export type Place = Awaited<ReturnType<RotaRepository['placesOf']>>[number];

const firstName = (name: string) => name.trim().split(/\s+/)[0] ?? '';

/**
 * A shift as the API shows it. Staff of the hub see every volunteer's name and id; the hub's
 * volunteers see first names only, and their own place.
 */
export function presentShift(actor: Actor, shift: ShiftRow, zone: string, places: Place[]) {
  const staff = isStaffOf(actor, shift.hubId);
  const confirmed = places.filter((p) => p.signup.status === 'confirmed');
  const waiting = places.filter((p) => p.signup.status === 'waitlisted');
  const mine = places.find((p) => p.signup.userId === actor.userId);
  return {
    id: shift.id,
    hubId: shift.hubId,
    seriesId: shift.seriesId,
    role: shift.role,
    title: shift.title,
    notes: shift.notes,
    startsAt: toZonedIso(shift.startsAt, zone),
    endsAt: toZonedIso(shift.endsAt, zone),
    timezone: zone,
    volunteersNeeded: shift.volunteersNeeded,
    filled: confirmed.length,
    status: shiftStatus(shift, confirmed.length),
    source: shift.source,
    bookingIds: shift.bookingIds,
    cancelReason: shift.cancelReason,
    waitlistLength: waiting.length,
    lookingForCover: confirmed.filter((p) => p.signup.coverRequestedAt).length,
    volunteers: confirmed.map((p) => ({
      ...(staff ? { userId: p.signup.userId, name: p.name, attendance: p.signup.attendance, overrideRules: p.signup.overrideRules } : { name: firstName(p.name) }),
      coverRequested: !!p.signup.coverRequestedAt,
    })),
    ...(staff ? { waitlist: waiting.map((p) => ({ userId: p.signup.userId, name: p.name })) } : {}),
    myPlace: mine ? presentPlace(mine.signup, waiting) : null,
  };
}
export type ShiftView = ReturnType<typeof presentShift>;

export function presentPlace(p: SignupRow, waiting: Place[] = []) {
  const position = waiting.findIndex((w) => w.signup.id === p.id);
  return {
    id: p.id,
    shiftId: p.shiftId,
    userId: p.userId,
    status: p.status,
    waitlistPosition: position >= 0 ? position + 1 : null,
    coverRequested: !!p.coverRequestedAt,
    attendance: p.attendance,
    attendedMinutes: p.attendedMinutes,
    createdAt: p.createdAt.toISOString(),
  };
}

/** "Tue 3 Mar 18:30" on the hub's clock, for texts. */
export const when = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).setLocale('en-GB').toFormat('ccc d LLL HH:mm');
export const timeOnly = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat('HH:mm');
