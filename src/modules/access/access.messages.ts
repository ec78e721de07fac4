import { DateTime } from 'luxon';
import type { CodeCipher } from '../../lib/crypto';
import { CODE_PLACEHOLDER, codeText } from '../notifications/texts';
import type { VenuesRepository } from '../venues/venues.repository';
import type { AccessCodeRow, AccessRepository, LockState } from './access.repository';

/** Lock states in which a smart lock may (soon) open to the code. */
export const LIVE_LOCK_STATES: LockState[] = ['none', 'pending', 'unset', 'setting', 'set'];

/** "Tue 3 Mar 09:45 to 12:15" in the hub's zone; the second day only when it differs. */
export const windowText = (from: Date, until: Date, zone: string) => {
  const a = DateTime.fromJSDate(from, { zone });
  const b = DateTime.fromJSDate(until, { zone });
  const day = (d: DateTime) => d.toFormat('ccc d LLL');
  return `${day(a)} ${a.toFormat('HH:mm')} to ${a.hasSame(b, 'day') ? '' : day(b) + ' '}${b.toFormat('HH:mm')}`;
};

/**
 * Stands for the digits in a queued text: the outbox never holds a code in clear. The sender
 * renders it from the encrypted code at send time (renderCodeText), and the stored body stays masked.
 */
export { CODE_PLACEHOLDER };

/** The text as it goes to the phone: the placeholder replaced by the code's digits. */
export function renderCodeText(body: string, codeCipher: string, cipher: Pick<CodeCipher, 'decrypt'>): string {
  return body.split(CODE_PLACEHOLDER).join(cipher.decrypt(codeCipher));
}

/** Writes the texts that carry a door code (first send, resend, inbound "CODE"), with the placeholder for the digits. */
export function createCodeMessages(deps: { venues: Pick<VenuesRepository, 'getHub' | 'getRoomWithHub'>; access: Pick<AccessRepository, 'codeDoors' | 'codesForBooking'> }) {
  const { venues, access } = deps;
  return {
    /** The text for a code, naming the doors it works on; undefined when its hub is gone. */
    async compose(c: AccessCodeRow): Promise<{ body: string; moved: boolean } | undefined> {
      const hub = await venues.getHub(c.hubId);
      if (!hub) return undefined;
      const doorNames = (await access.codeDoors(c.id)).filter((d) => d.link.active && LIVE_LOCK_STATES.includes(d.link.lockState)).map((d) => d.door.name);
      const when = windowText(c.validFrom, c.validUntil, hub.timezone);
      if (c.kind === 'shift') return { body: codeText({ kind: 'shift', moved: false, hubName: hub.name, when, doorNames }), moved: false };
      const room = c.roomId ? await venues.getRoomWithHub(c.roomId) : undefined;
      // Moved: the code this one follows was replaced because the booking moved (not one staff revoked and re-issued).
      const rows = c.bookingId ? await access.codesForBooking(c.bookingId) : [];
      const previous = rows[rows.findIndex((x) => x.id === c.id) + 1];
      const moved = Boolean(previous && rows.some((x) => x.id === c.id) && previous.status === 'replaced' && previous.revokeReason === 'booking_moved');
      return { body: codeText({ kind: 'booking', moved, hubName: hub.name, roomName: room?.room.name, when, doorNames }), moved };
    },
  };
}
export type CodeMessages = ReturnType<typeof createCodeMessages>;
