import { LockDeviceNotFoundError, LockProviderError, type LockProvider } from '../../adapters/locks/locks';
import type { Db } from '../../db/client';
import { pageOf, type PageArgs } from '../../db/keyset';
import type { Clock } from '../../lib/clock';
import { generateDeviceKey, hashSecret } from '../../lib/crypto';
import { DomainError, forbidden, invalid, notFound, unprocessable } from '../../lib/errors';
import { type Actor, isStaffOf } from '../auth/actor';
import type { VenuesRepository } from '../venues/venues.repository';
import type { AccessRepository, DoorRow } from './access.repository';

export type DoorProvider = DoorRow['provider'];

export interface DoorInput {
  name: string;
  provider: DoorProvider;
  roomIds: string[];
  providerDeviceId?: string;
}

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

/** Door admin for a hub's staff: doors, the rooms they open, their lock and device keys. */
export function createDoorsService(deps: {
  db: Pick<Db, 'transaction'>;
  access: Pick<AccessRepository, 'insertDoor' | 'getDoor' | 'updateDoor' | 'roomIdsByDoor' | 'listDoors' | 'setDoorRooms'>;
  venues: Pick<VenuesRepository, 'getHub' | 'listRooms'>;
  clock: Clock;
  /** Smart locks (Seam), asked for a new seam door's device; absent when none is configured. */
  locks?: Pick<LockProvider, 'getDevice'>;
  /** Brings codes in line with a door whose rooms or service changed (codes.doorRoomsChanged). */
  onDoorChanged?: (doorId: string) => Promise<void>;
}) {
  const { db, access, venues, clock, locks } = deps;

  /** The rooms, de-duplicated, all of this hub's; 422 naming the others. */
  async function hubRoomsOr422(hubId: string, ids: string[]) {
    const roomIds = [...new Set(ids)];
    const hubRooms = new Set((await venues.listRooms(hubId)).map((r) => r.id));
    const foreign = roomIds.filter((r) => !hubRooms.has(r));
    if (foreign.length) {
      throw new DomainError('unprocessable', 'room_not_in_hub', 'Every room must belong to this hub', { roomIds: foreign }, foreign.map(() => ({ path: 'body.roomIds', message: 'not a room of this hub' })));
    }
    return roomIds;
  }

  async function staffHubOr404(actor: Actor, hubId: string) {
    const hub = await venues.getHub(hubId);
    if (!hub) throw notFound('Hub');
    if (!isStaffOf(actor, hub.id)) throw forbidden('Only staff of this hub may do this');
    return hub;
  }

  return {
    async createDoor(actor: Actor, hubId: string, input: DoorInput) {
      const hub = await staffHubOr404(actor, hubId);
      const roomIds = await hubRoomsOr422(hub.id, input.roomIds);
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

    /**
     * Renames a door, retires it (active: false: it grants nothing and gets no new codes) or changes
     * the rooms it leads to; codes are brought in line at once (see codes.doorRoomsChanged).
     */
    async updateDoor(actor: Actor, doorId: string, patch: { name?: string; active?: boolean; roomIds?: string[] }) {
      const door = await access.getDoor(doorId);
      if (!door || !isStaffOf(actor, door.hubId)) throw notFound('Door');
      const roomIds = patch.roomIds ? await hubRoomsOr422(door.hubId, patch.roomIds) : undefined;
      const updated = await db.transaction(async (tx) => {
        const row = patch.name !== undefined || patch.active !== undefined ? await access.updateDoor(door.id, { name: patch.name, active: patch.active }, tx) : door;
        if (roomIds) await access.setDoorRooms(door.id, roomIds, tx);
        return row;
      });
      if ((roomIds || (patch.active !== undefined && patch.active !== door.active)) && deps.onDoorChanged) await deps.onDoorChanged(door.id);
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
      const hub = await staffHubOr404(actor, hubId);
      const { rows, next } = pageOf(await access.listDoors(hub.id, { ...p, limit: p.limit + 1 }), p.limit, (d) => [d.name, d.id]);
      const rooms = await access.roomIdsByDoor(rows.map((d) => d.id));
      return { items: rows.map((d) => presentDoor(d, rooms.get(d.id) ?? [])), next };
    },
  };
}
export type DoorsService = ReturnType<typeof createDoorsService>;
