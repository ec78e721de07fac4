import { eq } from 'drizzle-orm';
import { twilioSignature } from '../../src/adapters/sms/sms';
import { outbox, users } from '../../src/db/schema';
import { startFakeTwilio, type FakeTwilio } from '../fakes/fake-twilio';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeOrg, makeWorld } from '../helpers/factories';

let fake: FakeTwilio;
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let orgId: string;

beforeAll(async () => {
  fake = await startFakeTwilio();
  t = await createTestApp({
    env: { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: fake.accountSid, TWILIO_AUTH_TOKEN: fake.authToken, TWILIO_FROM: '+447700900000', TWILIO_API_BASE: fake.url },
  });
  w = await makeWorld(t);
  orgId = (await makeOrg(t, [w.hirer.id], { paysByInvoice: true })).id;
  await t.container.database.db.update(users).set({ phone: '+447700900501' }).where(eq(users.id, w.staff.id));
  await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Front door', provider: 'keypad', roomIds: [w.room.id] }).expect(201);
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const send = () => t.container.services.outbox.sendDue();
const sign = (params: Record<string, string>) => twilioSignature({ authToken: fake.authToken, url: 'http://hubkey.test/webhooks/sms', params });
const inbound = (params: Record<string, string>, signature = sign(params)) =>
  t.http.post('/webhooks/sms').type('form').set('X-Twilio-Signature', signature).send(new URLSearchParams(params).toString());

describe('outbox over Twilio', () => {
  it('sends a code text through the Twilio API once and records its sid and status', async () => {
    t.clock.set('2026-03-02T09:00:00Z');
    const res = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: w.room.id, organisationId: orgId, startsAt: '2026-03-02T14:00:00Z', endsAt: '2026-03-02T15:00:00Z', title: 'x', attendees: 3, contactPhone: '+447700900921' });
    expect(res.status).toBe(201);
    expect(await send()).toBe(1);
    expect(await send()).toBe(0);
    const got = fake.messages.filter((m) => m.to === '+447700900921');
    expect(got).toHaveLength(1);
    expect(got[0].from).toBe('+447700900000');
    expect(got[0].body).toMatch(/Door code for Hall, .*: \d{6}\. Works Mon 2 Mar 13:45 to 15:15 on: Front door\./);
    const [row] = await t.container.database.db.select().from(outbox).where(eq(outbox.to, '+447700900921'));
    expect(row).toMatchObject({ status: 'sent', providerId: got[0].sid, providerStatus: 'queued', attempts: 1 });
  });

  it('retries a transient failure with backoff, and gives up on a permanent one', async () => {
    t.clock.set('2026-03-03T09:00:00Z');
    const ok = await t.container.services.outbox.enqueue({ kind: 'test', to: '+447700900922', body: 'hello' });
    fake.failWith(503, 1);
    expect(await send()).toBe(0);
    let row = await t.container.services.outbox.get(ok!.id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row!.nextAttemptAt.getTime()).toBe(new Date('2026-03-03T09:00:30Z').getTime());
    expect(row!.lastError).toMatch(/503/);
    expect(await send()).toBe(0); // not due yet
    t.clock.advance(30_000);
    expect(await send()).toBe(1);
    row = await t.container.services.outbox.get(ok!.id);
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    expect(fake.messages.filter((m) => m.to === '+447700900922')).toHaveLength(1);

    const bad = await t.container.services.outbox.enqueue({ kind: 'test', to: '+0', body: 'hello' });
    await send();
    expect(await t.container.services.outbox.get(bad!.id)).toMatchObject({ status: 'failed', attempts: 1 });
  });
});

describe('POST /webhooks/sms', () => {
  it('answers CODE from the contact inside the window with the code, by the outbox', async () => {
    t.clock.set('2026-03-04T09:00:00Z');
    const phone = '+447700900923';
    await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: w.room.id, organisationId: orgId, startsAt: '2026-03-04T14:00:00Z', endsAt: '2026-03-04T15:00:00Z', title: 'x', attendees: 3, contactPhone: phone }).expect(201);
    await send();
    const first = fake.messages.filter((m) => m.to === phone);
    const code = /: (\d{6})\./.exec(first[0].body)![1];

    // Before the window: a help reply, not the code.
    t.clock.set('2026-03-04T10:00:00Z');
    let res = await inbound({ From: phone, To: '+447700900000', Body: 'code', MessageSid: 'SM1' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/xml/);
    expect(res.text).toContain('<Response>');
    await send();
    expect(fake.messages.filter((m) => m.to === phone).at(-1)!.body).toMatch(/text CODE during your booking/);

    t.clock.set('2026-03-04T13:50:00Z');
    res = await inbound({ From: phone, To: '+447700900000', Body: ' CODE ', MessageSid: 'SM2' });
    expect(res.status).toBe(200);
    await send();
    expect(fake.messages.filter((m) => m.to === phone).at(-1)!.body).toContain(code);

    // Anything else: help.
    t.clock.advance(60_000);
    await inbound({ From: phone, To: '+447700900000', Body: 'hello?', MessageSid: 'SM3' }).expect(200);
    await send();
    expect(fake.messages.filter((m) => m.to === phone).at(-1)!.body).not.toContain(code);
    // From another phone: never the code.
    await inbound({ From: '+447700900929', To: '+447700900000', Body: 'CODE', MessageSid: 'SM4' }).expect(200);
    await send();
    expect(fake.messages.filter((m) => m.to === '+447700900929').map((m) => m.body).join()).not.toContain(code);
  });

  it('refuses an unsigned or wrongly signed request and queues nothing', async () => {
    const before = (await t.container.database.db.select().from(outbox)).length;
    const params = { From: '+447700900923', To: '+447700900000', Body: 'CODE' };
    expectProblem(await inbound(params, 'bm90IGEgc2lnbmF0dXJl'), 403, 'invalid_signature');
    expectProblem(await t.http.post('/webhooks/sms').type('form').send(new URLSearchParams(params).toString()), 403, 'invalid_signature');
    expectProblem(await inbound({ ...params, Body: 'CODE!' }, sign(params)), 403, 'invalid_signature');
    expect((await t.container.database.db.select().from(outbox)).length).toBe(before);
  });
});

describe('door codes in the outbox and their delivery', () => {
  const statusUrl = 'http://hubkey.test/webhooks/sms/status';
  const report = (params: Record<string, string>, signature = twilioSignature({ authToken: fake.authToken, url: statusUrl, params })) =>
    t.http.post('/webhooks/sms/status').type('form').set('X-Twilio-Signature', signature).send(new URLSearchParams(params).toString());
  const access = async (bookingId: string) => (await t.http.get(`/bookings/${bookingId}/access`).set(w.staff.auth)).body;
  const staffAlerts = async () => (await t.container.services.outbox.list({ to: '+447700900501', kind: 'staff_alert' })).filter((m) => /texts to hirers/.test(m.body));
  const bookFor = async (phone: string, day: string) => {
    const res = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: w.room.id, organisationId: orgId, startsAt: `${day}T14:00:00Z`, endsAt: `${day}T15:00:00Z`, title: 'x', attendees: 3, contactPhone: phone });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('keeps no code readable in the outbox: first text, resend and inbound CODE reply are rendered only when sent', async () => {
    t.clock.set('2026-03-10T09:00:00Z');
    const phone = '+447400922010';
    const id = await bookFor(phone, '2026-03-10');
    await send();
    const code = /: (\d{6})\./.exec(fake.messages.filter((m) => m.to === phone)[0].body)![1];
    t.clock.advance(2 * 60_000);
    expect((await t.http.post(`/bookings/${id}/access/resend`).set(w.hirer.auth)).status).toBe(202);
    t.clock.set('2026-03-10T13:50:00Z'); // inside the code's window: CODE gets it again
    await inbound({ From: phone, To: '+447700900000', Body: 'CODE', MessageSid: 'SM10' }).expect(200);
    // Read the table itself, before and after sending.
    const queued = await t.container.database.db.select().from(outbox).where(eq(outbox.to, phone));
    expect(queued.map((r) => r.kind).sort()).toEqual(['access_code', 'access_code_resend', 'access_code_resend']);
    await send();
    const rows = await t.container.database.db.select().from(outbox).where(eq(outbox.to, phone));
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    for (const r of [...queued, ...rows]) {
      expect(r.body).not.toContain(code);
      expect(r.body).toContain('{{code}}');
      expect(r.accessCodeId).toEqual(expect.any(String));
    }
    // What reached the phone carried the digits, three times.
    expect(fake.messages.filter((m) => m.to === phone && m.body.includes(code))).toHaveLength(3);
    expect(fake.messages.find((m) => m.to === phone)!.statusCallback).toBe(statusUrl);
  });

  it('shows a code accepted, then delivered or undelivered from signed StatusCallback reports; staff hear once per cause', async () => {
    t.clock.set('2026-03-11T09:00:00Z');
    const a = await bookFor('+447400922011', '2026-03-11');
    expect(await access(a)).toMatchObject({ status: 'active', sentAt: null, deliveryStatus: 'queued' });
    await send();
    const sidA = fake.messages.find((m) => m.to === '+447400922011')!.sid;
    expect(await access(a)).toMatchObject({ sentAt: '2026-03-11T09:00:00+00:00', deliveryStatus: 'accepted', deliveryError: null });
    expect((await report({ MessageSid: sidA, MessageStatus: 'delivered' })).status).toBe(204);
    expect(await access(a)).toMatchObject({ deliveryStatus: 'delivered' });

    // Two texts that never arrive for the same reason: both codes show it, staff are told once.
    t.clock.set('2026-03-12T09:00:00Z');
    const b = await bookFor('+447400922012', '2026-03-12');
    const c = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: w.room.id, organisationId: orgId, startsAt: '2026-03-12T15:30:00Z', endsAt: '2026-03-12T16:00:00Z', title: 'y', attendees: 3, contactPhone: '+447400922013' });
    expect(c.status).toBe(201);
    await t.container.services.accessCodes.issueDue();
    await send();
    for (const to of ['+447400922012', '+447400922013']) {
      const sid = fake.messages.find((m) => m.to === to)!.sid;
      expect((await report({ MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '30003' })).status).toBe(204);
    }
    expect(await access(b)).toMatchObject({ deliveryStatus: 'undelivered', deliveryError: 'undelivered (error 30003)' });
    expect(await access(c.body.id)).toMatchObject({ deliveryStatus: 'undelivered' });
    expect(await staffAlerts()).toHaveLength(1);

    // Unsigned or wrongly signed reports change nothing.
    expectProblem(await report({ MessageSid: sidA, MessageStatus: 'undelivered' }, 'bm90IGEgc2lnbmF0dXJl'), 403, 'invalid_signature');
    expect(await access(a)).toMatchObject({ deliveryStatus: 'delivered' });
    expectProblem(await report({ MessageSid: sidA }), 400, 'validation_failed');
  });

  it('a code text Twilio refuses for good is marked failed on the booking\'s access, and staff are alerted once per cause', async () => {
    t.clock.set('2026-03-13T09:00:00Z');
    await send(); // what earlier tests left queued goes first, so the failures below are these texts'
    const ids = [await bookFor('+447400922014', '2026-03-13')];
    const d = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: w.room.id, organisationId: orgId, startsAt: '2026-03-13T15:30:00Z', endsAt: '2026-03-13T16:00:00Z', title: 'y', attendees: 3, contactPhone: '+447400922015' });
    ids.push(d.body.id);
    await t.container.services.accessCodes.issueDue();
    const before = (await staffAlerts()).length;
    fake.failWith(400, 2); // Twilio 20001: permanent, for both texts
    await send();
    for (const id of ids) expect(await access(id)).toMatchObject({ sentAt: null, deliveryStatus: 'failed', deliveryError: expect.stringMatching(/Twilio 400/) });
    expect((await staffAlerts()).length - before).toBe(1);
  });
});
