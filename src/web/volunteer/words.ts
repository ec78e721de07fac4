import { DomainError } from '../../lib/errors';
import type { RotaSettings } from '../../modules/venues/venues.types';
import { plural } from '../format';

/** The rota in words, for volunteers' and staff's pages. */

export const ROLE_NAMES: Record<string, string> = {
  opener: 'Opener',
  closer: 'Closer',
  caretaker: 'Caretaker',
  welcome: 'Welcome',
  events: 'Events helper',
};
export const ROLES = Object.keys(ROLE_NAMES);
export const roleName = (role: string) => ROLE_NAMES[role] ?? role;

export const ROLE_HINTS: Record<string, string> = {
  opener: 'Unlocks, turns the heating and lights on, lets the first group in',
  closer: 'Checks the rooms are empty, locks up, sets the alarm',
  caretaker: 'On site throughout an evening or weekend session',
  welcome: 'Greets people at an open day or drop-in',
  events: 'Helps run an event',
};

/** Why a shift cannot be taken (or changed), in words: what happened and, where there is one, what to do. */
export function reasonText(code: string, rules: Pick<RotaSettings, 'minRestHours' | 'maxHoursPerDay' | 'withdrawHours'>, role?: string): string {
  switch (code) {
    case 'not_trained':
      return `You are not trained for the ${role ? roleName(role).toLowerCase() : 'this'} role yet. Ask the hub's staff about training`;
    case 'shift_collides':
      return 'You are already on another shift at this time';
    case 'rest_too_short':
      return `It is too close to another of your shifts: the hub asks for at least ${plural(rules.minRestHours, 'hour')} between shifts`;
    case 'too_many_hours':
      return `It would give you more than ${plural(rules.maxHoursPerDay, 'hour')} of shifts in one day`;
    case 'signup_blocked':
      return 'Signing up is paused after missed shifts. Ask the hub\'s staff to clear it';
    case 'shift_full':
      return 'Every place on this shift is taken. You can join its waiting list';
    case 'shift_started':
      return 'This shift has started';
    case 'shift_cancelled':
      return 'This shift is cancelled';
    case 'already_signed_up':
      return 'You are already on this shift or its waiting list';
    case 'not_a_volunteer':
      return 'Only the hub\'s volunteers take shifts';
    case 'withdraw_too_late':
      return `It is too late to withdraw: that closes ${plural(rules.withdrawHours, 'hour')} before the shift. Ask for cover instead`;
    case 'no_cover_requested':
      return 'Nobody on this shift is looking for cover any more';
    case 'shift_not_full':
      return 'This shift has a free place now: sign up instead';
    case 'not_signed_up':
      return 'You are not on this shift';
    case 'shift_not_started':
      return 'Attendance is recorded once the shift has started';
    case 'below_filled':
      return 'More volunteers are on this shift than that. Take some off first';
    case 'generated_shift':
      return 'This shift follows its bookings: change the bookings or the staffed hours instead';
    default:
      return 'That could not be done. Reload the page and try again';
  }
}

/** A refusal the person can act on (409, 422, a validation error), or undefined for anything else (rethrow it). */
export function refusal(err: unknown): { code: string; detail: string } | undefined {
  if (!(err instanceof DomainError)) return undefined;
  if (err.kind !== 'conflict' && err.kind !== 'unprocessable' && err.kind !== 'validation') return undefined;
  return { code: err.code, detail: err.message };
}
