import type { Clock } from '../../lib/clock';
import { MINUTE } from '../../lib/time';
import { TextLimitError, type OutboxService } from '../notifications/outbox.service';
import { HELP_TEXT, openText } from '../notifications/texts';
import type { CodeMessages } from './access.messages';
import type { AccessRepository } from './access.repository';
import type { KeypadService } from './keypad.service';

/**
 * Inbound texts (Twilio's webhook): "CODE" from the phone a live code was sent to gets it again;
 * "OPEN" from that phone lifts the wrong-code wait of the code's doors (keypad.liftFor) and says
 * which; anything else, or either with nothing to do, the same short help reply.
 */
export function createInboundSmsService(deps: {
  access: Pick<AccessRepository, 'liveCodesForPhone'>;
  outbox: Pick<OutboxService, 'enqueue'>;
  messages: CodeMessages;
  keypad: Pick<KeypadService, 'liftableDoors' | 'liftFor' | 'liftGraceSeconds'>;
  clock: Clock;
}) {
  const { access, outbox, messages, keypad, clock } = deps;

  /** Queues a limited text; false when the texting limits refuse it (nothing queued, no reply saying so: that would be a text too). */
  const enqueueLimited = (msg: Parameters<OutboxService['enqueue']>[0]) =>
    outbox.enqueue(msg, undefined, { overLimit: 'refuse' }).then(
      (row) => Boolean(row),
      (err: unknown) => {
        if (err instanceof TextLimitError) return false;
        throw err;
      },
    );

  return {
    /** Returns what was queued (through the outbox). */
    async handleInboundSms(from: string, text: string): Promise<'code' | 'open' | 'help' | 'ignored'> {
      if (!/^\+[1-9]\d{6,14}$/.test(from)) return 'ignored';
      const now = clock.now();
      const minute = Math.floor(now.getTime() / MINUTE);
      const word = text.trim().toUpperCase();
      if (word === 'CODE') {
        const live = await access.liveCodesForPhone(from, now);
        if (live.length) {
          for (const c of live) {
            const message = await messages.compose(c);
            if (!message) continue;
            // Past the texting limits the code is not sent again.
            await enqueueLimited({ kind: 'access_code_resend', to: from, body: message.body, hubId: c.hubId, bookingId: c.bookingId, accessCodeId: c.id, dedupeKey: `sms-code:${c.id}:${minute}` });
          }
          return 'code';
        }
      }
      if (word === 'OPEN') {
        let lifted = false;
        for (const c of await access.liveCodesForPhone(from, now)) {
          const doors = await keypad.liftableDoors(c);
          if (!doors.length) continue;
          // The reply is a limited text and carries the lift: past the limits (or a second OPEN in the same
          // minute, which the dedupe key drops) nothing is lifted, so a booking cannot lift a door without bound.
          const queued = await enqueueLimited({
            kind: 'door_open',
            to: from,
            body: openText({ doorNames: doors.map((d) => d.name), minutes: Math.round(keypad.liftGraceSeconds / 60) }),
            hubId: c.hubId,
            bookingId: c.bookingId,
            dedupeKey: `sms-open:${c.id}:${minute}`,
          });
          if (!queued) continue;
          await keypad.liftFor(c, doors);
          lifted = true;
        }
        if (lifted) return 'open';
      }
      await outbox.enqueue({
        kind: 'reply',
        to: from,
        body: HELP_TEXT,
        dedupeKey: `sms-help:${from}:${minute}`,
      });
      return 'help';
    },
  };
}
export type InboundSmsService = ReturnType<typeof createInboundSmsService>;
