import { DomainError } from '../../lib/errors';
import { formatDuration } from '../format';

/** Why a booking was refused, in words that say what to do next. */
export function ruleMessage(code: string, detail: string, room?: { name: string; capacity: number; minBookingMinutes: number; maxBookingMinutes: number }): string {
  switch (code) {
    case 'in_the_past':
      return 'That time has already passed. Choose a later time or another day';
    case 'over_capacity':
      return room ? `${room.name} holds up to ${room.capacity} people. Enter ${room.capacity} or fewer, or find a bigger room` : detail;
    case 'too_short':
      return room ? `Bookings of ${room.name} last at least ${formatDuration(room.minBookingMinutes)}. Choose a later end time` : detail;
    case 'too_long':
      return room ? `Bookings of ${room.name} last at most ${formatDuration(room.maxBookingMinutes)}. Choose an earlier end time` : detail;
    case 'too_little_notice':
      return `${detail.replace(/(\d+) minutes/, (_, m) => formatDuration(Number(m)))}. Choose a later time`;
    case 'too_far_ahead':
      return `${detail}. Choose an earlier date`;
    case 'outside_opening_hours':
      return "The hub is not open for all of that time. Check the room's free times and choose a time inside them";
    case 'closed':
      return 'The hub is closed then. Choose another day';
    case 'nonexistent_local_time':
      return 'The clocks change at that time on that day. Choose another time';
    case 'booking_conflict':
    case 'booked':
      return 'The room is already booked at that time. Choose another time or find another room';
    case 'price_changes':
      return 'Moving to that time changes the price, and you have already paid or been invoiced. Contact the hub to move it';
    case 'invalid_status':
      return 'This booking can no longer be changed';
    default:
      return detail;
  }
}

/** The words for a refused request, or undefined for errors a page should not explain (they go to the error page). */
export function refusal(err: unknown, room?: Parameters<typeof ruleMessage>[2]): string | undefined {
  if (!(err instanceof DomainError)) return undefined;
  if (err.kind === 'unprocessable' || err.kind === 'conflict' || err.kind === 'validation') return ruleMessage(err.code, err.message, room);
  return undefined;
}
