import { DateTime } from 'luxon';
import type { Db } from '../../db/client';
import type { Clock } from '../../lib/clock';
import type { OutboxService } from '../notifications/outbox.service';
import { reminderText } from '../notifications/texts';
import { DEFAULT_SETTINGS } from '../venues/venues.types';
import { windowText } from './access.messages';
import type { AccessRepository } from './access.repository';
import { reminderPlan, reminderWindowEnd } from './reminders.fns';

/** Bookings weighed per round; rounds go on until none is due, so no cap makes a reminder late. */
const BATCH = 200;

const at = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat('ccc d LLL HH:mm');

/**
 * Booking reminders (see reminders.fns): each confirmed booking's contact is texted at most once
 * per start, the hub's reminderLeadMinutes before it, unless another text already serves.
 */
export function createRemindersService(deps: {
  db: Pick<Db, 'transaction'>;
  access: Pick<AccessRepository, 'hubsWithRemindersDue' | 'bookingsToRemind' | 'markReminded' | 'doorsForRoom' | 'codesForBooking'>;
  outbox: Pick<OutboxService, 'enqueue'>;
  clock: Clock;
}) {
  const { db, access, outbox, clock } = deps;
  return {
    /**
     * Job: weighs every booking whose reminder is due and marks it (sent, or not needed), in one
     * transaction with its text, so a second run (or a crash and a rerun) sends none twice.
     */
    async sendReminders(): Promise<number> {
      let sent = 0;
      // Only the hubs with something due are read further (an empty tick is one statement).
      for (const hub of await access.hubsWithRemindersDue(clock.now(), DEFAULT_SETTINGS.reminderLeadMinutes)) {
        const settings = { ...DEFAULT_SETTINGS, ...hub.settings };
        for (;;) {
          const now = clock.now();
          const due = await access.bookingsToRemind(hub.id, now, reminderWindowEnd(now, settings.reminderLeadMinutes), BATCH);
          let weighed = 0;
          for (const r of due) {
            const b = r.booking;
            const hasDoors = (await access.doorsForRoom(b.roomId)).length > 0;
            const live = (await access.codesForBooking(b.id)).find((c) => c.status === 'active');
            const plan = reminderPlan({ startsAt: b.startsAt, endsAt: b.endsAt, settings, now, hasDoors, codeQueuedAt: live?.queuedAt ?? null });
            if (plan.action === 'wait') continue;
            weighed++;
            await db.transaction(async (tx) => {
              if (!(await access.markReminded(b.id, b.startsAt, now, tx))) return;
              if (plan.action !== 'send' || !b.contactPhone) return;
              const code = plan.code.state === 'coming' ? { state: 'coming' as const, at: at(plan.code.at, hub.timezone) } : plan.code.state === 'sent' ? { state: 'sent' as const, from: at(plan.code.from, hub.timezone) } : { state: 'none' as const };
              const queued = await outbox.enqueue(
                {
                  kind: 'reminder',
                  to: b.contactPhone,
                  body: reminderText({ title: b.title, roomName: r.roomName, hubName: hub.name, when: windowText(b.startsAt, b.endsAt, hub.timezone), code }),
                  hubId: b.hubId,
                  bookingId: b.id,
                  dedupeKey: `reminder:${b.id}:${b.startsAt.toISOString()}`,
                },
                tx,
              );
              if (queued) sent++;
            });
          }
          if (due.length < BATCH || weighed === 0) break;
        }
      }
      return sent;
    },
  };
}
export type RemindersService = ReturnType<typeof createRemindersService>;
