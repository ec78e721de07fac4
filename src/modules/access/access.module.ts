import type { Logger } from '../../lib/logger';
import type { LockProvider } from '../../adapters/locks/locks';
import { createSeamLocks } from '../../adapters/locks/seam';
import { createLogSms, createTwilioSms, type SmsSender } from '../../adapters/sms/sms';
import type { Config } from '../../config/env';
import type { Db } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { createCodeCipher } from '../../lib/crypto';
import type { BookingsRepository } from '../bookings/bookings.repository';
import { createOutboxRepository } from '../notifications/outbox.repository';
import { createOutboxService } from '../notifications/outbox.service';
import { createMessagesService } from '../notifications/messages.service';
import type { VenuesRepository } from '../venues/venues.repository';
import { createAccessRepository } from './access.repository';
import { createCodeMessages, renderCodeText } from './access.messages';
import { createBookingAccessService } from './booking-access.service';
import { createCodePicker } from './code-picker';
import { createCodesService } from './codes.service';
import { createDoorsService } from './doors.service';
import { createInboundSmsService } from './inbound-sms.service';
import { createKeypadService } from './keypad.service';
import { createLockSyncService } from './lock-sync.service';
import { createRemindersService } from './reminders.service';

export interface SelfEntryOverrides {
  /** Replaces the SMS sender SMS_PROVIDER picks. */
  sms?: SmsSender;
  /** Replaces the lock provider SEAM_API_KEY picks; null for none. */
  locks?: LockProvider | null;
  /** The code generator's randomness (tests pass a seeded one). */
  random?: (n: number) => number;
  /** Where failures that a later job run retries are reported. */
  onError?: (err: unknown, context: string) => void;
}

/**
 * Wires self-entry: one service per job (door admin, codes, lock sync, keypad, a booking's access,
 * inbound texts, reminders), the outbox, and the SMS and lock adapters the config selects.
 */
export function createSelfEntry(
  config: Config,
  deps: { db: Db; clock: Clock; logger: Pick<Logger, 'warn' | 'info'>; bookings: BookingsRepository; venues: VenuesRepository },
  overrides: SelfEntryOverrides = {},
) {
  const { db, clock } = deps;
  const sms =
    overrides.sms ??
    (config.sms.provider === 'twilio' && config.sms.twilio
      ? createTwilioSms({
          accountSid: config.sms.twilio.accountSid,
          authToken: config.sms.twilio.authToken,
          from: config.sms.twilio.from,
          apiBase: config.sms.twilio.apiBase,
          // Twilio reports delivered/undelivered here (signed, like the inbound webhook).
          statusCallback: `${config.publicUrl}/webhooks/sms/status`,
        })
      : createLogSms(deps.logger));
  const locks =
    overrides.locks !== undefined
      ? (overrides.locks ?? undefined)
      : config.seam.enabled && config.seam.apiKey
        ? createSeamLocks({ apiKey: config.seam.apiKey, endpoint: config.seam.endpoint })
        : undefined;
  const onError =
    overrides.onError ??
    ((err: unknown, context: string) => deps.logger.warn({ err, context }, 'self-entry: will retry'));

  const repos = { access: createAccessRepository(db), outbox: createOutboxRepository(db) };
  const cipher = createCodeCipher(config.accessCodeKey);
  // The outbox renders a door code into its text only when sending, and reports back what became of it.
  const outbox = createOutboxService({
    outbox: repos.outbox,
    sms,
    clock,
    // A code that was replaced or revoked before its text went is not sent (the text fails, naming why).
    renderBody: async (row) => {
      const c = row.accessCodeId ? await repos.access.getCode(row.accessCodeId) : undefined;
      return c && c.status === 'active' ? renderCodeText(row.body, c.codeCipher, cipher) : undefined;
    },
    // A sent batch's codes in one read; a code that cannot be decrypted fails its own text only.
    renderBodies: async (rows) => {
      const codes = await repos.access.codeCiphers(rows.map((r) => r.accessCodeId!));
      const one = (row: (typeof rows)[number]) => {
        const c = codes.get(row.accessCodeId!);
        if (!c || c.status !== 'active') return undefined;
        try {
          return renderCodeText(row.body, c.codeCipher, cipher);
        } catch {
          return undefined;
        }
      };
      return new Map(rows.map((row) => [row.id, one(row)]));
    },
    secrets: cipher,
    onDelivery: (row, report) => accessCodes.recordDelivery(row.accessCodeId!, report),
    onAccepted: (rows, at) => repos.access.markAccepted(rows.map((r) => r.accessCodeId!), at),
  });
  const access = repos.access;
  const picker = createCodePicker({ access, cipher, random: overrides.random });
  const messages = createCodeMessages({ venues: deps.venues, access });
  const lockSync = createLockSyncService({ db, access, venues: deps.venues, outbox, cipher, picker, clock, locks, onError });
  const accessCodes = createCodesService({ db, access, bookings: deps.bookings, venues: deps.venues, outbox, cipher, picker, messages, lockSync, clock, onError });
  const keypad = createKeypadService({ access, venues: deps.venues, outbox, cipher, clock });
  const services = {
    outbox,
    /** Codes over their life; also the bookings module's `bookingChanged` hook and the rota's shift codes. */
    accessCodes,
    lockSync,
    doors: createDoorsService({ db, access, venues: deps.venues, clock, locks, onDoorChanged: (id) => accessCodes.doorRoomsChanged(id) }),
    keypad,
    bookingAccess: createBookingAccessService({ db, access, bookings: deps.bookings, venues: deps.venues, outbox, codes: accessCodes, messages, cipher, clock }),
    inboundSms: createInboundSmsService({ access, outbox, messages, keypad, clock }),
    reminders: createRemindersService({ db, access, outbox, clock }),
    /** What staff see of a hub's texts. */
    messages: createMessagesService({ outbox: repos.outbox, venues: deps.venues }),
  };
  return { repos, services, adapters: { sms, locks } };
}
