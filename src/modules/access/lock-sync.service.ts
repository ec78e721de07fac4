import { DuplicateLockCodeError, LockProviderError, type LockCodeStatus, type LockProvider } from '../../adapters/locks/locks';
import type { Db } from '../../db/client';
import { DomainError } from '../../lib/errors';
import type { Clock } from '../../lib/clock';
import type { CodeCipher } from '../../lib/crypto';
import type { OutboxService } from '../notifications/outbox.service';
import type { VenuesRepository } from '../venues/venues.repository';
import { LIVE_LOCK_STATES, windowText } from './access.messages';
import { DOOR_CODE_CLASH, type AccessCodeRow, type AccessRepository, type DoorRow, type LockState } from './access.repository';
import type { CodePicker } from './code-picker';

const stateOf = (s: LockCodeStatus): LockState => (s === 'unknown' ? 'setting' : s);

/**
 * Smart-lock sync: gets codes onto Seam locks and off them again, follows codes on their way,
 * and when a lock fails alerts staff and lets a keypad door stand in.
 */
export function createLockSyncService(deps: {
  db: Pick<Db, 'transaction'>;
  access: Pick<
    AccessRepository,
    'codeDoors' | 'getCode' | 'updateCodeDoor' | 'lockDoors' | 'deactivateDoors' | 'updateCode' | 'lockedDoorsOfHub' | 'addCodeDoor' | 'lockCodesInFlight' | 'expireCodes' | 'lockCodesToRemove'
  >;
  venues: Pick<VenuesRepository, 'getHub'>;
  outbox: Pick<OutboxService, 'enqueue' | 'alertStaff'>;
  cipher: Pick<CodeCipher, 'decrypt' | 'encrypt' | 'lookupHash'>;
  picker: CodePicker;
  clock: Clock;
  /** Smart locks (Seam); absent when no lock provider is configured. */
  locks?: LockProvider;
  /** Told about failures that a later job run retries; never about codes. */
  onError?: (err: unknown, context: string) => void;
}) {
  const { db, access, venues, outbox, cipher, clock, locks, picker } = deps;
  const report = deps.onError ?? (() => undefined);

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
      if (c.queuedAt) {
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
      const { code } = await picker.pick(
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
    if (c.queuedAt && c.phone) {
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
        if (!(err instanceof DomainError && err.code === DOOR_CODE_CLASH)) throw err;
      }
    }
    return [...working.map((l) => l.door.name), ...added];
  }

  return {
    pushToLocks,

    /** Takes a code off one door's smart lock (the door no longer leads to its room); failures wait for removeExpired. */
    async removeFromDoor(codeId: string, doorId: string) {
      if (!locks) return;
      const l = (await access.codeDoors(codeId)).find((x) => x.door.id === doorId);
      if (!l?.link.providerCodeId || l.link.lockState === 'removed') return;
      try {
        await locks.deleteCode({ providerCodeId: l.link.providerCodeId });
        await access.updateCodeDoor(codeId, doorId, { lockState: 'removed', active: false, lockCheckedAt: clock.now() });
      } catch (err) {
        report(err, `remove code ${codeId} from ${doorId}`);
      }
    },

    /** Takes an ended code off every smart lock it was set on; failures wait for removeExpired. */
    async removeFromLocks(codeId: string) {
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
    },

    /** Job: pushes codes that have not reached their smart lock yet and follows those on their way. */
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

    /** Job: marks codes whose window closed as expired and takes ended codes off smart locks. */
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
  };
}
export type LockSyncService = ReturnType<typeof createLockSyncService>;
