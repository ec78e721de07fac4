import type { Config } from '../../config/env';
import type { Db } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { createCodeCipher } from '../../lib/crypto';
import type { Logger } from '../../lib/logger';
import type { BookingRow } from '../bookings/bookings.repository';
import type { HubRow, VenuesRepository } from '../venues/venues.repository';
import { createRotaCalendar } from './rota.calendar';
import { createGeneratedShifts } from './rota.generated';
import { createRotaNotices, type ShiftCodes } from './rota.notices';
import { createRotaPeople } from './rota.people';
import { createPlaceOps, type Enqueue } from './rota.places';
import { createRotaRepository } from './rota.repository';
import { createShiftsService } from './rota.service';
import { createSignupsService } from './rota.signups';

/** Wires the rota: its repository and services, with narrow links to self-entry (codes) and the outbox (texts). */
export function createRota(
  config: Pick<Config, 'publicUrl' | 'accessCodeKey'>,
  deps: { db: Db; clock: Clock; logger: Pick<Logger, 'warn'>; venues: Pick<VenuesRepository, 'getHub'>; enqueue: Enqueue; codes?: ShiftCodes; staffPhones: (hubId: string) => Promise<string[]> },
) {
  const { db, clock } = deps;
  const repo = createRotaRepository(db);
  const places = createPlaceOps({ rota: repo, clock, enqueue: deps.enqueue });
  const notices = createRotaNotices({ rota: repo, clock, enqueue: deps.enqueue, codes: deps.codes, staffPhones: deps.staffPhones, logger: deps.logger });
  const shifts = createShiftsService({ db, rota: repo, venues: deps.venues, clock, places });
  const signups = createSignupsService({
    db,
    rota: repo,
    clock,
    places,
    shifts,
    afterPlace: async (placeId) => {
      try {
        await notices.placeTaken(placeId);
      } catch (err) {
        deps.logger.warn({ err, placeId }, 'rota: code for a new place will come from the job');
      }
    },
  });
  const generated = createGeneratedShifts({ db, rota: repo, clock, places });
  const people = createRotaPeople({ rota: repo, clock, shifts, codes: deps.codes });
  const calendar = createRotaCalendar({ rota: repo, clock, cipher: createCodeCipher(config.accessCodeKey), publicUrl: config.publicUrl, uidDomain: new URL(config.publicUrl).hostname });
  const services = { shifts, signups, generated, notices, people, calendar };
  return {
    repo,
    services,
    /** Places someone left outside the rota's own flows (an erasure): each shift's waiting list moves up. Never throws. */
    async placesFreed(shiftIds: string[]) {
      for (const id of shiftIds) {
        try {
          await db.transaction(async (tx) => {
            const shift = await repo.lockShift(id, tx);
            const hub = shift && (await deps.venues.getHub(shift.hubId, tx));
            if (shift && hub) await places.promoteWaiting(tx, shift, hub);
          });
        } catch (err) {
          deps.logger.warn({ err, shiftId: id }, 'rota: the waiting list of a freed shift did not move up');
        }
      }
    },
    /** After new bookings commit (the rows and hub the bookings service has): as bookingChanged, without reading them back. Never throws. */
    async bookingsCreated(rows: BookingRow[], hub: HubRow) {
      try {
        await generated.bookingsCreated(rows, hub);
      } catch (err) {
        deps.logger.warn({ err, hubId: hub.id }, 'rota: generated shifts will follow in the job');
      }
    },
    /** After a booking change commits: generated shifts follow at once (the job catches up if this fails). Never throws. */
    async bookingChanged(bookingId: string) {
      try {
        await generated.bookingChanged(bookingId);
      } catch (err) {
        deps.logger.warn({ err, bookingId }, 'rota: generated shifts will follow in the job');
      }
    },
  };
}
export type RotaServices = ReturnType<typeof createRota>['services'];
