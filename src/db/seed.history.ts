import { DateTime } from 'luxon';
import { quote, type RateCardInput, type Tier } from '../modules/pricing/pricing.fns';
import type { bookings } from './schema';

/** One weekly hire of the demo's past: which room, which organisation, when, and how often. */
interface Habit {
  roomId: string;
  hubId: string;
  timezone: string;
  organisationId: string;
  tier: Tier;
  title: string;
  attendees: number;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  starts: string;
  ends: string;
  /** Every `every` weeks. */
  every: number;
  card: RateCardInput;
}

/**
 * The demo's past: fourteen weeks of weekly hires before `today`, so a report of the last three
 * months has every tier, both hubs, several rooms and cancellations in it. Each booking keeps the
 * quote it would have had from the hub's card (the cards themselves start today); ended ones are
 * completed, every fifth is cancelled, and a weekend hire crosses a local midnight.
 */
export function pastBookings(habits: Habit[], today: Date, createdBy: string): (typeof bookings.$inferInsert)[] {
  const rows: (typeof bookings.$inferInsert)[] = [];
  for (const [h, habit] of habits.entries()) {
    const end = DateTime.fromJSDate(today, { zone: habit.timezone }).startOf('day');
    let day = end.minus({ weeks: 14 });
    while (day.weekday !== habit.weekday) day = day.plus({ days: 1 });
    for (let week = 0; day < end; week++, day = day.plus({ weeks: 1 })) {
      if (week % habit.every !== 0) continue;
      const date = day.toISODate()!;
      const startsAt = DateTime.fromISO(`${date}T${habit.starts}`, { zone: habit.timezone });
      let endsAt = DateTime.fromISO(`${date}T${habit.ends}`, { zone: habit.timezone });
      if (endsAt <= startsAt) endsAt = endsAt.plus({ days: 1 });
      if (endsAt.toJSDate() > today) continue;
      const price = quote({ card: habit.card, tier: habit.tier, startsAt: startsAt.toJSDate(), endsAt: endsAt.toJSDate(), timezone: habit.timezone });
      const cancelled = (week + h) % 5 === 4;
      rows.push({
        roomId: habit.roomId,
        hubId: habit.hubId,
        organisationId: habit.organisationId,
        createdBy,
        title: habit.title,
        attendees: habit.attendees,
        startsAt: startsAt.toJSDate(),
        endsAt: endsAt.toJSDate(),
        blockedUntil: endsAt.toJSDate(),
        status: cancelled ? 'cancelled' : 'completed',
        statusReason: cancelled ? 'cancelled_by_hirer' : null,
        price,
      });
    }
  }
  return rows;
}
