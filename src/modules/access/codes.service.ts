import { DateTime } from 'luxon';
import type { Db, DbOrTx } from '../../db/client';
import type { Clock } from '../../lib/clock';
import type { CodeCipher } from '../../lib/crypto';
import { conflict, DomainError, forbidden, notFound, unprocessable } from '../../lib/errors';
import { type Actor, isMemberOfOrg, isStaffOf } from '../auth/actor';
import type { BookingRow, BookingsRepository } from '../bookings/bookings.repository';
import type { DeliveryReport, OutboxService } from '../notifications/outbox.service';
import { insideReminderLead } from './reminders.fns';
import type { HubRow, VenuesRepository } from '../venues/venues.repository';
import { codeWindow, isCodeValidAt } from './access.fns';
import { windowText, type CodeMessages } from './access.messages';
import { codeText, movedText } from '../notifications/texts';
import { DOOR_CODE_CLASH, type AccessCodeRow, type AccessRepository } from './access.repository';
import { TakenCodes, type CodePicker } from './code-picker';
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

/** Due bookings issued per transaction, and at most so many transactions a tick (10,000 codes). */
const DUE_BATCH = 200;
const DUE_BATCHES = 50;

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
    | 'getDoor'
    | 'roomIdsByDoor'
    | 'bookingCodesForDoorOrRooms'
    | 'codeDoors'
    | 'addCodeDoor'
    | 'updateCodeDoor'
    | 'markReminded'
    | 'dueBookingIds'
    | 'lockBookingsForIssue'
    | 'issueContexts'
    | 'liveHashesOnDoors'
    | 'insertBookingCodes'
  >;
  bookings: Pick<BookingsRepository, 'get' | 'getForUpdate'>;
  venues: Pick<VenuesRepository, 'getHub' | 'getRoomWithHub'>;
  outbox: Pick<OutboxService, 'enqueue' | 'enqueueMany'>;
  cipher: Pick<CodeCipher, 'encrypt' | 'decrypt' | 'lookupHash'>;
  picker: CodePicker;
  messages: CodeMessages;
  lockSync: Pick<LockSyncService, 'pushToLocks' | 'removeFromLocks' | 'removeFromDoor'>;
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
   * Issues the codes of many due bookings (the job reads their ids first) in one transaction, a
   * handful of statements whatever their number: the bookings are locked (SKIP LOCKED: one a
   * request is issuing for right now is left to the next tick), what their codes need is read in
   * one statement (after the lock, so a code another transaction has just issued is seen), the
   * doors are locked as issueForBooking locks them, every code is picked against the doors' live
   * codes and the batch's own picks, codes and door links are inserted in two statements, and the
   * texts of codes on keypads only are queued in the same transaction (the digits are rendered
   * only at send). A code on a smart lock is pushed, then texted, after the commit, as deliver does.
   *
   * A booking whose code cannot be picked (no free digits, doors with no common length) is
   * reported and left for the next tick; the others are issued. If a statement of the batch
   * fails, the batch is undone and its bookings are issued one by one (issueForBooking).
   */
  async function issueDueBatch(ids: string[]): Promise<number> {
    const now = clock.now();
    let claimed: string[] = [];
    let done: { issued: number; deliverAfter: string[] };
    try {
      done = await db.transaction(async (tx) => {
        claimed = await access.lockBookingsForIssue(ids, tx);
        if (!claimed.length) return { issued: 0, deliverAfter: [] };
        const plans = [];
        for (const r of await access.issueContexts(claimed, tx)) {
          const b = r.booking;
          if (b.status !== 'confirmed' || r.live || r.doors.length === 0) continue;
          try {
            const w = codeWindow({ startsAt: b.startsAt, endsAt: b.endsAt, ...r.hub.settings });
            if (now >= w.issueAt && now < w.validUntil) plans.push({ r, w });
          } catch (err) {
            report(err, `issue code for booking ${b.id}`);
          }
        }
        if (!plans.length) return { issued: 0, deliverAfter: [] };
        const doorIds = [...new Set(plans.flatMap((p) => p.r.doors.map((d) => d.id)))].sort();
        await access.lockDoors(doorIds, tx);
        const from = new Date(Math.min(...plans.map((p) => p.w.validFrom.getTime())));
        const until = new Date(Math.max(...plans.map((p) => p.w.validUntil.getTime())));
        const taken = new TakenCodes();
        for (const h of await access.liveHashesOnDoors(doorIds, from, until, tx)) taken.add(h.doorId, h.codeHash, h.validFrom, h.validUntil);
        const items = [];
        for (const { r, w } of plans) {
          const b = r.booking;
          let pick;
          try {
            pick = picker.pickAgainst(r.doors, w.validFrom, w.validUntil, taken);
          } catch (err) {
            // One booking's trouble (say, no free code) must not hold up the others.
            report(err, `issue code for booking ${b.id}`);
            continue;
          }
          // A smart lock may refuse the code or fail: its text names the doors that work once it is pushed (deliver).
          const onLocks = r.doors.some((d) => d.provider === 'seam');
          const moved = r.newest?.status === 'replaced' && r.newest.revokeReason === 'booking_moved';
          const text =
            !onLocks && b.contactPhone
              ? {
                  kind: moved ? 'access_code_moved' : 'access_code',
                  to: b.contactPhone,
                  body: codeText({ kind: 'booking', moved, hubName: r.hub.name, roomName: r.roomName, when: windowText(w.validFrom, w.validUntil, r.hub.timezone), doorNames: r.doors.map((d) => d.name) }),
                  hubId: b.hubId,
                  bookingId: b.id,
                }
              : undefined;
          items.push({
            values: {
              hubId: b.hubId,
              kind: 'booking' as const,
              bookingId: b.id,
              roomId: b.roomId,
              bookingStartsAt: b.startsAt,
              bookingEndsAt: b.endsAt,
              codeCipher: cipher.encrypt(pick.code),
              codeLength: pick.length,
              validFrom: w.validFrom,
              validUntil: w.validUntil,
              phone: b.contactPhone,
              createdAt: now,
              // Queued in this transaction (markFirstSent's mark, set at once).
              ...(text ? { queuedAt: now, deliveryStatus: 'queued' as const } : {}),
            },
            doors: r.doors.map((d) => {
              const h = pick.hashes.find((x) => x.doorId === d.id)!;
              return { doorId: d.id, codeHash: h.codeHash, validFrom: w.validFrom, validUntil: w.validUntil, lockState: d.provider === 'seam' ? ('pending' as const) : ('none' as const) };
            }),
            text,
            onLocks,
          });
        }
        const rows = await access.insertBookingCodes(
          items.map((i) => ({ values: i.values, doors: i.doors })),
          tx,
        );
        await outbox.enqueueMany(
          items.flatMap((i, k) => (i.text ? [{ ...i.text, accessCodeId: rows[k].id, dedupeKey: `code:${rows[k].id}` }] : [])),
          tx,
        );
        return { issued: rows.length, deliverAfter: items.flatMap((i, k) => (i.onLocks ? [rows[k].id] : [])) };
      });
    } catch (err) {
      report(err, `issue a batch of ${claimed.length} codes; issuing them one by one`);
      let issued = 0;
      for (const id of claimed) {
        try {
          if ((await issueForBooking(id)).outcome === 'issued') issued++;
        } catch (e) {
          report(e, `issue code for booking ${id}`);
        }
      }
      return issued;
    }
    for (const id of done.deliverAfter) await deliver(id);
    return done.issued;
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
    await confirmedNow(b, await venues.getHub(b.hubId));
  }

  /** A booking that is confirmed now, with its hub: its reminder and its code, as far as they are due. */
  async function confirmedNow(b: BookingRow, hub: HubRow | undefined): Promise<void> {
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

  /**
   * After a door's rooms (or its being in service) changed: codes of bookings in rooms it now leads
   * to open it too (the same digits; pushed to a smart lock), codes only for rooms it no longer leads
   * to stop opening it (taken off a smart lock). A code whose digits are taken on the door by
   * someone else's is replaced by a new one, texted. Bookings that had no door and are due get their code.
   */
  async function doorRoomsChanged(doorId: string): Promise<void> {
    const door = await access.getDoor(doorId);
    if (!door) return;
    const rooms = (await access.roomIdsByDoor([door.id])).get(door.id) ?? [];
    const now = clock.now();
    const serves = door.active && door.provider !== 'none';
    for (const c of await access.bookingCodesForDoorOrRooms(door.id, rooms, now)) {
      const link = (await access.codeDoors(c.id)).find((l) => l.door.id === door.id)?.link;
      const shouldOpen = serves && c.roomId !== null && rooms.includes(c.roomId);
      if (shouldOpen && !link?.active) {
        const code = cipher.decrypt(c.codeCipher);
        const lockState = door.provider === 'seam' ? ('pending' as const) : ('none' as const);
        try {
          await db.transaction(async (tx) => {
            await access.lockDoors([door.id], tx);
            const values = { codeHash: cipher.lookupHash(door.id, code), validFrom: c.validFrom, validUntil: c.validUntil, active: true, lockState, providerCodeId: null, lockError: null };
            if (link) await access.updateCodeDoor(c.id, door.id, values, tx);
            else await access.addCodeDoor({ accessCodeId: c.id, doorId: door.id, ...values }, tx);
          });
        } catch (err) {
          if (!(err instanceof DomainError && err.code === DOOR_CODE_CLASH)) throw err;
          // Someone else's code has these digits on this door: the booking gets new digits for all its doors.
          await endCode(c.id, 'replaced', { revokeReason: 'door_changed' });
          if (c.bookingId) await issueForBooking(c.bookingId);
          continue;
        }
        if (door.provider === 'seam') await lockSync.pushToLocks(c.id);
      } else if (!shouldOpen && link?.active) {
        await access.updateCodeDoor(c.id, door.id, { active: false });
        if (door.provider === 'seam') await lockSync.removeFromDoor(c.id, door.id);
      }
    }
    if (!serves) return;
    for (const b of await access.dueBookings(now, 1000, undefined, rooms)) {
      try {
        await issueForBooking(b.id);
      } catch (err) {
        report(err, `issue code for booking ${b.id}`);
      }
    }
  }

  return {
    issueForBooking,
    reconcileBooking,
    deliver,
    doorRoomsChanged,

    /** The bookings service's hook: brings codes in line after a confirm, move or cancel. Never throws; the jobs catch up. */
    async bookingChanged(bookingId: string): Promise<void> {
      try {
        await reconcileBooking(bookingId);
      } catch (err) {
        report(err, `booking ${bookingId} changed`);
      }
    },

    /**
     * The bookings service's hook for bookings it has just inserted (committed), with the rows and
     * the hub its transaction held (share-locked and checked unchanged), so nothing is read back: a
     * new booking has no code to end or replace (one the job issues meanwhile is issued from the
     * row as it is, and issueForBooking finds it), so only the reminder mark and a code already due
     * remain, for the confirmed ones. Never throws; the jobs catch up.
     */
    async bookingsCreated(rows: BookingRow[], hub: HubRow): Promise<void> {
      for (const b of rows) {
        if (b.status !== 'confirmed') continue;
        try {
          await confirmedNow(b, hub);
        } catch (err) {
          report(err, `booking ${b.id} created`);
        }
      }
    },

    /**
     * Staff give a booking a new door code (the old one was seen by someone it should not have
     * been): the live code stops working at once and a new one is issued and texted, if the code
     * is due; a revoked code counts as live here, so re-issuing also undoes a revoke. 404 for
     * anyone but staff of the booking's hub. The staff booking page's action; the API's
     * `POST /access-codes/:id/reissue` (reissue below) acts on one revoked code.
     */
    async reissueForBooking(actor: Actor, bookingId: string) {
      const b = await bookings.get(bookingId);
      if (!b || !isStaffOf(actor, b.hubId)) throw notFound('Booking');
      if (b.status !== 'confirmed') throw unprocessable('not_confirmed', 'Only a confirmed booking has a door code');
      const codes = await access.codesForBooking(b.id);
      const live = codes.filter((c) => c.status === 'active');
      const revoked = codes.filter((c) => c.status === 'revoked');
      if (live.length === 0 && revoked.length === 0) throw unprocessable('no_access_code', 'This booking has no door code yet: it is sent before the booking starts');
      for (const c of live) await endCode(c.id, 'replaced', { revokedBy: actor.userId, revokeReason: 'reissued_by_staff' });
      // A revoked code blocks a new one (issueForBooking); staff re-issuing lifts that by marking it replaced.
      for (const c of revoked) await access.updateCode(c.id, { status: 'replaced' });
      const result = await issueForBooking(b.id);
      return { outcome: result.outcome, codeId: result.codeId ?? null };
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
     * Staff give a booking a new code after its last one was revoked: the revoked code becomes
     * `replaced` (so it no longer holds the booking back) and a new one, with new digits, is issued
     * now if it is due (and texted), else by the job at its time. Returns the booking's id.
     */
    async reissue(actor: Actor, codeId: string): Promise<string> {
      const c = await access.getCode(codeId);
      if (!c) throw notFound('Access code');
      const b = c.bookingId ? await bookings.get(c.bookingId) : undefined;
      if (!isStaffOf(actor, c.hubId)) {
        if ((b && isMemberOfOrg(actor, b.organisationId)) || c.userId === actor.userId) throw forbidden('Only staff of the hub may re-issue codes');
        throw notFound('Access code');
      }
      if (c.kind !== 'booking' || !b) throw unprocessable('not_a_booking_code', "A shift's code is re-issued from the rota");
      if (c.status !== 'revoked') throw unprocessable('code_not_revoked', `This code is ${c.status}; only a revoked code is re-issued`);
      await db.transaction(async (tx) => {
        const locked = await bookings.getForUpdate(b.id, tx);
        if (!locked || locked.status !== 'confirmed') throw unprocessable('booking_not_confirmed', `The booking is ${locked?.status ?? 'gone'}`);
        const hub = await venues.getHub(locked.hubId, tx);
        if (hub && clock.now() >= codeWindow({ startsAt: locked.startsAt, endsAt: locked.endsAt, ...hub.settings }).validUntil) {
          throw unprocessable('code_window_closed', "The booking's code window has closed");
        }
        const latest = (await access.codesForBooking(b.id, tx))[0];
        if (!latest || latest.id !== c.id) throw conflict('code_superseded', 'The booking has a newer code than this one');
        await access.updateCode(c.id, { status: 'replaced' }, tx);
      });
      await reconcileBooking(b.id);
      return b.id;
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
      // One read of what is due (up to DUE_BATCH * DUE_BATCHES), issued DUE_BATCH at a time.
      const due = await access.dueBookingIds(clock.now(), DUE_BATCH * DUE_BATCHES);
      for (let i = 0; i < due.length; i += DUE_BATCH) n += await issueDueBatch(due.slice(i, i + DUE_BATCH));
      for (const c of await access.unsentCodes(clock.now(), 200)) {
        await deliver(c.id);
        n++;
      }
      return n;
    },
  };
}
export type CodesService = ReturnType<typeof createCodesService>;
