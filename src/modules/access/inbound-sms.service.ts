import type { Clock } from '../../lib/clock';
import { MINUTE } from '../../lib/time';
import type { OutboxService } from '../notifications/outbox.service';
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
            if (message) await outbox.enqueue({ kind: 'access_code_resend', to: from, body: message.body, hubId: c.hubId, bookingId: c.bookingId, accessCodeId: c.id, dedupeKey: `sms-code:${c.id}:${minute}` });
          }
          return 'code';
        }
      }
      await outbox.enqueue({
        kind: 'reply',
        to: from,
        body: 'Hubkey: text CODE during your booking (from shortly before it starts) to get your door code again. For anything else, call your hub.',
        dedupeKey: `sms-help:${from}:${minute}`,
      });
      return 'help';
    },
  };
}
export type InboundSmsService = ReturnType<typeof createInboundSmsService>;
