import type { Db, DbOrTx } from '../../db/client';
import { PG, sqlState } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { conflict, DomainError, unprocessable } from '../../lib/errors';
import type { Actor } from '../auth/actor';
import type { HubRow } from '../venues/venues.repository';
import { HOUR_MS, minutesOf, rotaRules, signupBreach, type SignupBreach } from './rota.fns';
import type { PlaceOps } from './rota.places';
import type { RotaRepository, ShiftRow, SignupRow } from './rota.repository';
import type { ShiftsService } from './rota.service';
import { presentPlace } from './rota.views';

/** Why a volunteer may not take a place, as the API's typed codes (409 for clashes with state, 422 for rules). */
const REFUSALS: Record<string, { status: 'conflict' | 'unprocessable'; detail: string }> = {
  shift_cancelled: { status: 'unprocessable', detail: 'This shift is cancelled' },
  shift_started: { status: 'unprocessable', detail: 'This shift has started' },
  already_signed_up: { status: 'conflict', detail: 'You are already on this shift or its waiting list' },
  signup_blocked: { status: 'unprocessable', detail: 'Sign-up is paused after missed shifts; ask the hub\'s staff to clear it' },
  not_trained: { status: 'unprocessable', detail: 'This hub asks for training in this role first' },
  shift_full: { status: 'conflict', detail: 'This shift is full; join its waiting list instead' },
  shift_collides: { status: 'conflict', detail: 'Another of your shifts overlaps this one' },
  rest_too_short: { status: 'unprocessable', detail: 'Too little rest between this shift and another of yours' },
  too_many_hours: { status: 'unprocessable', detail: 'This would be more hours in one day than the hub allows' },
  not_a_volunteer: { status: 'unprocessable', detail: 'Only the hub\'s volunteers take shifts' },
};
const refuse = (code: string) => {
  const r = REFUSALS[code];
  return r.status === 'conflict' ? conflict(code, r.detail) : unprocessable(code, r.detail);
};

/** Sign-up, the waiting list, withdrawal, cover, staff assignment and attendance. */
export function createSignupsService(deps: { db: Db; rota: RotaRepository; clock: Clock; places: PlaceOps; shifts: Pick<ShiftsService, 'shiftOr404' | 'view'>; afterPlace?: (placeId: string) => Promise<void> }) {
  const { db, rota, clock, places, shifts } = deps;

  /** Every rule of taking a place, in the order the API reports them; `full` is skipped for the waiting list. */
  async function breaches(tx: DbOrTx, shift: ShiftRow, hub: HubRow, userId: string, opts: { checkFull: boolean }): Promise<string[]> {
    const rules = rotaRules(hub.settings);
    const out: string[] = [];
    if (shift.state === 'cancelled') out.push('shift_cancelled');
    if (shift.startsAt <= clock.now()) out.push('shift_started');
    if (await rota.livePlace(shift.id, userId, tx)) out.push('already_signed_up');
    const profile = await rota.profile(hub.id, userId, tx);
    if ((await rota.noShows(hub.id, userId, profile?.noShowsClearedAt ?? null, tx)) >= rules.maxNoShows) out.push('signup_blocked');
    if (rules.trainedRolesOnly && !(profile?.trainedRoles ?? []).includes(shift.role)) out.push('not_trained');
    if (opts.checkFull && (await rota.filled(shift.id, tx)) >= shift.volunteersNeeded) out.push('shift_full');
    const mine = await rota.myShiftsNear(userId, new Date(shift.startsAt.getTime() - 2 * 24 * HOUR_MS), new Date(shift.endsAt.getTime() + 2 * 24 * HOUR_MS), tx);
    const b: SignupBreach | undefined = signupBreach(shift, mine, rules, hub.timezone);
    if (b) out.push(b);
    return out;
  }

  /** Runs fn with the shift row locked (racing volunteers queue here); the partial unique index is the backstop. */
  async function locked<T>(shiftId: string, fn: (tx: DbOrTx, shift: ShiftRow) => Promise<T>): Promise<T> {
    try {
      return await db.transaction(async (tx) => fn(tx, (await rota.lockShift(shiftId, tx))!));
    } catch (err) {
      if (sqlState(err) === PG.uniqueViolation) throw refuse('already_signed_up');
      throw err;
    }
  }

  async function volunteerOr422(hub: HubRow, userId: string) {
    if (!(await rota.isMember(hub.id, userId, 'volunteer'))) throw refuse('not_a_volunteer');
  }

  async function myPlaceOr422(tx: DbOrTx, shiftId: string, userId: string, confirmedOnly: boolean): Promise<SignupRow> {
    const p = await rota.livePlace(shiftId, userId, tx);
    if (!p || (confirmedOnly && p.status !== 'confirmed')) throw unprocessable('not_signed_up', confirmedOnly ? 'There is no place of yours on this shift' : 'You are not on this shift or its waiting list');
    return p;
  }

  async function afterPlace(place: SignupRow) {
    if (place.status === 'confirmed') await deps.afterPlace?.(place.id);
  }

  return {
    /**
     * What would stop this volunteer taking a place on the shift now, as the codes signup answers
     * (`shift_full` included: the waiting list and cover ignore it). Nothing is written; the web
     * pages use it to say in words why a shift cannot be taken before anyone tries.
     */
    async reasons(actor: Actor, shiftId: string): Promise<string[]> {
      const { shift, hub } = await shifts.shiftOr404(actor, shiftId);
      if (!(await rota.isMember(hub.id, actor.userId, 'volunteer'))) return ['not_a_volunteer'];
      return breaches(db, shift, hub, actor.userId, { checkFull: true });
    },

    /** POST /shifts/:id/signup */
    async signup(actor: Actor, shiftId: string) {
      const { hub } = await shifts.shiftOr404(actor, shiftId);
      await volunteerOr422(hub, actor.userId);
      const place = await locked(shiftId, async (tx, shift) => {
        const found = await breaches(tx, shift, hub, actor.userId, { checkFull: true });
        if (found.length) throw refuse(found[0]);
        return rota.insertPlace({ shiftId, userId: actor.userId, status: 'confirmed' }, tx);
      });
      await afterPlace(place);
      return presentPlace(place);
    },

    /** POST /shifts/:id/waitlist: only a full shift has a waiting list. */
    async waitlist(actor: Actor, shiftId: string) {
      const { hub } = await shifts.shiftOr404(actor, shiftId);
      await volunteerOr422(hub, actor.userId);
      const place = await locked(shiftId, async (tx, shift) => {
        const found = await breaches(tx, shift, hub, actor.userId, { checkFull: false });
        if (found.length) throw refuse(found[0]);
        if ((await rota.filled(shift.id, tx)) < shift.volunteersNeeded) throw conflict('shift_not_full', 'This shift has a free place: sign up instead');
        return rota.insertPlace({ shiftId, userId: actor.userId, status: 'waitlisted' }, tx);
      });
      const waiting = (await rota.placesOf([shiftId])).filter((p) => p.signup.status === 'waitlisted');
      return presentPlace(place, waiting);
    },

    /** POST /shifts/:id/withdraw: until withdrawHours before the start (a waiting-list place any time). */
    async withdraw(actor: Actor, shiftId: string) {
      const { hub } = await shifts.shiftOr404(actor, shiftId);
      const rules = rotaRules(hub.settings);
      const shift = await locked(shiftId, async (tx, shift) => {
        const place = await myPlaceOr422(tx, shiftId, actor.userId, false);
        if (place.status === 'confirmed' && shift.state === 'active' && clock.now().getTime() > shift.startsAt.getTime() - rules.withdrawHours * HOUR_MS) {
          throw unprocessable('withdraw_too_late', `Withdrawing closes ${rules.withdrawHours} hours before the start; ask for cover instead`);
        }
        await places.leave(tx, place, 'withdrawn');
        if (place.status === 'confirmed') await places.promoteWaiting(tx, shift, hub);
        return shift;
      });
      return shifts.view(actor, shift, hub);
    },

    /** POST /shifts/:id/cover: my place is offered to others; I keep it until someone takes it. */
    async askCover(actor: Actor, shiftId: string) {
      const { hub } = await shifts.shiftOr404(actor, shiftId);
      const shift = await locked(shiftId, async (tx, shift) => {
        const place = await myPlaceOr422(tx, shiftId, actor.userId, true);
        if (shift.state === 'cancelled') throw refuse('shift_cancelled');
        if (shift.startsAt <= clock.now()) throw refuse('shift_started');
        if (!place.coverRequestedAt) await rota.updatePlace(place.id, { coverRequestedAt: clock.now() }, tx);
        return shift;
      });
      return shifts.view(actor, shift, hub);
    },

    /** POST /shifts/:id/cover/take: another eligible volunteer takes over the place put up for cover. */
    async takeCover(actor: Actor, shiftId: string) {
      const { hub } = await shifts.shiftOr404(actor, shiftId);
      await volunteerOr422(hub, actor.userId);
      const place = await locked(shiftId, async (tx, shift) => {
        const request = await rota.coverRequest(shiftId, tx);
        if (!request) throw unprocessable('no_cover_requested', 'Nobody on this shift is looking for cover');
        const found = await breaches(tx, shift, hub, actor.userId, { checkFull: false });
        if (found.length) throw refuse(found[0]);
        const old = await places.leave(tx, request, 'replaced');
        const mine = await rota.insertPlace({ shiftId, userId: actor.userId, status: 'confirmed' }, tx);
        await places.tellOne(tx, old, hub, 'shift_cover_taken', `Hubkey: ${actor.name.split(' ')[0]} is covering your ${shift.role} shift at ${hub.name} on ${places.span(shift, hub)}. You are off it.`, await phoneOf(tx, old));
        return mine;
      });
      await afterPlace(place);
      return presentPlace(place);
    },

    /** POST /shifts/:id/assign (staff): rules may be overridden; the ones overridden are recorded on the place. */
    async assign(actor: Actor, shiftId: string, userId: string) {
      const { hub } = await shifts.shiftOr404(actor, shiftId, true);
      await volunteerOr422(hub, userId);
      const place = await locked(shiftId, async (tx, shift) => {
        if (shift.state === 'cancelled') throw refuse('shift_cancelled');
        if (await rota.livePlace(shiftId, userId, tx)) throw refuse('already_signed_up');
        const overridden = (await breaches(tx, shift, hub, userId, { checkFull: true })).filter((c) => c !== 'shift_cancelled' && c !== 'already_signed_up');
        const place = await rota.insertPlace({ shiftId, userId, status: 'confirmed', assignedBy: actor.userId, overrideRules: overridden.length ? overridden : null }, tx);
        await places.tellOne(tx, place, hub, 'shift_assigned', `Hubkey: staff put you on a ${shift.role} shift at ${hub.name}, ${places.span(shift, hub)}.`, await phoneOf(tx, place));
        return place;
      });
      await afterPlace(place);
      return { ...presentPlace(place), overrideRules: place.overrideRules ?? [] };
    },

    /** POST /shifts/:id/unassign (staff): the place (or waiting-list place) ends; the waiting list moves up. */
    async unassign(actor: Actor, shiftId: string, userId: string) {
      const { hub } = await shifts.shiftOr404(actor, shiftId, true);
      const shift = await locked(shiftId, async (tx, shift) => {
        const place = await rota.livePlace(shiftId, userId, tx);
        if (!place) throw unprocessable('not_signed_up', 'That person is not on this shift');
        await places.leave(tx, place, 'removed');
        await places.tellOne(tx, place, hub, 'shift_unassigned', `Hubkey: staff took you off the ${shift.role} shift at ${hub.name} on ${places.span(shift, hub)}.`, await phoneOf(tx, place));
        if (place.status === 'confirmed') await places.promoteWaiting(tx, shift, hub);
        return shift;
      });
      return shifts.view(actor, shift, hub);
    },

    /** POST /shifts/:id/attendance (staff): attended minutes (the shift's length unless given) become hours. */
    async attendance(actor: Actor, shiftId: string, input: { userId: string; status: 'attended' | 'no_show' | 'excused'; minutes?: number }) {
      await shifts.shiftOr404(actor, shiftId, true);
      const place = await locked(shiftId, async (tx, shift) => {
        if (shift.state === 'cancelled') throw refuse('shift_cancelled');
        if (shift.startsAt > clock.now()) throw unprocessable('shift_not_started', 'Attendance is recorded once the shift has started');
        const place = await rota.livePlace(shiftId, input.userId, tx);
        if (!place || place.status !== 'confirmed') throw unprocessable('not_signed_up', 'That person has no place on this shift');
        if (input.status !== 'attended' && input.minutes !== undefined) throw new DomainError('validation', 'validation_failed', 'minutes go with attended only', {}, [{ path: 'body.minutes', message: 'only for attended' }]);
        return rota.updatePlace(place.id, { attendance: input.status, attendedMinutes: input.status === 'attended' ? (input.minutes ?? minutesOf(shift)) : null, attendanceAt: clock.now() }, tx);
      });
      return presentPlace(place);
    },
  };

  async function phoneOf(tx: DbOrTx, place: SignupRow) {
    return rota.phoneOfUser(place.userId, tx);
  }
}
export type SignupsService = ReturnType<typeof createSignupsService>;
