import { DateTime } from 'luxon';
import type { Clock } from '../../lib/clock';
import type { OrganisationsRepository } from './organisations.repository';
import { NETWORK_ZONE } from './organisations.service';

/**
 * Tier re-checks: a verification past its re-check date sends the organisation back to staff.
 * Pricing already reads the lapse (tierStanding: its next bookings wait for review); this job
 * tells the staff of every hub where it has bookings ahead, once per lapse.
 */
export function createRecheckService(deps: {
  organisations: Pick<OrganisationsRepository, 'lapsedWithBookingsAhead'>;
  clock: Clock;
  staffPhones: (hubId: string) => Promise<string[]>;
  enqueue: (msg: { kind: string; to: string; body: string; dedupeKey: string; hubId: string }) => Promise<unknown>;
}) {
  const { organisations, clock } = deps;
  return {
    /** Queues one alert per lapsed organisation, hub and staff phone; dedupe keys make a second run queue nothing. Returns how many were new. */
    async alertLapsed(): Promise<number> {
      const today = DateTime.fromJSDate(clock.now(), { zone: NETWORK_ZONE }).toISODate()!;
      const rows = await organisations.lapsedWithBookingsAhead(today, clock.now(), 500);
      let queued = 0;
      for (const r of rows) {
        for (const phone of await deps.staffPhones(r.hubId)) {
          const row = await deps.enqueue({
            kind: 'tier_recheck_due',
            to: phone,
            body: `Hubkey: ${r.orgName}'s tier verification passed its re-check date (${r.recheckOn}). It has bookings ahead at ${r.hubName}; please re-verify it.`,
            dedupeKey: `tier_recheck_due:${r.orgId}:${r.recheckOn}:${r.hubId}:${phone}`,
            hubId: r.hubId,
          });
          if (row) queued++;
        }
      }
      return queued;
    },
  };
}
export type RecheckService = ReturnType<typeof createRecheckService>;
