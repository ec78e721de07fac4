import { DateTime } from 'luxon';
import type { Clock } from '../../lib/clock';
import { type CodeCipher, verifySecret } from '../../lib/crypto';
import { DomainError, forbidden, invalid, notFound } from '../../lib/errors';
import { MINUTE, parseHubTime, toZonedIso } from '../../lib/time';
import { type Actor, isStaffOf } from '../auth/actor';
import type { OutboxService } from '../notifications/outbox.service';
import type { VenuesRepository } from '../venues/venues.repository';
import { DEFAULT_LOCKOUT, isCodeValidAt, lockoutState } from './access.fns';
import type { AccessRepository } from './access.repository';

/** The keypad's side: a door asks whether a code opens it (with lockout after wrong guesses); staff read the entry log. */
export function createKeypadService(deps: {
  access: Pick<AccessRepository, 'getDoor' | 'failuresSince' | 'insertEntry' | 'findByHash' | 'listEntries'>;
  venues: Pick<VenuesRepository, 'getHub'>;
  outbox: Pick<OutboxService, 'alertStaff'>;
  cipher: Pick<CodeCipher, 'lookupHash'>;
  clock: Clock;
}) {
  const { access, venues, outbox, cipher, clock } = deps;
  return {
    async verify(doorId: string, deviceKey: string | undefined, code: string) {
      const door = await access.getDoor(doorId);
      // One answer for a missing door and a wrong key: a device learns nothing about other doors.
      if (!door || door.provider !== 'keypad' || !door.deviceKeyHash || !deviceKey || !verifySecret(deviceKey, door.deviceKeyHash)) {
        throw new DomainError('unauthenticated', 'invalid_device_key', 'Send this door\'s device key in X-Device-Key');
      }
      const now = clock.now();
      const codeHash = cipher.lookupHash(door.id, code);
      const since = new Date(now.getTime() - (DEFAULT_LOCKOUT.windowMinutes + DEFAULT_LOCKOUT.lockMinutes) * MINUTE * 4);
      const lock = lockoutState(await access.failuresSince(door.id, since), now);
      if (lock.locked || !door.active) {
        await access.insertEntry({ hubId: door.hubId, doorId: door.id, at: now, granted: false, result: 'locked_out', codeHash });
        return { granted: false, reason: 'locked_out' as const, retryAfter: lock.until?.toISOString() };
      }
      const matches = await access.findByHash(door.id, codeHash);
      const live = matches.find((m) => m.link.active && m.code.status === 'active' && isCodeValidAt(m.link, now));
      if (live) {
        await access.insertEntry({ hubId: door.hubId, doorId: door.id, at: now, granted: true, result: 'granted', accessCodeId: live.code.id });
        return { granted: true, reason: 'granted' as const };
      }
      const known = matches[0];
      if (known) {
        const result = known.code.status === 'active' && known.link.active ? ('outside_window' as const) : ('revoked' as const);
        await access.insertEntry({ hubId: door.hubId, doorId: door.id, at: now, granted: false, result, accessCodeId: known.code.id });
        return { granted: false, reason: result };
      }
      await access.insertEntry({ hubId: door.hubId, doorId: door.id, at: now, granted: false, result: 'unknown_code', codeHash });
      const after = lockoutState(await access.failuresSince(door.id, since), now);
      if (after.locked) {
        await outbox.alertStaff(
          door.hubId,
          `Hubkey: ${DEFAULT_LOCKOUT.maxFailures} wrong codes in ${DEFAULT_LOCKOUT.windowMinutes} minutes on ${door.name}. It refuses all codes until ${DateTime.fromJSDate(after.until!, { zone: (await venues.getHub(door.hubId))?.timezone ?? 'UTC' }).toFormat('HH:mm')}.`,
          `lockout:${door.id}:${after.until!.toISOString()}`,
        );
        return { granted: false, reason: 'locked_out' as const, retryAfter: after.until!.toISOString() };
      }
      return { granted: false, reason: 'unknown_code' as const };
    },

    async listEntries(actor: Actor, hubId: string, q: { from?: string; to?: string; limit: number; after?: { at: Date; id: string } }) {
      const hub = await venues.getHub(hubId);
      if (!hub) throw notFound('Hub');
      if (!isStaffOf(actor, hub.id)) throw forbidden('Only staff of this hub may do this');
      const from = q.from ? parseHubTime(q.from, hub.timezone, 'from') : undefined;
      const to = q.to ? parseHubTime(q.to, hub.timezone, 'to') : undefined;
      if (from && to && to <= from) throw invalid('to must be after from', [{ path: 'querystring.to', message: 'not after from' }]);
      const rows = await access.listEntries({ hubId: hub.id, from, to, after: q.after, limit: q.limit + 1 });
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
