import type { LockProvider } from '../../../src/adapters/locks/locks';
import { FixedClock } from '../../../src/lib/clock';
import { createBookingAccessService } from '../../../src/modules/access/booking-access.service';
import { createCodePicker } from '../../../src/modules/access/code-picker';
import { createCodesService } from '../../../src/modules/access/codes.service';
import { createLockSyncService } from '../../../src/modules/access/lock-sync.service';
import type { AccessCodeRow, DoorRow } from '../../../src/modules/access/access.repository';
import { actor, cipher, db, door, HUB, outbox } from './fakes';

/** An access repository over two arrays: codes and their door links. */
function memoryAccess(doorList: DoorRow[]) {
  const codes: AccessCodeRow[] = [];
  const links: { accessCodeId: string; doorId: string; active: boolean; lockState: string; providerCodeId: string | null; codeHash: string; validFrom: Date; validUntil: Date }[] = [];
  const codeDoors = async (id: string) => links.filter((l) => l.accessCodeId === id).map((l) => ({ link: l, door: doorList.find((d) => d.id === l.doorId)! }));
  return {
    codes,
    links,
    codeDoors: codeDoors as never,
    codesForBooking: async (bookingId: string) => codes.filter((c) => c.bookingId === bookingId),
    doorsForRoom: async () => doorList,
    lockedDoorsOfHub: async () => doorList.filter((d) => d.provider !== 'none'),
    lockDoors: async () => undefined,
    takenHashes: async () => new Set<string>(),
    async insertCode(values: Partial<AccessCodeRow>, doorRows: Omit<(typeof links)[number], 'accessCodeId' | 'active' | 'providerCodeId'>[]) {
      const row = { id: `code-${codes.length + 1}`, status: 'active', sentAt: null, userId: null, shiftRef: null, revokedAt: null, revokedBy: null, revokeReason: null, ...values } as AccessCodeRow;
      codes.push(row);
      for (const d of doorRows) links.push({ ...d, accessCodeId: row.id, active: true, providerCodeId: null });
      return row;
    },
    getCode: async (id: string) => codes.find((c) => c.id === id),
    getCodeForUpdate: async (id: string) => codes.find((c) => c.id === id),
    async updateCode(id: string, values: Partial<AccessCodeRow>) {
      const c = codes.find((x) => x.id === id)!;
      Object.assign(c, values);
      return c;
    },
    async updateCodeDoor(codeId: string, doorId: string, values: Record<string, unknown>) {
      Object.assign(links.find((l) => l.accessCodeId === codeId && l.doorId === doorId)!, values);
    },
    async deactivateDoors(codeId: string) {
      for (const l of links) if (l.accessCodeId === codeId) l.active = false;
    },
    async markFirstSent(id: string, now: Date) {
      const c = codes.find((x) => x.id === id)!;
      if (c.sentAt) return false;
      c.sentAt = now;
      return true;
    },
    addCodeDoor: async () => undefined,
    staleBookingCodes: async () => [],
    dueBookings: async () => [],
    unsentCodes: async () => [],
    lockCodesInFlight: async () => [],
    expireCodes: async () => 0,
    lockCodesToRemove: async () => [],
  };
}

const booking = {
  id: 'b-1',
  hubId: HUB.id,
  roomId: 'room-1',
  organisationId: 'org-1',
  status: 'confirmed',
  contactPhone: '+447700900001',
  startsAt: new Date('2026-03-03T10:00:00Z'),
  endsAt: new Date('2026-03-03T12:00:00Z'),
};

/** A deterministic stand-in for the CSPRNG (a small LCG). */
function seeded() {
  let x = 12345;
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
}

function wire(doorList: DoorRow[], locks?: LockProvider, now = '2026-03-02T10:00:00Z') {
  const clock = new FixedClock(now);
  const access = memoryAccess(doorList);
  const ob = outbox();
  const venues = { getHub: async () => HUB as never, getRoomWithHub: async () => ({ room: { id: 'room-1', name: 'Hall' }, hub: HUB }) as never };
  const bookings = { get: async () => booking as never, getForUpdate: async () => booking as never };
  // The fake keeps to the repository's methods; its query-builder return types are cast away.
  const repo = access as never;
  const picker = createCodePicker({ access: repo, cipher, random: seeded() });
  const messages = { compose: async (c: AccessCodeRow) => ({ body: `code ${cipher.decrypt(c.codeCipher)}`, moved: false }) };
  const lockSync = createLockSyncService({ db, access: repo, venues, outbox: ob, cipher, picker, clock, locks });
  const codes = createCodesService({ db, access: repo, bookings, venues, outbox: ob, cipher, picker, messages, lockSync, clock });
  const bookingAccess = createBookingAccessService({ db, access: repo, bookings, venues, outbox: ob, codes, messages, cipher, clock });
  return { clock, access, ob, codes, lockSync, bookingAccess };
}

describe('codes service', () => {
  it('does not issue before the code is due', async () => {
    const w = wire([door()], undefined, '2026-03-01T09:00:00Z');
    expect((await w.codes.issueForBooking('b-1')).outcome).toBe('not_due');
    expect(w.access.codes).toHaveLength(0);
  });

  it('issues once, stores the code encrypted, and queues its text once', async () => {
    const w = wire([door()]);
    expect((await w.codes.issueForBooking('b-1')).outcome).toBe('issued');
    expect((await w.codes.issueForBooking('b-1')).outcome).toBe('has_code');
    expect(w.access.codes).toHaveLength(1);
    expect(w.access.codes[0].codeCipher).toMatch(/^enc:\d{6}$/);
    await w.codes.deliver(w.access.codes[0].id);
    expect(w.ob.queued.filter((m) => m.kind === 'access_code')).toHaveLength(1);
  });

  it('revokes the code of a booking that is no longer confirmed', async () => {
    const w = wire([door()]);
    await w.codes.issueForBooking('b-1');
    booking.status = 'cancelled';
    try {
      await w.codes.reconcileBooking('b-1');
    } finally {
      booking.status = 'confirmed';
    }
    expect(w.access.codes[0]).toMatchObject({ status: 'revoked', revokeReason: 'booking_cancelled' });
    expect(w.access.links.every((l) => !l.active)).toBe(true);
  });
});

describe('lock sync service', () => {
  it('without a lock provider, a seam door fails, staff are alerted and a keypad stands in', async () => {
    const w = wire([door({ id: 'door-s', provider: 'seam', providerDeviceId: 'dev-1', name: 'Smart door' })]);
    await w.codes.issueForBooking('b-1');
    expect(w.access.links[0]).toMatchObject({ lockState: 'failed', active: false });
    expect(w.ob.alerts).toEqual([expect.objectContaining({ key: expect.stringMatching(/^lockfail:/) })]);
  });

  it('sets the code on a seam lock that accepts it', async () => {
    const created: string[] = [];
    const locks = {
      getDevice: async () => ({ online: true }),
      createCode: async (c: { code: string }) => {
        created.push(c.code);
        return { providerCodeId: 'pc-1', status: 'set' };
      },
      getCode: async () => ({ status: 'set', errors: [] }),
      deleteCode: async () => undefined,
    } as unknown as LockProvider;
    const w = wire([door({ id: 'door-s', provider: 'seam', providerDeviceId: 'dev-1' })], locks);
    await w.codes.issueForBooking('b-1');
    expect(w.access.links[0]).toMatchObject({ lockState: 'set', providerCodeId: 'pc-1', active: true });
    expect(created).toEqual([cipher.decrypt(w.access.codes[0].codeCipher)]);
  });
});

describe('booking access service', () => {
  it('shows the code only to the hirer, only inside its window', async () => {
    const w = wire([door()]);
    await w.codes.issueForBooking('b-1');
    const hirer = actor({ organisations: new Set(['org-1']) });
    const staff = actor({ staffHubs: new Set([HUB.id]) });
    expect((await w.bookingAccess.getBookingAccess(hirer, 'b-1')).code).toBeUndefined();
    w.clock.set('2026-03-03T10:00:00Z');
    expect((await w.bookingAccess.getBookingAccess(hirer, 'b-1')).code).toMatch(/^\d{6}$/);
    expect((await w.bookingAccess.getBookingAccess(staff, 'b-1')).code).toBeUndefined();
    await expect(w.bookingAccess.getBookingAccess(actor(), 'b-1')).rejects.toMatchObject({ kind: 'not_found' });
  });
});
