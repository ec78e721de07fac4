import type { Clock } from '../../lib/clock';
import { MINUTE } from '../../lib/time';
import { TextLimitError, type OutboxService } from '../notifications/outbox.service';
import { HELP_TEXT } from '../notifications/texts';
import type { CodeMessages } from './access.messages';
import type { AccessRepository } from './access.repository';

/** Inbound texts (Twilio's webhook): "CODE" from the phone a live code was sent to gets it again; anything else a short help reply. */
export function createInboundSmsService(deps: {
  access: Pick<AccessRepository, 'liveCodesForPhone'>;
  outbox: Pick<OutboxService, 'enqueue'>;
  messages: CodeMessages;
  clock: Clock;
}) {
  const { access, outbox, messages, clock } = deps;
  return {
    /** Returns what was queued (through the outbox). */
    async handleInboundSms(from: string, text: string): Promise<'code' | 'help' | 'ignored'> {
      if (!/^\+[1-9]\d{6,14}$/.test(from)) return 'ignored';
      const now = clock.now();
      const minute = Math.floor(now.getTime() / MINUTE);
      if (text.trim().toUpperCase() === 'CODE') {
        const live = await access.liveCodesForPhone(from, now);
        if (live.length) {
          for (const c of live) {
            const message = await messages.compose(c);
            if (!message) continue;
            // Past the texting limits the code is not sent again (and no reply says so: that would be a text too).
            await outbox
              .enqueue({ kind: 'access_code_resend', to: from, body: message.body, hubId: c.hubId, bookingId: c.bookingId, accessCodeId: c.id, dedupeKey: `sms-code:${c.id}:${minute}` }, undefined, { overLimit: 'refuse' })
              .catch((err: unknown) => {
                if (!(err instanceof TextLimitError)) throw err;
              });
          }
          return 'code';
        }
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
