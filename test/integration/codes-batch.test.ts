import { and, eq, inArray } from 'drizzle-orm';
import type { SmsMessage } from '../../src/adapters/sms/sms';
import { accessCodeDoors, accessCodes, doors, outbox } from '../../src/db/schema';
import { createCodeCipher } from '../../src/lib/crypto';
import { createCodeMessages } from '../../src/modules/access/access.messages';
import { createCodePicker } from '../../src/modules/access/code-picker';
import { createCodesService } from '../../src/modules/access/codes.service';
import { createTestApp, testConfig, type TestApp } from '../helpers/app';
import { makeOrg, makeRoom, makeWorld } from '../helpers/factories';

/**
 * The issue job works in batches (one transaction, a handful of statements for many codes): each
 * batch must keep what issuing one code at a time promised.
 */

// The code generator's digits: each new code of the first batch first tries the codes picked
// before it (all on one shared door at the same time), so only a batch that counts its own picks
// ends up with four different codes. After the list, a cycle of other digits.
const A = '135792';
const B = '246813';
const C = '370415';
const D = '481526';
const script = [A, A, B, A, B, C, A, B, C, D].join('');
let drawn = 0;
const random = (n: number) => {
  const i = drawn++;
  if (i < script.length) return Number(script[i]) % n;
  return (i * 7 + 3) % n;
};

const errors: string[] = [];
const sent: SmsMessage[] = [];
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let orgId: string;
const rooms: string[] = [];
let phoneSeq = 100;
const nextPhone = () => `+4477009${String(phoneSeq++).padStart(5, '0')}`;

beforeAll(async () => {
  t = await createTestApp({
    overrides: {
      selfEntry: {
        random,
        onError: (_err, context) => void errors.push(context),
        sms: { send: async (m) => (sent.push(m), { providerId: `SM${sent.length}`, status: 'queued' }) },
      },
    },
  });
  w = await makeWorld(t);
  orgId = (await makeOrg(t, [w.hirer.id], { paysByInvoice: true })).id;
  for (let i = 0; i < 4; i++) rooms.push((await makeRoom(t, w.hub.id, { name: `Batch room ${i + 1}` })).id);
  // Every room behind the front door, each with a door of its own too.
  const front = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Front door', provider: 'keypad', roomIds: rooms });
  expect(front.status).toBe(201);
  for (const [i, roomId] of rooms.entries()) {
    expect((await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: `Door ${i + 1}`, provider: 'keypad', roomIds: [roomId] })).status).toBe(201);
  }
});
afterAll(() => t.close());

async function book(roomId: string, startsAt: string, endsAt: string) {
  const contactPhone = nextPhone();
  const res = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId, organisationId: orgId, startsAt, endsAt, title: 'Batch', attendees: 4, contactPhone });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, phone: contactPhone };
}

const db = () => t.container.database.db;
const codesOf = (ids: string[]) => db().select().from(accessCodes).where(inArray(accessCodes.bookingId, ids));
const textsFor = (ids: string[]) => db().select().from(outbox).where(and(inArray(outbox.bookingId, ids), eq(outbox.kind, 'access_code')));
const cipher = createCodeCipher(testConfig().accessCodeKey);

describe('issuing codes in batches', () => {
  it("picks each code of a batch against the batch's own picks, texts each once, and a second run issues nothing", async () => {
    // Booked days ahead (nothing due yet), then the clock reaches the code lead of all four at once.
    const bs: { id: string; phone: string }[] = [];
    for (const roomId of rooms) bs.push(await book(roomId, '2026-03-06T10:00:00Z', '2026-03-06T12:00:00Z'));
    const ids = bs.map((b) => b.id);
    expect(await codesOf(ids)).toHaveLength(0);
    t.clock.set('2026-03-05T10:00:00Z');
    expect(await t.container.services.accessCodes.issueDue()).toBe(4);
    expect(errors).toEqual([]);

    const codes = await codesOf(ids);
    expect(codes).toHaveLength(4);
    expect(codes.every((c) => c.status === 'active' && c.deliveryStatus === 'queued' && c.queuedAt !== null)).toBe(true);
    expect(codes.map((c) => cipher.decrypt(c.codeCipher)).sort()).toEqual([A, B, C, D]);
    // Two doors each (the front door and the room's), the front door's hashes all different.
    const links = await db().select().from(accessCodeDoors).where(inArray(accessCodeDoors.accessCodeId, codes.map((c) => c.id)));
    expect(links).toHaveLength(8);
    const frontHashes = links.filter((l) => links.filter((m) => m.doorId === l.doorId).length === 4).map((l) => l.codeHash);
    expect(new Set(frontHashes).size).toBe(4);

    // One text per code, queued with the placeholder; rendered at send with that code's digits and the doors named.
    const texts = await textsFor(ids);
    expect(texts).toHaveLength(4);
    for (const m of texts) {
      const c = codes.find((x) => x.id === m.accessCodeId)!;
      expect(m).toMatchObject({ to: bs.find((b) => b.id === c.bookingId)!.phone, dedupeKey: `code:${c.id}`, status: 'pending' });
      // The stored body holds the placeholder, never the digits (the hub's name may hold digits of its own).
      expect(m.body).toContain(': {{code}}. Works ');
      expect(m.body).not.toContain(cipher.decrypt(c.codeCipher));
      const rendered = (await t.container.services.outbox.render(m))!;
      expect(rendered).toContain(`: ${cipher.decrypt(c.codeCipher)}. Works Fri 6 Mar 09:45 to 12:15 on: Door `);
      expect(rendered).toContain(', Front door.');
    }

    expect(await t.container.services.accessCodes.issueDue()).toBe(0);
    expect(await codesOf(ids)).toHaveLength(4);
    expect(await textsFor(ids)).toHaveLength(4);
  });

  it('a booking whose code cannot be picked is reported and left; the rest of the batch is issued, once', async () => {
    // Room 4's own door now takes only 4 digits and the front door only 8: no length fits both.
    const own = (await db().select().from(doors).where(eq(doors.name, 'Door 4')))[0];
    const front = (await db().select().from(doors).where(and(eq(doors.hubId, w.hub.id), eq(doors.name, 'Front door'))))[0];
    await db().update(doors).set({ codeLengths: [4] }).where(eq(doors.id, own.id));
    await db().update(doors).set({ codeLengths: [6, 8] }).where(eq(doors.id, front.id));
    try {
      const bs: { id: string; phone: string }[] = [];
      for (const roomId of rooms) bs.push(await book(roomId, '2026-03-09T10:00:00Z', '2026-03-09T11:00:00Z'));
      t.clock.set('2026-03-08T10:00:00Z');
      errors.length = 0;
      expect(await t.container.services.accessCodes.issueDue()).toBe(3);
      expect(errors).toEqual([`issue code for booking ${bs[3].id}`]);
      expect(await t.container.services.accessCodes.issueDue()).toBe(0);
      const codes = await codesOf(bs.map((b) => b.id));
      expect(codes.map((c) => c.bookingId).sort()).toEqual(bs.slice(0, 3).map((b) => b.id).sort());
      expect(await textsFor(bs.map((b) => b.id))).toHaveLength(3);
    } finally {
      await db().update(doors).set({ codeLengths: null }).where(inArray(doors.id, [own.id, front.id]));
    }
    // Once the doors agree again, the next run issues the one left.
    expect(await t.container.services.accessCodes.issueDue()).toBe(1);
  });

  it('two runs of the job and the booking hook at once issue one code per booking', async () => {
    const bs: { id: string; phone: string }[] = [];
    for (const roomId of rooms) bs.push(await book(roomId, '2026-03-12T10:00:00Z', '2026-03-12T11:00:00Z'));
    t.clock.set('2026-03-11T10:00:00Z');
    const codes = t.container.services.accessCodes;
    const [, , first, third] = await Promise.all([codes.issueDue(), codes.issueDue(), codes.issueForBooking(bs[0].id), codes.issueForBooking(bs[2].id)]);
    for (const r of [first, third]) expect(['issued', 'has_code']).toContain(r.outcome);
    const rows = await codesOf(bs.map((b) => b.id));
    expect(rows.map((c) => c.bookingId).sort()).toEqual(bs.map((b) => b.id).sort());
    expect(await textsFor(bs.map((b) => b.id))).toHaveLength(4);
    expect(await codes.issueDue()).toBe(0);
  });

  it("a batch whose insert fails is undone and its bookings issued one by one", async () => {
    const bs: { id: string; phone: string }[] = [];
    for (const roomId of rooms.slice(0, 3)) bs.push(await book(roomId, '2026-03-15T10:00:00Z', '2026-03-15T11:00:00Z'));
    t.clock.set('2026-03-14T10:00:00Z');
    // The container's codes service again, with an access repository whose batch insert fails once.
    const c = t.container;
    let failures = 0;
    const access = {
      ...c.repos.access,
      insertBookingCodes: async (...args: Parameters<typeof c.repos.access.insertBookingCodes>) => {
        if (failures++ === 0) {
          await c.repos.access.insertBookingCodes(...args); // written, then undone with the batch
          throw new Error('the batch insert failed');
        }
        return c.repos.access.insertBookingCodes(...args);
      },
    };
    const picker = createCodePicker({ access, cipher, random: (n) => Math.floor(Math.random() * n) });
    const reported: string[] = [];
    const service = createCodesService({
      db: c.database.db,
      access,
      bookings: c.repos.bookings,
      venues: c.repos.venues,
      outbox: c.services.outbox,
      cipher,
      picker,
      messages: createCodeMessages({ venues: c.repos.venues, access }),
      lockSync: c.services.lockSync,
      clock: t.clock,
      onError: (_err, context) => void reported.push(context),
    });
    expect(await service.issueDue()).toBe(3);
    expect(reported).toEqual(['issue a batch of 3 codes; issuing them one by one']);
    const rows = await codesOf(bs.map((b) => b.id));
    expect(rows.map((r) => r.bookingId).sort()).toEqual(bs.map((b) => b.id).sort());
    expect(await textsFor(bs.map((b) => b.id))).toHaveLength(3);
    expect(await service.issueDue()).toBe(0);
  });

  it("sends a batch's texts with their own digits; a code revoked before its text went fails that text only", async () => {
    await t.container.services.outbox.sendDue(); // what the tests above queued
    sent.length = 0;
    const bs: { id: string; phone: string }[] = [];
    for (const roomId of rooms.slice(0, 3)) bs.push(await book(roomId, '2026-03-18T10:00:00Z', '2026-03-18T11:00:00Z'));
    t.clock.set('2026-03-17T10:00:00Z');
    expect(await t.container.services.accessCodes.issueDue()).toBe(3);
    const codes = await codesOf(bs.map((b) => b.id));
    const revoked = codes.find((c) => c.bookingId === bs[1].id)!;
    const revoke = await t.http.post(`/access-codes/${revoked.id}/revoke`).set(w.staff.auth).send({ reason: 'lost phone' });
    expect(revoke.status).toBe(200);

    t.clock.set('2026-03-17T10:01:00Z');
    expect(await t.container.services.outbox.sendDue()).toBe(2);
    expect(sent.map((m) => m.to).sort()).toEqual([bs[0].phone, bs[2].phone].sort());
    for (const m of sent) {
      const c = codes.find((x) => x.bookingId === bs.find((b) => b.phone === m.to)!.id)!;
      expect(m.body).toContain(`: ${cipher.decrypt(c.codeCipher)}. Works`);
    }
    const after = await codesOf(bs.map((b) => b.id));
    for (const c of after) {
      if (c.id === revoked.id) expect(c).toMatchObject({ status: 'revoked', sentAt: null });
      else expect(c).toMatchObject({ status: 'active', sentAt: new Date('2026-03-17T10:01:00Z'), deliveryStatus: 'accepted', deliveryError: null });
    }
    const texts = await textsFor(bs.map((b) => b.id));
    expect(texts.find((m) => m.accessCodeId === revoked.id)).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/door code this text carried is gone/) });
  });
});
