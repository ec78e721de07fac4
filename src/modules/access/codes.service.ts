import { DateTime } from 'luxon';
import type { Db, DbOrTx } from '../../db/client';
import type { Clock } from '../../lib/clock';
import type { CodeCipher } from '../../lib/crypto';
import { forbidden, notFound, unprocessable } from '../../lib/errors';
import { type Actor, isMemberOfOrg, isStaffOf } from '../auth/actor';
import type { BookingRow, BookingsRepository } from '../bookings/bookings.repository';
import type { DeliveryReport, OutboxService } from '../notifications/outbox.service';
import { movedText } from '../notifications/texts';
import { insideReminderLead } from './reminders.fns';
import type { VenuesRepository } from '../venues/venues.repository';
import { codeWindow, isCodeValidAt } from './access.fns';
import { windowText, type CodeMessages } from './access.messages';
import type { AccessCodeRow, AccessRepository } from './access.repository';
import type { CodePicker } from './code-picker';
import type { LockSyncService } from './lock-sync.service';

/** What the rota module passes to give a volunteer a code for a shift. */
export interface ShiftCodeInput {
  hubId: string;
  userId: string;
  /** The rota's shift id, kept with the code so the rota can revoke it. */
  shiftRef: string;
  startsAt: Date;
  endsAt: Date;
  /** Where to text the code; no text is queued without one. */
  phone: string | null;
}

export type IssueOutcome = 'issued' | 'not_due' | 'too_late' | 'no_doors' | 'not_confirmed' | 'has_code';

const moved = (b: BookingRow, c: AccessCodeRow) =>
  c.roomId !== b.roomId || c.bookingStartsAt?.getTime() !== b.startsAt.getTime() || c.bookingEndsAt?.getTime() !== b.endsAt.getTime();

/**
 * Door codes over their life: issued when due (bookings) or at once (shifts), texted once,
 * re-issued when a booking moves, revoked when it ends. Works from the database's state, so the
 * job (issueDue) finishes whatever a crash interrupted.
 */
export function createCodesService(deps: {
  db: Pick<Db, 'transaction'>;
  access: Pick<
    AccessRepository,
    | 'codesForBooking'
    | 'doorsForRoom'
    | 'lockDoors'
    | 'insertCode'
    | 'getCode'
    | 'getCodeForUpdate'
    | 'updateCode'
    | 'deactivateDoors'
    | 'markFirstSent'
    | 'lockedDoorsOfHub'
    | 'staleBookingCodes'
    | 'dueBookings'
    | 'unsentCodes'
    | 'markReminded'
  >;
  bookings: Pick<BookingsRepository, 'get' | 'getForUpdate'>;
  venues: Pick<VenuesRepository, 'getHub' | 'getRoomWithHub'>;
  outbox: Pick<OutboxService, 'enqueue'>;
  cipher: Pick<CodeCipher, 'encrypt' | 'decrypt' | 'lookupHash'>;
  picker: CodePicker;
  messages: CodeMessages;
  lockSync: Pick<LockSyncService, 'pushToLocks' | 'removeFromLocks'>;
  clock: Clock;
  /** Told about failures that a later job run retries; never about codes. */
  onError?: (err: unknown, context: string) => void;
}) {
  const { db, access, bookings, venues, outbox, cipher, clock, picker, messages, lockSync } = deps;
  const report = deps.onError ?? (() => undefined);

  /**
   * Issues the booking's code when it is due and it has none. Idempotent and safe to run from two
   * places at once: the booking row is locked, and the doors while the clash check runs.
   */
  async function issueForBooking(bookingId: string): Promise<{ outcome: IssueOutcome; codeId?: string }> {
    const now = clock.now();
    const result = await db.transaction(async (tx) => {
      const b = await bookings.getForUpdate(bookingId, tx);
      if (!b || b.status !== 'confirmed') return { outcome: 'not_confirmed' as const };
      const existing = await access.codesForBooking(b.id, tx);
      if (existing.some((c) => c.status === 'active' || c.status === 'revoked')) return { outcome: 'has_code' as const };
      const hub = await venues.getHub(b.hubId, tx);
      if (!hub) return { outcome: 'not_confirmed' as const };
      const w = codeWindow({ startsAt: b.startsAt, endsAt: b.endsAt, ...hub.settings });
      if (now < w.issueAt) return { outcome: 'not_due' as const };
      if (now >= w.validUntil) return { outcome: 'too_late' as const };
      const doorList = await access.doorsForRoom(b.roomId, tx);
      if (doorList.length === 0) return { outcome: 'no_doors' as const };
      await access.lockDoors(
        doorList.map((d) => d.id),
        tx,
      );
      const { code, length } = await picker.pick(doorList, w.validFrom, w.validUntil, tx);
      const row = await access.insertCode(
        {
          hubId: b.hubId,
          kind: 'booking',
          bookingId: b.id,
          roomId: b.roomId,
          bookingStartsAt: b.startsAt,
          bookingEndsAt: b.endsAt,
          codeCipher: cipher.encrypt(code),
          codeLength: length,
          validFrom: w.validFrom,
          validUntil: w.validUntil,
          phone: b.contactPhone,
          createdAt: now,
        },
        doorList.map((d) => ({
          doorId: d.id,
          codeHash: cipher.lookupHash(d.id, code),
          validFrom: w.validFrom,
          validUntil: w.validUntil,
          lockState: d.provider === 'seam' ? ('pending' as const) : ('none' as const),
        })),
        tx,
      );
      return { outcome: 'issued' as const, codeId: row.id };
    });
    if (result.codeId) await deliver(result.codeId);
    return result;
  }

  /**
   * Gets an issued code onto its smart locks, then queues its text (once). Called right after
   * issuing, and by the job for codes a stopped worker left unsent.
   */
  async function deliver(codeId: string) {
    await lockSync.pushToLocks(codeId);
    const c = await access.getCode(codeId);
    if (!c || c.status !== 'active' || !c.phone) return;
    const message = await messages.compose(c);
    if (!message) return;
    await db.transaction(async (tx) => {
      if (!(await access.markFirstSent(c.id, clock.now(), tx))) return;
      await outbox.enqueue({ kind: message.moved ? 'access_code_moved' : 'access_code', to: c.phone!, body: message.body, hubId: c.hubId, bookingId: c.bookingId, accessCodeId: c.id, dedupeKey: `code:${c.id}` }, tx);
    });
  }

  /** Stops a code working everywhere. Returns false when it was not active. */
  async function endCode(codeId: string, status: 'revoked' | 'replaced', fields: { revokedBy?: string; revokeReason?: string }, tx?: DbOrTx): Promise<boolean> {
    const run = async (t: DbOrTx) => {
      const c = await access.getCodeForUpdate(codeId, t);
      if (!c || c.status !== 'active') return false;
      await access.updateCode(codeId, { status, revokedAt: clock.now(), revokedBy: fields.revokedBy ?? null, revokeReason: fields.revokeReason ?? null }, t);
      await access.deactivateDoors(codeId, t);
      return true;
    };
    const done = tx ? await run(tx) : await db.transaction(run);
    if (done && !tx) await lockSync.removeFromLocks(codeId);
    return done;
  }

  /**
   * Brings a booking's codes in line with the booking: revoked when it is no longer confirmed,
   * replaced (and the hirer told) when it moved, issued when due. Idempotent.
   */
  async function reconcileBooking(bookingId: string): Promise<void> {
    const b = await bookings.get(bookingId);
    if (!b) return;
    const active = (await access.codesForBooking(b.id)).filter((c) => c.status === 'active');
    for (const c of active) {
      if (b.status !== 'confirmed' && b.status !== 'completed') {
        await endCode(c.id, 'revoked', { revokeReason: `booking_${b.status}` });
      } else if (moved(b, c)) {
        await endCode(c.id, 'replaced', { revokeReason: 'booking_moved' });
        await tellMoved(b);
      }
    }
    if (b.status !== 'confirmed') return;
    const hub = await venues.getHub(b.hubId);
    // Confirmed, moved or approved inside the reminder lead: the hirer has just been told (or booked it), so no reminder follows.
    if (hub && !b.remindedAt && insideReminderLead(b.startsAt, hub.settings.reminderLeadMinutes, clock.now())) await access.markReminded(b.id, b.startsAt, clock.now());
    // Most bookings are made days ahead: their code is not due yet, and the job issues it then.
    // Checking first spares a locking transaction on every booking change.
    if (hub && clock.now() < codeWindow({ startsAt: b.startsAt, endsAt: b.endsAt, ...hub.settings }).issueAt) return;
    await issueForBooking(b.id);
  }

  /** After a move whose new code is not due yet: says so, and when it will come. */
  async function tellMoved(b: BookingRow) {
    if (!b.contactPhone) return;
    const row = await venues.getRoomWithHub(b.roomId);
    if (!row) return;
    const w = codeWindow({ startsAt: b.startsAt, endsAt: b.endsAt, ...row.hub.settings });
    if (clock.now() >= w.issueAt) return; // the new code's own text says it moved
    await outbox.enqueue({
      kind: 'booking_moved',
      to: b.contactPhone,
      body: movedText({ hubName: row.hub.name, roomName: row.room.name, when: windowText(b.startsAt, b.endsAt, row.hub.timezone), codeAt: DateTime.fromJSDate(w.issueAt, { zone: row.hub.timezone }).toFormat('ccc d LLL HH:mm') }),
      hubId: b.hubId,
      bookingId: b.id,
      dedupeKey: `moved:${b.id}:${b.startsAt.toISOString()}:${b.roomId}`,
    });
  }

  return {
    issueForBooking,
    reconcileBooking,
    deliver,

    /** The bookings service's hook: brings codes in line after a confirm, move or cancel. Never throws; the jobs catch up. */
    async bookingChanged(bookingId: string): Promise<void> {
      try {
        await reconcileBooking(bookingId);
      } catch (err) {
        report(err, `booking ${bookingId} changed`);
      }
    },

    /** Staff revoke a code; the hirer learns nothing they may not see (404 for what is not theirs). */
    async revoke(actor: Actor, codeId: string, reason: string | undefined) {
      const c = await access.getCode(codeId);
      if (!c) throw notFound('Access code');
      if (!isStaffOf(actor, c.hubId)) {
        const b = c.bookingId ? await bookings.get(c.bookingId) : undefined;
        if ((b && isMemberOfOrg(actor, b.organisationId)) || c.userId === actor.userId) throw forbidden('Only staff of the hub may revoke codes');
        throw notFound('Access code');
      }
      if (!(await endCode(c.id, 'revoked', { revokedBy: actor.userId, revokeReason: reason ?? 'revoked_by_staff' }))) {
        throw unprocessable('code_not_active', `This code is ${c.status} already`);
      }
      const after = (await access.getCode(c.id))!;
      return { id: after.id, status: after.status, revokedAt: after.revokedAt!.toISOString(), bookingId: after.bookingId };
    },

    /**
     * The rota's entry point: a volunteer's code for a shift, on every locked door of the hub,
     * valid from the hub's earlyEntryMinutes before to lateExitMinutes after. Texted at once.
     */
    async issueShiftCode(input: ShiftCodeInput) {
      const hub = await venues.getHub(input.hubId);
      if (!hub) throw notFound('Hub');
      const w = codeWindow({ startsAt: input.startsAt, endsAt: input.endsAt, ...hub.settings });
      const row = await db.transaction(async (tx) => {
        const doorList = await access.lockedDoorsOfHub(hub.id, tx);
        if (!doorList.length) throw unprocessable('no_doors', 'This hub has no doors with a lock');
        await access.lockDoors(
          doorList.map((d) => d.id),
          tx,
        );
        const { code, length } = await picker.pick(doorList, w.validFrom, w.validUntil, tx);
        return access.insertCode(
          { hubId: hub.id, kind: 'shift', userId: input.userId, shiftRef: input.shiftRef, codeCipher: cipher.encrypt(code), codeLength: length, validFrom: w.validFrom, validUntil: w.validUntil, phone: input.phone, createdAt: clock.now() },
          doorList.map((d) => ({ doorId: d.id, codeHash: cipher.lookupHash(d.id, code), validFrom: w.validFrom, validUntil: w.validUntil, lockState: d.provider === 'seam' ? ('pending' as const) : ('none' as const) })),
          tx,
        );
      });
      await deliver(row.id);
      return { id: row.id, validFrom: row.validFrom, validUntil: row.validUntil };
    },

    /**
     * What became of the code's text (the outbox tells): `sentAt` is when the provider accepted it;
     * delivered, undelivered or failed follow from the provider's reports.
     */
    async recordDelivery(codeId: string, report: DeliveryReport): Promise<void> {
      if (report.status === 'accepted') await access.updateCode(codeId, { sentAt: report.at, deliveryStatus: 'accepted', deliveryError: null });
      else await access.updateCode(codeId, { deliveryStatus: report.status, deliveryError: report.error ?? null });
    },

    /** The rota's other half: a dropped shift's code stops working. */
    revokeCodeById: (codeId: string, reason: string) => endCode(codeId, 'revoked', { revokeReason: reason }),

    /** The rota's read of a shift code it issued: its window and state, and the code itself inside the window while active. */
    async shiftCode(codeId: string) {
      const c = await access.getCode(codeId);
      if (!c || c.kind !== 'shift') return undefined;
      const live = c.status === 'active' && isCodeValidAt(c, clock.now());
      return { id: c.id, status: c.status, validFrom: c.validFrom, validUntil: c.validUntil, sentAt: c.sentAt, code: live ? cipher.decrypt(c.codeCipher) : undefined };
    },

    /** Job: issues codes that are due, re-issues moved bookings' codes, revokes cancelled ones' and sends what a stopped worker left unsent. */
    async issueDue(): Promise<number> {
      let n = 0;
      for (const s of await access.staleBookingCodes(200)) {
        if (s.bookingId) await reconcileBooking(s.bookingId);
        n++;
      }
      for (const b of await access.dueBookings(clock.now(), 200)) {
        try {
          if ((await issueForBooking(b.id)).outcome === 'issued') n++;
        } catch (err) {
          // One booking's trouble (say, no free code) must not hold up the others.
          report(err, `issue code for booking ${b.id}`);
        }
      }
      for (const c of await access.unsentCodes(clock.now(), 200)) {
        await deliver(c.id);
        n++;
      }
      return n;
    },
  };
}
export type CodesService = ReturnType<typeof createCodesService>;
