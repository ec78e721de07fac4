import { eq } from 'drizzle-orm';
import { twilioSignature } from '../../src/adapters/sms/sms';
import { doors, outbox, users } from '../../src/db/schema';
import { TEXT_LIMITS } from '../../src/modules/notifications/outbox.service';
import { HELP_TEXT } from '../../src/modules/notifications/texts';
import { toZonedIso } from '../../src/lib/time';
import { startFakeTwilio, type FakeTwilio } from '../fakes/fake-twilio';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeOrg, makeWorld } from '../helpers/factories';

/**
 * A stranger who keeps typing wrong codes cannot keep a booked group out: the group texts OPEN
 * (signed Twilio webhook) from the phone its code was sent to, and the door checks codes again for
 * two minutes, until the first wrong code. Guessers gain nothing: no wrong code is forgotten, a
 * phone with no live code at a waiting door gets the same help reply as anyone, and the reply (which
 * carries the lift) is a limited text.
 */
let fake: FakeTwilio;
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let orgId: string;
const STAFF_PHONE = '+447700900711';
const TWILIO_NUMBER = '+447700900000';

beforeAll(async () => {
  fake = await startFakeTwilio();
  t = await createTestApp({
    env: { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: fake.accountSid, TWILIO_AUTH_TOKEN: fake.authToken, TWILIO_FROM: TWILIO_NUMBER, TWILIO_API_BASE: fake.url },
  });
  w = await makeWorld(t);
  orgId = (await makeOrg(t, [w.hirer.id], { paysByInvoice: true })).id;
  await t.container.database.db.update(users).set({ phone: STAFF_PHONE }).where(eq(users.id, w.staff.id));
}, 60_000);
afterAll(async () => {
  await t.close();
  await fake.close();
});

let phoneSeq = 400;
const nextPhone = () => `+4477009${String(phoneSeq++).padStart(5, '0')}`;
let sid = 0;

const sign = (params: Record<string, string>) => twilioSignature({ authToken: fake.authToken, url: 'http://hubkey.test/webhooks/sms', params });
/** A text to Hubkey's number, signed as Twilio signs it. */
const text = async (from: string, body: string) => {
  const params = { From: from, To: TWILIO_NUMBER, Body: body, MessageSid: `SM${++sid}` };
  const res = await t.http.post('/webhooks/sms').type('form').set('X-Twilio-Signature', sign(params)).send(new URLSearchParams(params).toString());
  expect(res.status).toBe(200);
  expect(res.text).toContain('<Response></Response>');
};

async function newKeypad(name: string, roomIds: string[]) {
  const res = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name, provider: 'keypad', roomIds });
  expect(res.status).toBe(201);
  return res.body as { id: string; deviceKey: string };
}

async function book(startsAt: string, endsAt: string, roomId: string) {
  const contactPhone = nextPhone();
  const res = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId, organisationId: orgId, startsAt, endsAt, title: 'Choir', attendees: 4, contactPhone });
  expect(res.status).toBe(201);
  expect(res.body.status).toBe('confirmed');
  return { id: res.body.id as string, phone: contactPhone };
}

const messagesTo = (to: string) => t.container.services.outbox.list({ to });
const lastCode = async (phone: string) => {
  const msgs = (await messagesTo(phone)).filter((m) => m.accessCodeId);
  return /: (\d{4,12})\. Works/.exec((await t.container.services.outbox.render(msgs[msgs.length - 1])) ?? '')![1];
};
const lastText = async (phone: string) => (await messagesTo(phone)).at(-1)!;
const verify = (door: { id: string; deviceKey: string }, code: string) => t.http.post(`/doors/${door.id}/verify`).set('X-Device-Key', door.deviceKey).send({ code });
const at = (iso: string) => toZonedIso(new Date(iso), 'Europe/London');
const wrongFor = (code: string) => (code === '000001' ? '000002' : '000001');
const liftAlerts = async (doorName: string) => (await messagesTo(STAFF_PHONE)).filter((m) => m.kind === 'staff_alert' && m.body.includes(doorName) && /OPEN/.test(m.body));
const doorRow = async (id: string) => (await t.container.database.db.select().from(doors).where(eq(doors.id, id)))[0];

/** A stranger enters `n` wrong codes, each as soon as the door listens again; returns the last answer. */
async function jam(door: { id: string; deviceKey: string }, wrong: string, n: number) {
  let res = await verify(door, wrong);
  for (let i = 1; i < n; i++) {
    if (res.body.retryAfter) t.clock.set(new Date(res.body.retryAfter).toISOString());
    res = await verify(door, wrong);
    expect(res.body.reason).toBe('unknown_code');
  }
  return res;
}

describe('OPEN from a booked group in progress lifts a wrong-code wait', () => {
  it('lets the group in with its code while a stranger keeps the door waiting, and tells staff who lifted it', async () => {
    const door = await newKeypad('Garden door', [w.smallRoom.id]);
    t.clock.set('2026-05-04T09:00:00Z');
    const b = await book('2026-05-04T10:00:00Z', '2026-05-04T12:00:00Z', w.smallRoom.id);
    const code = await lastCode(b.phone);
    const codeId = (await lastText(b.phone)).accessCodeId!;
    t.clock.set('2026-05-04T10:00:00Z');

    // A stranger has entered 21 wrong codes: the door now waits 10 minutes.
    const jammed = await jam(door, wrongFor(code), 21);
    expect(jammed.body).toEqual({ granted: false, reason: 'unknown_code', retryAfter: expect.any(String) });
    const waitUntil = jammed.body.retryAfter as string;
    expect(new Date(waitUntil).getTime() - t.clock.now().getTime()).toBe(600_000);
    t.clock.advance(5_000);
    expect((await verify(door, code)).body).toEqual({ granted: false, reason: 'locked_out', retryAfter: waitUntil });

    // The group texts OPEN from the phone its code went to.
    const repliesBefore = (await messagesTo(b.phone)).length;
    const openedAt = t.clock.now();
    await text(b.phone, ' open ');
    const reply = await lastText(b.phone);
    expect((await messagesTo(b.phone)).length).toBe(repliesBefore + 1);
    expect(reply).toMatchObject({ kind: 'door_open', bookingId: b.id, status: 'pending' });
    expect(reply.body).toBe('Hubkey: Garden door: enter your door code now (within 2 min). A wrong code makes the door wait again.');
    // The reply goes through Twilio like any text.
    await t.container.services.outbox.sendDue();
    expect(fake.messages.filter((m) => m.to === b.phone).at(-1)!.body).toBe(reply.body);

    // Its code opens the door, and so does the next member's within the grace.
    t.clock.advance(20_000);
    expect((await verify(door, code)).body).toEqual({ granted: true, reason: 'granted' });
    t.clock.advance(20_000);
    expect((await verify(door, code)).body).toEqual({ granted: true, reason: 'granted' });

    // Recorded on the door (the code whose phone lifted it) and told to staff, once.
    expect(await doorRow(door.id)).toMatchObject({ lockoutLiftedAt: openedAt, lockoutLiftedBy: codeId });
    const alerts = await liftAlerts('Garden door');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].body).toMatch(/^Hubkey: Garden door was waiting after wrong codes; the booking in progress \(11:00-13:00\) lifted the wait at \d\d:\d\d by texting OPEN from its phone\./);

    // The lift forgot no wrong code: the stranger's next wrong code (the 22nd) waits 20 minutes.
    const next = await verify(door, wrongFor(code));
    expect(next.body.reason).toBe('unknown_code');
    expect(new Date(next.body.retryAfter).getTime() - t.clock.now().getTime()).toBe(1_200_000);
    // And the door checks nothing again, the group's code included.
    t.clock.advance(1_000);
    expect((await verify(door, code)).body).toEqual({ granted: false, reason: 'locked_out', retryAfter: next.body.retryAfter });
  });

  it('starts the waits again at the first wrong code after a lift, and the grace ends after two minutes', async () => {
    const door = await newKeypad('Side door', [w.smallRoom.id]);
    t.clock.set('2026-05-06T09:00:00Z');
    const b = await book('2026-05-06T10:00:00Z', '2026-05-06T12:00:00Z', w.smallRoom.id);
    const code = await lastCode(b.phone);
    const wrong = wrongFor(code);
    t.clock.set('2026-05-06T10:00:00Z');
    await jam(door, wrong, 9); // waits 5 minutes now

    t.clock.advance(1_000);
    await text(b.phone, 'OPEN');
    expect((await lastText(b.phone)).kind).toBe('door_open');
    // A stranger gets in first with a wrong code: it is checked, counted (the 10th), and the door waits again, longer than before.
    t.clock.advance(10_000);
    const wrongAfterLift = await verify(door, wrong);
    expect(wrongAfterLift.body).toEqual({ granted: false, reason: 'unknown_code', retryAfter: at(new Date(t.clock.now().getTime() + 300_000).toISOString()) });
    expect((await verify(door, wrong)).body.reason).toBe('locked_out');
    expect((await verify(door, code)).body.reason).toBe('locked_out');

    // The group texts again (a new minute): lifted again, and this time the grace runs out unused.
    t.clock.advance(60_000);
    await text(b.phone, 'OPEN');
    expect((await messagesTo(b.phone)).filter((m) => m.kind === 'door_open')).toHaveLength(2);
    t.clock.advance(120_000);
    expect((await verify(door, code)).body.reason).toBe('locked_out');
    expect(await liftAlerts('Side door')).toHaveLength(2);
  });

  it('answers a phone with no live code at a waiting door with the same help as anyone, and lifts nothing', async () => {
    const door = await newKeypad('Hall door', [w.room.id]);
    const otherDoor = await newKeypad('Annexe door', [w.smallRoom.id]);
    t.clock.set('2026-05-08T09:00:00Z');
    const group = await book('2026-05-08T10:00:00Z', '2026-05-08T12:00:00Z', w.room.id);
    // A booking in another room (its code works on another door), and one later that day (its code is not live yet).
    const elsewhere = await book('2026-05-08T10:00:00Z', '2026-05-08T12:00:00Z', w.smallRoom.id);
    const later = await book('2026-05-08T15:00:00Z', '2026-05-08T16:00:00Z', w.room.id);
    const code = await lastCode(group.phone);
    t.clock.set('2026-05-08T10:00:00Z');
    const jammed = await jam(door, wrongFor(code), 9);
    const waitUntil = jammed.body.retryAfter as string;

    const stranger = nextPhone();
    const before = (await t.container.database.db.select().from(outbox)).length;
    for (const phone of [stranger, elsewhere.phone, later.phone]) {
      await text(phone, 'OPEN');
      const msgs = await messagesTo(phone);
      // Everything but its own code text: the one help reply, naming no door.
      expect(msgs.filter((m) => !m.accessCodeId).map((m) => [m.kind, m.body])).toEqual([['reply', HELP_TEXT]]);
    }
    // Three help replies, no staff alert, no lift.
    expect((await t.container.database.db.select().from(outbox)).length).toBe(before + 3);
    expect((await doorRow(door.id)).lockoutLiftedAt).toBeNull();
    t.clock.advance(1_000);
    expect((await verify(door, code)).body).toEqual({ granted: false, reason: 'locked_out', retryAfter: waitUntil });

    // OPEN when the phone's door is not waiting: the same help, nothing lifted.
    t.clock.advance(60_000);
    await text(elsewhere.phone, 'OPEN');
    expect((await lastText(elsewhere.phone)).body).toBe(HELP_TEXT);
    expect((await doorRow(otherDoor.id)).lockoutLiftedAt).toBeNull();
    // The group itself, after its window: the same help.
    t.clock.set('2026-05-08T12:30:00Z');
    await text(group.phone, 'OPEN');
    expect((await lastText(group.phone)).body).toBe(HELP_TEXT);
    expect((await doorRow(door.id)).lockoutLiftedAt).toBeNull();
  });

  it('refuses an unsigned or wrongly signed OPEN and lifts nothing', async () => {
    const door = await newKeypad('Back door', [w.smallRoom.id]);
    t.clock.set('2026-05-12T09:00:00Z');
    const b = await book('2026-05-12T10:00:00Z', '2026-05-12T12:00:00Z', w.smallRoom.id);
    const code = await lastCode(b.phone);
    t.clock.set('2026-05-12T10:00:00Z');
    await jam(door, wrongFor(code), 9);
    const before = (await t.container.database.db.select().from(outbox)).length;

    const params = { From: b.phone, To: TWILIO_NUMBER, Body: 'OPEN', MessageSid: 'SMforged' };
    expectProblem(await t.http.post('/webhooks/sms').type('form').send(new URLSearchParams(params).toString()), 403, 'invalid_signature');
    expectProblem(await t.http.post('/webhooks/sms').type('form').set('X-Twilio-Signature', 'bm90IGEgc2lnbmF0dXJl').send(new URLSearchParams(params).toString()), 403, 'invalid_signature');
    // Signed for another sender, sent as the group's phone.
    const forged = { ...params, From: nextPhone() };
    expectProblem(await t.http.post('/webhooks/sms').type('form').set('X-Twilio-Signature', sign(forged)).send(new URLSearchParams(params).toString()), 403, 'invalid_signature');

    expect((await t.container.database.db.select().from(outbox)).length).toBe(before);
    expect((await doorRow(door.id)).lockoutLiftedAt).toBeNull();
    expect((await verify(door, code)).body.reason).toBe('locked_out');
  });

  it('lifts once a minute at most, and not at all past the texting limits (the reply carries the lift)', async () => {
    const door = await newKeypad('Porch door', [w.smallRoom.id]);
    t.clock.set('2026-05-14T09:00:00Z');
    const b = await book('2026-05-14T10:00:00Z', '2026-05-14T12:00:00Z', w.smallRoom.id);
    const code = await lastCode(b.phone);
    const wrong = wrongFor(code);
    t.clock.set('2026-05-14T10:00:00Z');
    await jam(door, wrong, 9);
    t.clock.advance(1_000);

    // Twice in the same minute: one lift, one reply (the second gets the help reply).
    await text(b.phone, 'OPEN');
    await text(b.phone, 'OPEN');
    expect((await messagesTo(b.phone)).filter((m) => m.kind === 'door_open')).toHaveLength(1);
    expect((await messagesTo(b.phone)).filter((m) => m.kind === 'reply').map((m) => m.body)).toEqual([HELP_TEXT]);

    // Each lift spent by a stranger's wrong code; the group texts again a minute later.
    for (let n = 1; n < TEXT_LIMITS.perBooking; n++) {
      t.clock.advance(1_000);
      expect((await verify(door, wrong)).body.reason).toBe('unknown_code');
      t.clock.advance(60_000);
      await text(b.phone, 'OPEN');
    }
    expect((await messagesTo(b.phone)).filter((m) => m.kind === 'door_open')).toHaveLength(TEXT_LIMITS.perBooking);
    // Past five texts a day about the booking, OPEN lifts nothing (and gets the help reply).
    t.clock.advance(1_000);
    expect((await verify(door, wrong)).body.reason).toBe('unknown_code');
    t.clock.advance(60_000);
    await text(b.phone, 'OPEN');
    expect((await messagesTo(b.phone)).filter((m) => m.kind === 'door_open')).toHaveLength(TEXT_LIMITS.perBooking);
    expect((await messagesTo(b.phone)).filter((m) => m.kind === 'reply')).toHaveLength(2);
    const liftedAt = (await doorRow(door.id)).lockoutLiftedAt!;
    expect(liftedAt.getTime()).toBeLessThan(t.clock.now().getTime());
    expect((await verify(door, code)).body.reason).toBe('locked_out');
    // Staff can still clear it.
    expect((await t.http.post(`/doors/${door.id}/lockout/clear`).set(w.staff.auth)).status).toBe(200);
    expect((await verify(door, code)).body).toEqual({ granted: true, reason: 'granted' });
  });
});
