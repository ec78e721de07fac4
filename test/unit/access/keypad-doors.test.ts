import { FixedClock } from '../../../src/lib/clock';
import { hashSecret } from '../../../src/lib/crypto';
import { DomainError } from '../../../src/lib/errors';
import { createDoorsService } from '../../../src/modules/access/doors.service';
import { createKeypadService, knownCodeResult } from '../../../src/modules/access/keypad.service';
import { actor, cipher, code, db, door, HUB, outbox } from './fakes';

const clock = new FixedClock('2026-03-03T10:00:00Z');

function keypad() {
  const key = 'device-key-0123456789';
  const entries: { result: string }[] = [];
  const failures: Date[] = [];
  const theDoor = door({ deviceKeyHash: hashSecret(key) });
  const ob = outbox();
  const logEntry = async (e: { result: string; at: Date; granted: boolean }) => {
    entries.push(e);
    if (e.result === 'unknown_code') failures.push(e.at);
  };
  const liveHash = cipher.lookupHash(theDoor.id, '123456');
  const access = {
    keypadDoor: async (id: string, windowStart: Date) => (id === theDoor.id ? { ...theDoor, timezone: HUB.timezone, failures: failures.filter((f) => f >= windowStart) } : undefined),
    logEntry,
    enterCode: async (e: { at: Date; codeHash: string }) => {
      const result = e.codeHash === liveHash ? 'granted' : 'unknown_code';
      await logEntry({ ...e, result, granted: result === 'granted' });
      return result;
    },
    findByHash: async (_doorId: string, hash: string) =>
      hash === liveHash ? [{ code: code(), link: { active: true, validFrom: code().validFrom, validUntil: code().validUntil } }] : ([] as never[]),
    listEntries: async () => [],
  };
  const svc = createKeypadService({ access: access as never, venues: { getHub: async () => HUB as never }, outbox: ob, cipher, clock });
  return { svc, key, entries, ob };
}

describe('keypad service', () => {
  it('refuses a wrong device key without logging an entry', async () => {
    const k = keypad();
    await expect(k.svc.verify('door-1', 'wrong', '123456')).rejects.toMatchObject({ code: 'invalid_device_key' });
    expect(k.entries).toHaveLength(0);
  });

  it('grants a live code and logs it', async () => {
    const k = keypad();
    expect(await k.svc.verify('door-1', k.key, '123456')).toEqual({ granted: true, reason: 'granted' });
    expect(k.entries.map((e) => e.result)).toEqual(['granted']);
  });

  it('waits after five unknown codes, checking nothing meanwhile, and alerts staff once', async () => {
    const k = keypad();
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push((await k.svc.verify('door-1', k.key, i === 6 ? '123456' : '999999')).reason);
    expect(answers).toEqual(['unknown_code', 'unknown_code', 'unknown_code', 'unknown_code', 'unknown_code', 'locked_out', 'locked_out']);
    expect(k.ob.alerts).toHaveLength(1);
    clock.advance(30_000);
    expect(await k.svc.verify('door-1', k.key, '123456')).toEqual({ granted: true, reason: 'granted' });
  });
});

describe('keypad service: lifting a wait for a live code (OPEN)', () => {
  /** Doors the code is linked to; `waiting` ones have five wrong codes just now. */
  function lifting(doors: Array<{ door: ReturnType<typeof door>; linkActive?: boolean; waiting: boolean }>) {
    const now = new Date('2026-03-03T10:30:00Z');
    clock.set(now.toISOString());
    const failures = [1, 2, 3, 4, 5].map((s) => new Date(now.getTime() - 10_000 + s * 1000));
    const lifts: Array<[string, Date, string]> = [];
    const ob = outbox();
    const access = {
      codeDoors: async () => doors.map((d) => ({ door: d.door, link: { active: d.linkActive ?? true, validFrom: code().validFrom, validUntil: code().validUntil } })),
      keypadDoor: async (doorId: string) => {
        const d = doors.find((x) => x.door.id === doorId)!;
        return { ...d.door, timezone: HUB.timezone, failures: d.waiting ? failures : [] };
      },
      liftLockout: async (id: string, at: Date, codeId: string) => void lifts.push([id, at, codeId]),
    };
    const svc = createKeypadService({ access: access as never, venues: { getHub: async () => HUB as never }, outbox: ob, cipher, clock });
    return { svc, lifts, ob, now };
  }

  it('offers only active keypad doors, linked and waiting, for a code live now', async () => {
    const l = lifting([
      { door: door({ id: 'd-wait', name: 'Garden door' }), waiting: true },
      { door: door({ id: 'd-calm', name: 'Front door' }), waiting: false },
      { door: door({ id: 'd-off', active: false }), waiting: true },
      { door: door({ id: 'd-seam', provider: 'seam' }), waiting: true },
      { door: door({ id: 'd-unlinked' }), linkActive: false, waiting: true },
    ]);
    expect((await l.svc.liftableDoors(code())).map((d) => d.id)).toEqual(['d-wait']);
    expect(await l.svc.liftableDoors(code({ status: 'revoked' }))).toEqual([]);
    expect(await l.svc.liftableDoors(code({ validFrom: new Date('2026-03-03T11:00:00Z') }))).toEqual([]);
    expect(await l.svc.liftableDoors(code({ validUntil: l.now }))).toEqual([]);
  });

  it('records the lift with the code, alerts staff naming who lifted it, and a lifted door is not offered again', async () => {
    const d = door({ id: 'd-wait', name: 'Garden door' });
    const l = lifting([{ door: d, waiting: true }]);
    await l.svc.liftFor(code(), [d]);
    expect(l.lifts).toEqual([['d-wait', l.now, 'code-1']]);
    expect(l.ob.alerts).toEqual([expect.objectContaining({ hubId: HUB.id, body: expect.stringContaining('Garden door was waiting after wrong codes; the booking in progress (10:00-12:00) lifted the wait at 10:30 by texting OPEN') })]);
    const lifted = { ...d, lockoutLiftedAt: l.now };
    const again = lifting([{ door: lifted, waiting: true }]);
    expect(await again.svc.liftableDoors(code())).toEqual([]);
    await again.svc.liftFor(code({ kind: 'shift', bookingId: null }), [d]);
    expect(again.ob.alerts[0].body).toContain('a volunteer on shift lifted the wait');
  });
});

describe('knownCodeResult', () => {
  const until = new Date('2026-03-03T12:00:00Z');
  const before = new Date('2026-03-03T09:00:00Z');
  const after = new Date('2026-03-03T12:00:00Z');
  const m = (status: 'active' | 'replaced' | 'revoked' | 'expired', active = true) => ({ code: { status }, link: { active, validUntil: until } });
  it.each([
    ['active', true, before, 'outside_window'],
    ['active', true, after, 'expired'],
    ['expired', true, after, 'expired'],
    ['expired', false, after, 'expired'],
    ['revoked', false, before, 'revoked'],
    ['revoked', false, after, 'revoked'],
    ['replaced', false, before, 'revoked'],
    ['active', false, before, 'revoked'],
  ] as const)('a %s code (door link active: %s) at %s is %s', (status, active, now, result) => {
    expect(knownCodeResult(m(status, active), now)).toBe(result);
  });
});

describe('doors service', () => {
  const inserted: unknown[] = [];
  const access = {
    insertDoor: async (values: Record<string, unknown>) => {
      inserted.push(values);
      return door({ ...values, id: 'door-9' } as never);
    },
    getDoor: async () => undefined,
    updateDoor: async () => door(),
    roomIdsByDoor: async () => new Map<string, string[]>(),
    listDoors: async () => [],
  };
  const venues = { getHub: async (id: string) => (id === HUB.id ? (HUB as never) : undefined), listRooms: async () => [{ id: 'room-1' }] as never };
  const staff = actor({ staffHubs: new Set([HUB.id]) });

  it('creates a keypad door with a device key shown once, stored only as a hash', async () => {
    const svc = createDoorsService({ db, access: access as never, venues: venues as never, clock });
    const out = await svc.createDoor(staff, HUB.id, { name: 'Side', provider: 'keypad', roomIds: ['room-1'] });
    expect(out.deviceKey).toEqual(expect.any(String));
    expect(JSON.stringify(inserted)).not.toContain(out.deviceKey);
  });

  it('refuses a caller who is not staff, a foreign room, and a seam door without a lock provider', async () => {
    const svc = createDoorsService({ db, access: access as never, venues: venues as never, clock });
    await expect(svc.createDoor(actor(), HUB.id, { name: 'X', provider: 'keypad', roomIds: [] })).rejects.toMatchObject({ kind: 'forbidden' });
    await expect(svc.createDoor(staff, HUB.id, { name: 'X', provider: 'keypad', roomIds: ['room-2'] })).rejects.toMatchObject({ code: 'room_not_in_hub' });
    await expect(svc.createDoor(staff, HUB.id, { name: 'X', provider: 'seam', providerDeviceId: 'd', roomIds: [] })).rejects.toBeInstanceOf(DomainError);
  });
});
