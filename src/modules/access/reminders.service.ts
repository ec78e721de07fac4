import type { Clock } from '../../lib/clock';
import type { OutboxService } from '../notifications/outbox.service';
import { windowText } from './access.messages';
import type { AccessRepository } from './access.repository';

/** Booking reminders: each confirmed booking's contact is texted once, the hub's reminderLeadMinutes before the start. */
export function createRemindersService(deps: { access: Pick<AccessRepository, 'bookingsToRemind'>; outbox: Pick<OutboxService, 'enqueue'>; clock: Clock }) {
  const { access, outbox, clock } = deps;
  return {
    /** Job: queues the reminders that are due; the dedupe key makes a second run queue none. */
    async sendReminders(): Promise<number> {
      let n = 0;
      for (const r of await access.bookingsToRemind(clock.now(), 500)) {
        const b = r.booking;
        const queued = await outbox.enqueue({
          kind: 'reminder',
          to: b.contactPhone!,
          body: `Reminder: ${b.title} in ${r.roomName}, ${r.hubName}, ${windowText(b.startsAt, b.endsAt, r.timezone)}. Your door code comes by text before the start.`,
          hubId: b.hubId,
          bookingId: b.id,
          dedupeKey: `reminder:${b.id}:${b.startsAt.toISOString()}`,
        });
        if (queued) n++;
      }
      return n;
    },
  };
}
export type RemindersService = ReturnType<typeof createRemindersService>;
