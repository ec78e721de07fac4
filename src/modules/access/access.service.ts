import { DateTime } from 'luxon';
import {
  DuplicateLockCodeError,
  LockDeviceNotFoundError,
  LockProviderError,
  type LockCodeStatus,
  type LockProvider,
} from '../../adapters/locks/locks';
import { type Db, type DbOrTx, PG, sqlState } from '../../db/client';
import { pageOf, type PageArgs } from '../../db/keyset';
import type { Clock } from '../../lib/clock';
import { type CodeCipher, generateDeviceKey, hashSecret, secureRandomInt, verifySecret } from '../../lib/crypto';
import { DomainError, forbidden, invalid, notFound, unprocessable } from '../../lib/errors';
import { MINUTE, parseHubTime, toZonedIso } from '../../lib/time';
import { type Actor, isMemberOfOrg, isStaffOf } from '../auth/actor';
import type { BookingRow, BookingsRepository } from '../bookings/bookings.repository';
import type { OutboxService } from '../notifications/outbox.service';
import type { HubRow, VenuesRepository } from '../venues/venues.repository';
import { codeLengthFor, codeWindow, DEFAULT_LOCKOUT, generateCode, isCodeValidAt, lockoutState, type DoorLockSpec } from './access.fns';
import type { AccessCodeRow, AccessRepository, DoorRow, LockState } from './access.repository';

export type DoorProvider = DoorRow['provider'];

export interface DoorInput {
  name: string;
  provider: DoorProvider;
  roomIds: string[];
  providerDeviceId?: string;
}

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

export type AccessStatus = AccessCodeRow['status'] | 'scheduled' | 'pending' | 'none';
export type IssueOutcome = 'issued' | 'not_due' | 'too_late' | 'no_doors' | 'not_confirmed' | 'has_code';

const presentDoor = (d: DoorRow, roomIds: string[]) => ({
  id: d.id,
  hubId: d.hubId,
  name: d.name,
  provider: d.provider,
  roomIds,
  providerDeviceId: d.providerDeviceId,
  codeLengths: d.codeLengths ?? null,
  active: d.active,
  createdAt: d.createdAt.toISOString(),
});

const windowText = (from: Date, until: Date, zone: string) => {
  const a = DateTime.fromJSDate(from, { zone });
  const b = DateTime.fromJSDate(until, { zone });
  const day = (d: DateTime) => d.toFormat('ccc d LLL');
  return `${day(a)} ${a.toFormat('HH:mm')} to ${a.hasSame(b, 'day') ? '' : day(b) + ' '}${b.toFormat('HH:mm')}`;
};

/** Lock states in which a smart lock may (soon) open to the code. */
const LIVE_LOCK_STATES: LockState[] = ['none', 'pending', 'unset', 'setting', 'set'];

export function createAccessService(deps: {
  db: Db;
  access: AccessRepository;
  bookings: Pick<BookingsRepository, 'get' | 'getForUpdate'>;
  venues: Pick<VenuesRepository, 'getHub' | 'getRoomWithHub' | 'listRooms'>;
  outbox: Pick<OutboxService, 'enqueue' | 'alertStaff'>;
  cipher: CodeCipher;
  clock: Clock;
  /** Smart locks (Seam); absent when no lock provider is configured. */
  locks?: LockProvider;
  /** A uniform random integer in [0, n); defaults to the OS CSPRNG. */
  random?: (n: number) => number;
  /** Told about failures that a later job run retries; never about codes. */
  onError?: (err: unknown, context: string) => void;
}) {
  const { db, access, bookings, venues, outbox, cipher, clock, locks } = deps;
  const random = deps.random ?? secureRandomInt;
  const report = deps.onError ?? (() => undefined);

  async function hubOr404(hubId: string) {
    const hub = await venues.getHub(hubId);
    if (!hub) throw notFound('Hub');
    return hub;
  }
  function requireStaff(actor: Actor, hubId: string) {
    if (!isStaffOf(actor, hubId)) throw forbidden('Only staff of this hub may do this');
  }

  /** A fresh code for these doors over [from, until): the right length, weak-free, clashing with no active code there. */
  async function pickCode(doorList: DoorRow[], from: Date, until: Date, tx: DbOrTx) {
    const specs: DoorLockSpec[] = doorList.map((d) => ({
      provider: d.provider,
      constraint: d.codeLengths && d.codeLengths.length ? { lengths: d.codeLengths } : undefined,
    }));
    const length = codeLengthFor(specs);
    const taken = await access.takenHashes(
      doorList.map((d) => d.id),
      from,
      until,
      tx,
    );
    const code = generateCode(length, random, (c) => doorList.some((d) => taken.has(`${d.id}:${cipher.lookupHash(d.id, c)}`)));
    return { code, length };
  }

  function bookingCodeMessage(code: string, c: AccessCodeRow, hubName: string, roomName: string, zone: string, doorNames: string[], moved: boolean) {
    const when = windowText(c.validFrom, c.validUntil, zone);
    return `${moved ? 'Your booking has moved. New door' : 'Door'} code for ${roomName}, ${hubName}: ${code}. Works ${when} on: ${doorNames.join(', ')}. Text CODE to get it again.`;
  }

  // -----------------------------------------------------------------------------------------
  // Issuing

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
      const { code, length } = await pickCode(doorList, w.validFrom, w.validUntil, tx);
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
    await pushToLocks(codeId);
    const c = await access.getCode(codeId);
    if (!c || c.status !== 'active' || !c.phone) return;
    const message = await composeCodeMessage(c);
    if (!message) return;
    await db.transaction(async (tx) => {
      if (!(await access.markFirstSent(c.id, clock.now(), tx))) return;
      await outbox.enqueue({ kind: message.moved ? 'access_code_moved' : 'access_code', to: c.phone!, body: message.body, hubId: c.hubId, bookingId: c.bookingId, dedupeKey: `code:${c.id}` }, tx);
    });
  }

  async function composeCodeMessage(c: AccessCodeRow): Promise<{ body: string; moved: boolean } | undefined> {
    const hub = await venues.getHub(c.hubId);
    if (!hub) return undefined;
    const doorNames = (await access.codeDoors(c.id)).filter((d) => d.link.active && LIVE_LOCK_STATES.includes(d.link.lockState)).map((d) => d.door.name);
    const code = cipher.decrypt(c.codeCipher);
    if (c.kind === 'shift') {
      return { body: `Shift door code for ${hub.name}: ${code}. Works ${windowText(c.validFrom, c.validUntil, hub.timezone)} on: ${doorNames.join(', ') || 'no door'}.`, moved: false };
    }
    const room = c.roomId ? await venues.getRoomWithHub(c.roomId) : undefined;
    const moved = c.bookingId ? (await access.codesForBooking(c.bookingId)).some((x) => x.status === 'replaced') : false;
    return { body: bookingCodeMessage(code, c, hub.name, room?.room.name ?? 'your room', hub.timezone, doorNames.length ? doorNames : ['no working door: call the hub'], moved), moved };
  }

  // -----------------------------------------------------------------------------------------
  // Smart locks

  /** Pushes the code's pending smart-lock doors. A duplicate picks another code; a failure alerts staff and falls back to a keypad. */
  async function pushToLocks(codeId: string) {
    for (let round = 0; round < 3; round++) {
      const links = (await access.codeDoors(codeId)).filter((l) => l.door.provider === 'seam' && l.link.active && l.link.lockState === 'pending');
      if (links.length === 0) return;
      const c = await access.getCode(codeId);
      if (!c || c.status !== 'active') return;
      if (!locks) {
        for (const l of links) await lockFailed(c, l.door, 'no lock provider is configured (SEAM_API_KEY)');
        return;
      }
      const code = cipher.decrypt(c.codeCipher);
      let duplicate = false;
      for (const l of links) {
        try {
          if (!(await locks.getDevice(l.door.providerDeviceId ?? '')).online) {
            await lockFailed(c, l.door, 'the lock is offline');
            continue;
          }
          const created = await locks.createCode({
            deviceId: l.door.providerDeviceId ?? '',
            code,
            name: `hubkey ${c.id}`,
            startsAt: c.validFrom,
            endsAt: c.validUntil,
          });
          await access.updateCodeDoor(c.id, l.door.id, {
            providerCodeId: created.providerCodeId,
            lockState: stateOf(created.status),
            lockCheckedAt: clock.now(),
            lockError: null,
          });
          if (created.status === 'failed') await lockFailed(c, l.door, 'the lock refused the code');
        } catch (err) {
          if (err instanceof DuplicateLockCodeError) {
            duplicate = true;
            await outbox.alertStaff(c.hubId, `Hubkey: the lock on ${l.door.name} already had a code we picked; another code was chosen. Check the lock's codes.`, `lockdup:${c.id}:${l.door.id}:${round}`);
            break;
          }
          if (err instanceof LockProviderError && err.retryable && err.code === 'unavailable') {
            // The provider is unreachable: the lock job tries again; nothing is lost meanwhile.
            report(err, `push code ${c.id} to ${l.door.id}`);
            continue;
          }
          await lockFailed(c, l.door, err instanceof Error ? err.message : String(err));
        }
      }
      if (!duplicate) return;
      if (c.sentAt) {
        // Already texted: the digits cannot change under the hirer; this door is out of service for the code.
        for (const l of links) await lockFailed(c, l.door, 'the lock already holds the same code');
        return;
      }
      await changeDigits(c);
    }
  }

  /** Picks new digits for a code not yet sent, and takes what was set on smart locks off them. */
  async function changeDigits(c: AccessCodeRow) {
    const links = await access.codeDoors(c.id);
    const created = links.filter((l) => l.link.providerCodeId);
    if (locks) for (const l of created) await locks.deleteCode({ providerCodeId: l.link.providerCodeId! }).catch((err) => report(err, 'delete code'));
    await db.transaction(async (tx) => {
      const active = links.filter((l) => l.link.active);
      await access.lockDoors(
        active.map((l) => l.door.id),
        tx,
      );
      const { code } = await pickCode(
        active.map((l) => l.door),
        c.validFrom,
        c.validUntil,
        tx,
      );
      // Deactivate first so the new hashes never meet the old ones in the exclusion constraint.
      await access.deactivateDoors(c.id, tx);
      for (const l of active) {
        await access.updateCodeDoor(
          c.id,
          l.door.id,
          {
            codeHash: cipher.lookupHash(l.door.id, code),
            active: true,
            providerCodeId: null,
            lockState: l.door.provider === 'seam' ? 'pending' : 'none',
          },
          tx,
        );
      }
      await access.updateCode(c.id, { codeCipher: cipher.encrypt(code) }, tx);
    });
  }

  /** A smart lock will not open to the code: staff are told; a keypad door of the hub stands in. */
  async function lockFailed(c: AccessCodeRow, door: DoorRow, reason: string) {
    await access.updateCodeDoor(c.id, door.id, { lockState: 'failed', lockError: reason.slice(0, 300), active: false, lockCheckedAt: clock.now(), alertedAt: clock.now() });
    const hub = await venues.getHub(c.hubId);
    const fallback = await addKeypadFallback(c);
    await outbox.alertStaff(
      c.hubId,
      `Hubkey: the lock on ${door.name} at ${hub?.name ?? 'the hub'} failed for a code valid ${hub ? windowText(c.validFrom, c.validUntil, hub.timezone) : ''} (${reason.slice(0, 80)}). ${fallback.length ? `The hirer can use ${fallback.join(', ')}.` : 'Nobody can get in with it: let them in.'}`,
      `lockfail:${c.id}:${door.id}`,
    );
    if (c.sentAt && c.phone) {
      // The hirer was already texted: tell them which door works now.
      const others = (await access.codeDoors(c.id)).filter((l) => l.link.active && LIVE_LOCK_STATES.includes(l.link.lockState)).map((l) => l.door.name);
      await outbox.enqueue({
        kind: 'access_code_update',
        to: c.phone,
        body: `${hub?.name ?? 'Hub'}: the lock on ${door.name} is not working. ${others.length ? `Your code still works on ${others.join(', ')}.` : 'Staff know and will let you in.'}`,
        hubId: c.hubId,
        bookingId: c.bookingId,
        dedupeKey: `lockfail-hirer:${c.id}:${door.id}`,
      });
    }
  }

  /** Adds the hub's keypad doors to a code that no longer opens any door. Returns the names of doors that work. */
  async function addKeypadFallback(c: AccessCodeRow): Promise<string[]> {
    const links = await access.codeDoors(c.id);
    const working = links.filter((l) => l.link.active && LIVE_LOCK_STATES.includes(l.link.lockState));
    if (working.some((l) => l.door.provider === 'keypad')) return working.map((l) => l.door.name);
    const keypads = (await access.lockedDoorsOfHub(c.hubId)).filter((d) => d.provider === 'keypad' && !links.some((l) => l.door.id === d.id));
    const code = cipher.decrypt(c.codeCipher);
    const added: string[] = [];
    for (const d of keypads) {
      try {
        await db.transaction(async (tx) => {
          await access.lockDoors([d.id], tx);
          await access.addCodeDoor({ accessCodeId: c.id, doorId: d.id, codeHash: cipher.lookupHash(d.id, code), validFrom: c.validFrom, validUntil: c.validUntil, lockState: 'none' }, tx);
        });
        added.push(d.name);
      } catch (err) {
        // The same digits are live on that keypad for someone else: it cannot stand in.
        if (sqlState(err) !== PG.exclusionViolation) throw err;
      }
    }
    return [...working.map((l) => l.door.name), ...added];
  }

  const stateOf = (s: LockCodeStatus): LockState => (s === 'unknown' ? 'setting' : s);

  async function removeFromLocks(codeId: string) {
    if (!locks) return;
    for (const l of await access.codeDoors(codeId)) {
      if (!l.link.providerCodeId || l.link.lockState === 'removed') continue;
      try {
        await locks.deleteCode({ providerCodeId: l.link.providerCodeId });
        await access.updateCodeDoor(codeId, l.door.id, { lockState: 'removed', active: false, lockCheckedAt: clock.now() });
      } catch (err) {
        report(err, `remove code ${codeId} from ${l.door.id}`);
      }
    }
  }

  // -----------------------------------------------------------------------------------------
  // Booking changes

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
    if (done && !tx) await removeFromLocks(codeId);
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
    // Most bookings are made days ahead: their code is not due yet, and the job issues it then.
    // Checking first spares a locking transaction on every booking change.
    const hub = await venues.getHub(b.hubId);
    if (hub && clock.now() < codeWindow({ startsAt: b.startsAt, endsAt: b.endsAt, ...hub.settings }).issueAt) return;
    await issueForBooking(b.id);
  }

  const moved = (b: BookingRow, c: AccessCodeRow) =>
    c.roomId !== b.roomId || c.bookingStartsAt?.getTime() !== b.startsAt.getTime() || c.bookingEndsAt?.getTime() !== b.endsAt.getTime();

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
      body: `${row.hub.name}: your booking of ${row.room.name} has moved to ${windowText(b.startsAt, b.endsAt, row.hub.timezone)}. Your old door code no longer works; the new one comes by text ${DateTime.fromJSDate(w.issueAt, { zone: row.hub.timezone }).toFormat('ccc d LLL HH:mm')}.`,
      hubId: b.hubId,
      bookingId: b.id,
      dedupeKey: `moved:${b.id}:${b.startsAt.toISOString()}:${b.roomId}`,
    });
  }

  // -----------------------------------------------------------------------------------------
  // Reading a booking's access

  async function bookingVisibleOr404(actor: Actor, bookingId: string) {
    const b = await bookings.get(bookingId);
    if (!b || !(isStaffOf(actor, b.hubId) || isMemberOfOrg(actor, b.organisationId))) throw notFound('Booking');
    return b;
  }

  async function presentAccess(actor: Actor, b: BookingRow) {
    const row = await venues.getRoomWithHub(b.roomId);
    if (!row) throw notFound('Room');
    const { hub } = row;
    const codes = await access.codesForBooking(b.id);
    // The live code; else the last one if it ended for good (a replaced code's successor is on its way).
    const current = codes.find((c) => c.status === 'active') ?? (codes[0] && codes[0].status !== 'replaced' ? codes[0] : undefined);
    const w = codeWindow({ startsAt: b.startsAt, endsAt: b.endsAt, ...hub.settings });
    const now = clock.now();
    const roomDoors = current ? [] : await access.doorsForRoom(b.roomId);
    const doorsOut = current
      ? (await access.codeDoors(current.id)).map((l) => ({ id: l.door.id, name: l.door.name, provider: l.door.provider, works: l.link.active && LIVE_LOCK_STATES.includes(l.link.lockState), lockStatus: l.link.lockState }))
      : roomDoors.map((d) => ({ id: d.id, name: d.name, provider: d.provider, works: false, lockStatus: 'none' as LockState }));
    const status: AccessStatus = current ? current.status : b.status === 'confirmed' && roomDoors.length ? (now < w.issueAt ? 'scheduled' : 'pending') : 'none';
    const validFrom = current?.validFrom ?? w.validFrom;
    const validUntil = current?.validUntil ?? w.validUntil;
    const showCode = Boolean(current && current.status === 'active' && isMemberOfOrg(actor, b.organisationId) && isCodeValidAt({ validFrom, validUntil }, now));
    return {
      bookingId: b.id,
      accessCodeId: current?.id ?? null,
      status,
      validFrom: toZonedIso(validFrom, hub.timezone),
      validUntil: toZonedIso(validUntil, hub.timezone),
      issueAt: toZonedIso(w.issueAt, hub.timezone),
      sentAt: current?.sentAt ? toZonedIso(current.sentAt, hub.timezone) : null,
      doors: doorsOut,
      ...(showCode ? { code: cipher.decrypt(current!.codeCipher) } : {}),
    };
  }

  // -----------------------------------------------------------------------------------------

  return {
    issueForBooking,
    reconcileBooking,

    /** The bookings service's hook: brings codes in line after a confirm, move or cancel. Never throws; the jobs catch up. */
    async bookingChanged(bookingId: string): Promise<void> {
      try {
        await reconcileBooking(bookingId);
      } catch (err) {
        report(err, `booking ${bookingId} changed`);
      }
    },

    async createDoor(actor: Actor, hubId: string, input: DoorInput) {
      const hub = await hubOr404(hubId);
      requireStaff(actor, hub.id);
      const roomIds = [...new Set(input.roomIds)];
      const hubRooms = new Set((await venues.listRooms(hub.id)).map((r) => r.id));
      const foreign = roomIds.filter((r) => !hubRooms.has(r));
      if (foreign.length) {
        throw new DomainError('unprocessable', 'room_not_in_hub', 'Every room must belong to this hub', { roomIds: foreign }, foreign.map(() => ({ path: 'body.roomIds', message: 'not a room of this hub' })));
      }
      let codeLengths: number[] | null = null;
      if (input.provider === 'seam') {
        if (!input.providerDeviceId) throw invalid('A seam door needs providerDeviceId', [{ path: 'body.providerDeviceId', message: 'required for seam doors' }]);
        if (!locks) throw unprocessable('lock_provider_not_configured', 'Seam is not configured on this server (SEAM_API_KEY)');
        try {
          const device = await locks.getDevice(input.providerDeviceId);
          codeLengths = device.supportedCodeLengths ?? null;
        } catch (err) {
          if (err instanceof LockDeviceNotFoundError) throw unprocessable('lock_device_not_found', 'Seam has no such device');
          if (err instanceof LockProviderError) throw new DomainError('unavailable', 'lock_provider_unavailable', 'The lock provider could not be reached; try again');
          throw err;
        }
      } else if (input.providerDeviceId && input.provider === 'none') {
        throw invalid('A door without a lock takes no providerDeviceId', [{ path: 'body.providerDeviceId', message: 'only for seam or keypad doors' }]);
      }
      const deviceKey = input.provider === 'keypad' ? generateDeviceKey() : undefined;
      const door = await db.transaction((tx) =>
        access.insertDoor(
          { hubId: hub.id, name: input.name, provider: input.provider, providerDeviceId: input.providerDeviceId ?? null, deviceKeyHash: deviceKey ? hashSecret(deviceKey) : null, codeLengths, createdAt: clock.now() },
          roomIds,
          tx,
        ),
      );
      return { ...presentDoor(door, roomIds.sort()), ...(deviceKey ? { deviceKey } : {}) };
    },

    /** Renames a door or retires it (active: false): a retired door grants nothing and gets no new codes. */
    async updateDoor(actor: Actor, doorId: string, patch: { name?: string; active?: boolean }) {
      const door = await access.getDoor(doorId);
      if (!door || !isStaffOf(actor, door.hubId)) throw notFound('Door');
      const updated = await access.updateDoor(door.id, { name: patch.name, active: patch.active });
      const rooms = await access.roomIdsByDoor([door.id]);
      return presentDoor(updated, rooms.get(door.id) ?? []);
    },

    /** A new device key for a keypad door, shown this once; the old key stops working at once. */
    async rotateDeviceKey(actor: Actor, doorId: string) {
      const door = await access.getDoor(doorId);
      if (!door || !isStaffOf(actor, door.hubId)) throw notFound('Door');
      if (door.provider !== 'keypad') throw unprocessable('not_a_keypad_door', 'Only keypad doors have a device key');
      const deviceKey = generateDeviceKey();
      await access.updateDoor(door.id, { deviceKeyHash: hashSecret(deviceKey) });
      return { doorId: door.id, deviceKey };
    },

    /** A page of the hub's doors by name, then id. */
    async listDoors(actor: Actor, hubId: string, p: PageArgs) {
      const hub = await hubOr404(hubId);
      requireStaff(actor, hub.id);
      const { rows, next } = pageOf(await access.listDoors(hub.id, { ...p, limit: p.limit + 1 }), p.limit, (d) => [d.name, d.id]);
      const rooms = await access.roomIdsByDoor(rows.map((d) => d.id));
      return { items: rows.map((d) => presentDoor(d, rooms.get(d.id) ?? [])), next };
    },

    async getBookingAccess(actor: Actor, bookingId: string) {
      return presentAccess(actor, await bookingVisibleOr404(actor, bookingId));
    },

    /** Texts the current code to the booking's contact again (at most once a minute). */
    async resend(actor: Actor, bookingId: string) {
      const b = await bookingVisibleOr404(actor, bookingId);
      const c = (await access.codesForBooking(b.id)).find((x) => x.status === 'active');
      const now = clock.now();
      if (!c || now >= c.validUntil) throw unprocessable('no_access_code', 'This booking has no door code to send yet');
      if (!c.phone) throw unprocessable('no_contact_phone', 'The booking has no contact phone');
      if (!c.sentAt) {
        await deliver(c.id);
      } else {
        if (now.getTime() - c.sentAt.getTime() < MINUTE) throw new DomainError('too_many', 'resend_too_soon', 'The code was sent less than a minute ago');
        const message = await composeCodeMessage(c);
        await db.transaction(async (tx) => {
          await access.updateCode(c.id, { sentAt: now }, tx);
          await outbox.enqueue({ kind: 'access_code_resend', to: c.phone!, body: message!.body, hubId: c.hubId, bookingId: b.id, dedupeKey: `resend:${c.id}:${now.toISOString()}` }, tx);
        });
      }
      return presentAccess(actor, (await bookings.get(b.id))!);
    },

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
        const { code, length } = await pickCode(doorList, w.validFrom, w.validUntil, tx);
        return access.insertCode(
          { hubId: hub.id, kind: 'shift', userId: input.userId, shiftRef: input.shiftRef, codeCipher: cipher.encrypt(code), codeLength: length, validFrom: w.validFrom, validUntil: w.validUntil, phone: input.phone, createdAt: clock.now() },
          doorList.map((d) => ({ doorId: d.id, codeHash: cipher.lookupHash(d.id, code), validFrom: w.validFrom, validUntil: w.validUntil, lockState: d.provider === 'seam' ? ('pending' as const) : ('none' as const) })),
          tx,
        );
      });
      await deliver(row.id);
      return { id: row.id, validFrom: row.validFrom, validUntil: row.validUntil };
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

    /**
     * An inbound text. "CODE" from the phone a live code was sent to gets it again (through the
     * outbox); anything else gets a short help reply. Returns what was queued.
     */
    async handleInboundSms(from: string, text: string): Promise<'code' | 'help' | 'ignored'> {
      if (!/^\+[1-9]\d{6,14}$/.test(from)) return 'ignored';
      const now = clock.now();
      const minute = Math.floor(now.getTime() / MINUTE);
      if (text.trim().toUpperCase() === 'CODE') {
        const live = await access.liveCodesForPhone(from, now);
        if (live.length) {
          for (const c of live) {
            const message = await composeCodeMessage(c);
            if (message) await outbox.enqueue({ kind: 'access_code_resend', to: from, body: message.body, hubId: c.hubId, bookingId: c.bookingId, dedupeKey: `sms-code:${c.id}:${minute}` });
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

    // ---------------------------------------------------------------------------------------
    // Keypad

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
      const hub: HubRow = await hubOr404(hubId);
      requireStaff(actor, hub.id);
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

    // ---------------------------------------------------------------------------------------
    // Jobs (each idempotent, each from the database's state)

    /** Issues codes that are due, re-issues moved bookings' codes, revokes cancelled ones' and sends what a stopped worker left unsent. */
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

    /** Pushes codes that have not reached their smart lock yet and follows those on their way. */
    async syncLocks(): Promise<number> {
      let n = 0;
      const pending = await access.lockCodesInFlight(['pending'], 100);
      for (const id of new Set(pending.map((p) => p.code.id))) {
        await pushToLocks(id);
        n++;
      }
      if (!locks) return n;
      for (const r of await access.lockCodesInFlight(['unset', 'setting'], 200)) {
        if (!r.link.providerCodeId) continue;
        try {
          const got = await locks.getCode({ providerCodeId: r.link.providerCodeId });
          if (got.status === 'failed') {
            await lockFailed(r.code, r.door, got.errors.join(', ') || 'the lock reported a failure');
          } else {
            await access.updateCodeDoor(r.code.id, r.door.id, { lockState: stateOf(got.status), lockCheckedAt: clock.now() });
          }
          n++;
        } catch (err) {
          if (err instanceof LockProviderError && !err.retryable) await lockFailed(r.code, r.door, err.message);
          else report(err, `check lock code ${r.link.providerCodeId}`);
        }
      }
      return n;
    },

    /** Marks codes whose window closed as expired and takes ended codes off smart locks. */
    async removeExpired(): Promise<number> {
      const now = clock.now();
      let n = await access.expireCodes(now);
      if (!locks) return n;
      for (const r of await access.lockCodesToRemove(now, 200)) {
        try {
          await locks.deleteCode({ providerCodeId: r.link.providerCodeId! });
          await access.updateCodeDoor(r.link.accessCodeId, r.door.id, { lockState: 'removed', active: false, lockCheckedAt: now });
          n++;
        } catch (err) {
          report(err, `remove lock code ${r.link.providerCodeId}`);
        }
      }
      return n;
    },

    /** Texts each confirmed booking's contact once, the hub's reminderLeadMinutes before the start. */
    async sendReminders(): Promise<number> {
      let n = 0;
      for (const r of await access.bookingsToRemind(clock.now(), 500)) {
        const b = r.booking;
        const queued = await outbox.enqueue({
          kind: 'reminder',
          to: b.contactPhone!,
          body: `Reminder: ${b.title} in ${r.roomName}, ${r.hubName}, ${windowText(b.startsAt, b.endsAt, r.timezone)}. Your door code comes by text before the start.`,
          hubId: b.hubId,
          bookingId: b.id,
          dedupeKey: `reminder:${b.id}:${b.startsAt.toISOString()}`,
        });
        if (queued) n++;
      }
      return n;
    },
  };
}
export type AccessService = ReturnType<typeof createAccessService>;
