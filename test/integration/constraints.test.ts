import { createTestApp, type TestApp } from '../helpers/app';
import { makeWorld } from '../helpers/factories';

// Repositories name the constraint a statement broke: a code clash on a door is never reported as a booking clash.
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
});
afterAll(() => t.close());

describe('constraint violations become the domain error that names them', () => {
  it('two live codes with the same digits on one door at once: door_code_clash', async () => {
    const { access } = t.container.repos;
    const door = await access.insertDoor({ hubId: w.hub.id, name: 'Clash door', provider: 'keypad', createdAt: new Date() }, [w.room.id]);
    const window = { validFrom: new Date('2026-03-03T09:00:00Z'), validUntil: new Date('2026-03-03T12:00:00Z') };
    const code = (n: number) => ({ hubId: w.hub.id, kind: 'shift' as const, shiftRef: `s${n}`, codeCipher: `x${n}`, codeLength: 6, phone: null, createdAt: new Date(), ...window });
    const link = { doorId: door.id, codeHash: 'same-hash', lockState: 'none' as const, ...window };
    await access.insertCode(code(1), [link]);
    await expect(t.container.database.db.transaction((tx) => access.insertCode(code(2), [link], tx))).rejects.toMatchObject({ kind: 'conflict', code: 'door_code_clash' });
  });

  it('a booking written over another in the same room: booking_conflict', async () => {
    const { bookings } = t.container.repos;
    const row = {
      roomId: w.room.id,
      hubId: w.hub.id,
      organisationId: w.org.id,
      createdBy: w.hirer.id,
      title: 'Raw',
      attendees: 2,
      startsAt: new Date('2026-05-05T10:00:00Z'),
      endsAt: new Date('2026-05-05T11:00:00Z'),
      blockedUntil: new Date('2026-05-05T11:00:00Z'),
      status: 'confirmed' as const,
    };
    await bookings.insert(row);
    await expect(bookings.insert(row)).rejects.toMatchObject({ kind: 'conflict', code: 'booking_conflict' });
  });
});
