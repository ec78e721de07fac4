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
