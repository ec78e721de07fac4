import { and, eq, inArray } from 'drizzle-orm';
import { PermanentSendError, type SmsMessage } from '../../src/adapters/sms/sms';
import { bookings, invitations, outbox } from '../../src/db/schema';
import { TEXT_LIMITS } from '../../src/modules/notifications/outbox.service';
import { JOBS, runJob } from '../../src/worker/jobs';
import { createTestApp, type TestApp } from '../helpers/app';
import { addRole, expectProblem, makeHub, makeOrg, makeRoom, makeUser, makeWorld } from '../helpers/factories';
import { seedCard } from '../helpers/pricing';

// One text per purpose, true when sent; the staff list of texts; what a caller can make Hubkey text.
// The clock starts Monday 2026-03-02 09:00Z. Hubs remind 48 h and send codes 24 h before the start.

/** The provider refuses this number for good (Twilio's 21211). */
const BAD = '+447700900999';
const sent: SmsMessage[] = [];
const sms = {
  async send(m: SmsMessage) {
    sent.push(m);
    if (m.to === BAD) throw new PermanentSendError('Twilio 400 (21211): The To number is not a valid phone number', 400, 21211);
    return { providerId: `SM${sent.length}`, status: 'queued' };
  },
};

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let orgId: string;
const STAFF_PHONE = '+447700900610';

beforeAll(async () => {
  t = await createTestApp({ overrides: { selfEntry: { sms } } });
  w = await makeWorld(t);
  orgId = (await makeOrg(t, [w.hirer.id], { paysByInvoice: true })).id;
  const d = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Front door', provider: 'keypad', roomIds: [w.room.id] });
  expect(d.status).toBe(201);
}, 60_000);
afterAll(async () => {
  // Leave nothing of ours pending for another file's sender on a shared database.
  await t.container.database.db.update(outbox).set({ status: 'failed', lastError: 'test cleanup' }).where(inArray(outbox.status, ['pending', 'sending']));
  await t.close();
});

let phoneSeq = 200;
const nextPhone = () => `+4477009${String(phoneSeq++).padStart(5, '0')}`;
const job = (name: string) => runJob(t.container, JOBS.find((j) => j.name === name)!);
const textsTo = async (to: string) => (await t.container.services.outbox.list({ to })).map((m) => ({ kind: m.kind, body: m.body }));
const remindedAt = async (id: string) => (await t.container.database.db.select({ at: bookings.remindedAt }).from(bookings).where(eq(bookings.id, id)))[0].at;

async function book(startsAt: string, endsAt: string, opts: { roomId?: string; phone?: string; organisationId?: string; auth?: Record<string, string> } = {}) {
  const contactPhone = opts.phone ?? nextPhone();
  const res = await t.http
    .post('/bookings')
    .set(opts.auth ?? w.hirer.auth)
    .send({ roomId: opts.roomId ?? w.room.id, organisationId: opts.organisationId ?? orgId, startsAt, endsAt, title: 'Choir', attendees: 4, contactPhone });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, phone: contactPhone, body: res.body };
}

describe('one text per purpose', () => {
  it('sends no reminder for a booking made inside the reminder lead', async () => {
    t.clock.set('2026-03-02T09:00:00Z');
    // 25 hours ahead: inside the 48-hour lead, outside the 24-hour code lead; the Snug has no door.
    const b = await book('2026-03-03T10:00:00Z', '2026-03-03T12:00:00Z', { roomId: w.smallRoom.id });
    expect(await remindedAt(b.id)).not.toBeNull();
    await t.container.services.reminders.sendReminders();
    t.clock.set('2026-03-03T09:00:00Z');
    await t.container.services.reminders.sendReminders();
    expect(await textsTo(b.phone)).toEqual([]);
  });

  it('reminds each hub’s bookings at that hub’s own lead, reading only the hubs with a reminder due', async () => {
    const early = await makeHub(t, { settings: { reminderLeadMinutes: 90 } });
    const earlyRoom = await makeRoom(t, early.id, { name: 'Loft' });
    t.clock.set('2026-03-02T09:00:00Z');
    const atDefault = await book('2026-03-09T10:00:00Z', '2026-03-09T11:00:00Z', { roomId: w.smallRoom.id });
    const atEarly = await book('2026-03-09T10:00:00Z', '2026-03-09T11:00:00Z', { roomId: earlyRoom.id });
    const dueHubs = async () => (await t.container.repos.access.hubsWithRemindersDue(t.clock.now(), 48 * 60)).map((h) => h.id);

    // 90 minutes and a second before: the default 48-hour lead has come, the 90-minute one not yet.
    t.clock.set('2026-03-09T08:29:59Z');
    expect(await dueHubs()).toContain(w.hub.id);
    expect(await dueHubs()).not.toContain(early.id);
    await t.container.services.reminders.sendReminders();
    expect((await textsTo(atDefault.phone)).map((m) => m.kind)).toEqual(['reminder']);
    expect(await textsTo(atEarly.phone)).toEqual([]);
    expect(await dueHubs()).not.toContain(w.hub.id);

    t.clock.set('2026-03-09T08:30:00Z');
    expect(await dueHubs()).toContain(early.id);
    await t.container.services.reminders.sendReminders();
    expect(await textsTo(atEarly.phone)).toEqual([{ kind: 'reminder', body: `Reminder: Choir in Loft, ${early.name}, Mon 9 Mar 10:00 to 11:00.` }]);
    expect(await dueHubs()).not.toContain(early.id);
  });

  it('reminds a booking made before the lead once, saying nothing of a code when the room has no door', async () => {
    t.clock.set('2026-03-02T09:00:00Z');
    const b = await book('2026-03-06T10:00:00Z', '2026-03-06T12:00:00Z', { roomId: w.smallRoom.id });
    expect(await remindedAt(b.id)).toBeNull();
    t.clock.set('2026-03-04T09:59:00Z');
    await t.container.services.reminders.sendReminders();
    expect(await textsTo(b.phone)).toEqual([]);
    t.clock.set('2026-03-04T10:00:00Z');
    await t.container.services.reminders.sendReminders();
    await t.container.services.reminders.sendReminders();
    expect(await textsTo(b.phone)).toEqual([{ kind: 'reminder', body: `Reminder: Choir in Snug, ${w.hub.name}, Fri 6 Mar 10:00 to 12:00.` }]);
  });

  it('says when the code will come, which is true: the code text follows at that time', async () => {
    t.clock.set('2026-03-02T09:00:00Z');
    const b = await book('2026-03-09T10:00:00Z', '2026-03-09T12:00:00Z');
    t.clock.set('2026-03-07T10:00:00Z');
    await job('bookings.send-reminders');
    await job('access.issue-due-codes');
    t.clock.set('2026-03-08T10:00:00Z');
    await job('access.issue-due-codes');
    await job('bookings.send-reminders');
    const texts = await textsTo(b.phone);
    expect(texts.map((x) => x.kind)).toEqual(['reminder', 'access_code']);
    expect(texts[0].body).toBe(`Reminder: Choir in Hall, ${w.hub.name}, Mon 9 Mar 10:00 to 12:00. Your door code comes by text Sun 8 Mar 10:00.`);
  });

  it('sends one text when the code and the reminder fall due together: the code text', async () => {
    const hub = await makeHub(t, { settings: { reminderLeadMinutes: 24 * 60, codeLeadMinutes: 24 * 60 } });
    await addRole(t, hub.id, w.staff.id, 'staff');
    const room = await makeRoom(t, hub.id, { name: 'Studio' });
    const d = await t.http.post(`/hubs/${hub.id}/doors`).set(w.staff.auth).send({ name: 'Gate', provider: 'keypad', roomIds: [room.id] });
    expect(d.status).toBe(201);
    t.clock.set('2026-03-02T09:00:00Z');
    const b = await book('2026-03-05T10:00:00Z', '2026-03-05T12:00:00Z', { roomId: room.id });
    t.clock.set('2026-03-04T10:00:00Z');
    // Whichever job runs first, the hirer gets one text.
    await job('bookings.send-reminders');
    await job('access.issue-due-codes');
    await job('bookings.send-reminders');
    const texts = await textsTo(b.phone);
    expect(texts.map((x) => x.kind)).toEqual(['access_code']);
    expect(texts[0].body).toContain(`Door code for Studio, ${hub.name}: {{code}}. Works Thu 5 Mar 09:45 to 12:15 on: Gate.`);
    expect(await remindedAt(b.id)).not.toBeNull();
  });

  it('weighs a moved booking again for its new start; a move inside the lead needs no reminder', async () => {
    t.clock.set('2026-03-02T09:00:00Z');
    const b = await book('2026-03-12T10:00:00Z', '2026-03-12T12:00:00Z', { roomId: w.smallRoom.id });
    t.clock.set('2026-03-10T10:00:00Z');
    await t.container.services.reminders.sendReminders();
    expect(await remindedAt(b.id)).not.toBeNull();
    const moved = await t.http.post(`/bookings/${b.id}/move`).set(w.hirer.auth).send({ startsAt: '2026-03-20T10:00:00Z', endsAt: '2026-03-20T12:00:00Z' });
    expect(moved.status).toBe(200);
    expect(await remindedAt(b.id)).toBeNull();
    t.clock.set('2026-03-18T10:00:00Z');
    await t.container.services.reminders.sendReminders();
    expect((await textsTo(b.phone)).map((x) => x.body)).toEqual([
      `Reminder: Choir in Snug, ${w.hub.name}, Thu 12 Mar 10:00 to 12:00.`,
      `Reminder: Choir in Snug, ${w.hub.name}, Fri 20 Mar 10:00 to 12:00.`,
    ]);
    // Moved again, inside the lead: the hirer just did it, so no third reminder.
    t.clock.set('2026-03-18T11:00:00Z');
    expect((await t.http.post(`/bookings/${b.id}/move`).set(w.hirer.auth).send({ startsAt: '2026-03-19T18:00:00Z', endsAt: '2026-03-19T20:00:00Z' })).status).toBe(200);
    await t.container.services.reminders.sendReminders();
    expect((await textsTo(b.phone)).filter((x) => x.kind === 'reminder')).toHaveLength(2);
  });
});

describe('GET /hubs/:hubId/messages', () => {
  let failedInvite: string;
  beforeAll(async () => {
    t.clock.set('2026-03-02T09:00:00Z');
    // A booking inside its code window: the code is issued and texted at once.
    await book('2026-03-02T11:00:00Z', '2026-03-02T12:00:00Z');
    const inv = await t.http.post(`/hubs/${w.hub.id}/invitations`).set(w.staff.auth).send({ email: `bad-${Date.now()}@test.example`, role: 'volunteer', phone: BAD });
    expect(inv.status).toBe(201);
    failedInvite = inv.body.link;
    await t.container.services.outbox.sendDue();
  });

  it('shows staff what was sent, queued and failed, newest first, with codes and links masked', async () => {
    const res = await t.http.get(`/hubs/${w.hub.id}/messages`).set(w.staff.auth);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const code = res.body.items.find((m: { kind: string; body: string }) => m.kind === 'access_code' && m.body.includes('Mon 2 Mar 10:45'));
    expect(code).toMatchObject({ status: 'sent', error: null, bookingId: expect.any(String) });
    expect(code.body).toMatch(/^Door code for Hall, .*: ••••\. Works Mon 2 Mar 10:45 to 12:15 on: Front door\./);
    expect(code.sentAt).toBe('2026-03-02T09:00:00+00:00');
    // The digits that went to the phone are nowhere in the answer.
    const digits = /: (\d{4,12})\. Works/.exec(sent.find((s) => s.body.startsWith('Door code for Hall') && s.body.includes('Mon 2 Mar 10:45'))!.body)![1];
    expect(JSON.stringify(res.body)).not.toContain(digits);
    expect(JSON.stringify(res.body)).not.toContain(failedInvite.split('/').pop());
    const times = res.body.items.map((m: { queuedAt: string }) => m.queuedAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('shows a failed text with the provider’s reason, and filters by status and kind', async () => {
    const failed = await t.http.get(`/hubs/${w.hub.id}/messages`).set(w.staff.auth).query({ status: 'failed' });
    expect(failed.status).toBe(200);
    expect(failed.body.items).toEqual([
      expect.objectContaining({ kind: 'invitation', to: BAD, status: 'failed', error: 'Twilio 400 (21211): The To number is not a valid phone number', body: expect.stringMatching(/invitations\/••••$/) }),
    ]);
    const kinds = await t.http.get(`/hubs/${w.hub.id}/messages`).set(w.admin.auth).query({ kind: 'reminder' });
    expect(kinds.body.items.length).toBeGreaterThan(0);
    expect(new Set(kinds.body.items.map((m: { kind: string }) => m.kind))).toEqual(new Set(['reminder']));
    const queued = await t.http.get(`/hubs/${w.hub.id}/messages`).set(w.staff.auth).query({ status: 'queued' });
    expect(queued.body.items.every((m: { status: string }) => m.status === 'queued')).toBe(true);
  });

  it('pages like the other lists', async () => {
    const all = await t.http.get(`/hubs/${w.hub.id}/messages`).set(w.staff.auth).query({ limit: 200 });
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.http.get(`/hubs/${w.hub.id}/messages`).set(w.staff.auth).query({ limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      ids.push(...page.body.items.map((m: { id: string }) => m.id));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(ids).toEqual(all.body.items.map((m: { id: string }) => m.id));
    expect(ids.length).toBeGreaterThan(2);
  });

  it('is refused to hirers, volunteers and staff of another hub, and to bad input', async () => {
    const volunteer = await makeUser(t, { name: 'Vol' });
    await addRole(t, w.hub.id, volunteer.id, 'volunteer');
    const get = (auth: Record<string, string>, q: Record<string, string> = {}, hubId = w.hub.id) => t.http.get(`/hubs/${hubId}/messages`).set(auth).query(q);
    expectProblem(await get(w.hirer.auth), 403, 'forbidden');
    expectProblem(await get(volunteer.auth), 403, 'forbidden');
    expectProblem(await get(w.otherStaff.auth), 403, 'forbidden');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/messages`), 401, 'unauthenticated');
    expectProblem(await get(w.staff.auth, { status: 'lost' }), 400, 'validation_failed');
    expectProblem(await get(w.staff.auth, { limit: '0' }), 400, 'validation_failed');
    expectProblem(await get(w.staff.auth, { cursor: 'nonsense' }), 400, 'validation_failed');
    expectProblem(await get(w.staff.auth, {}, '00000000-0000-4000-8000-000000000000'), 404, 'not_found');
  });
});

describe('what a caller can make Hubkey text', () => {
  it('refuses a resend past the per-booking limit with 429, Retry-After and when, changing nothing', async () => {
    t.clock.set('2026-03-02T12:00:00Z');
    const b = await book('2026-03-02T15:00:00Z', '2026-03-02T16:00:00Z');
    const firstResendAt = new Date('2026-03-02T12:02:00Z');
    for (let i = 0; i < TEXT_LIMITS.perBooking; i++) {
      t.clock.set(new Date(firstResendAt.getTime() + i * 120_000));
      const res = await t.http.post(`/bookings/${b.id}/access/resend`).set(w.hirer.auth).send();
      expect(res.status).toBe(202);
    }
    t.clock.set('2026-03-02T12:30:00Z');
    const before = await t.container.services.outbox.list({ bookingId: b.id });
    const refused = await t.http.post(`/bookings/${b.id}/access/resend`).set(w.hirer.auth).send();
    expectProblem(refused, 429, 'text_limit');
    const retryAt = new Date(firstResendAt.getTime() + TEXT_LIMITS.windowMs);
    expect(refused.body).toMatchObject({ limit: 'booking', retryAt: retryAt.toISOString(), retryAfterSeconds: (retryAt.getTime() - t.clock.now().getTime()) / 1000 });
    expect(refused.headers['retry-after']).toBe(String(refused.body.retryAfterSeconds));
    expect(await t.container.services.outbox.list({ bookingId: b.id })).toHaveLength(before.length);
    // Texting CODE in past the limit (inside the code's window) queues nothing, not even a reply.
    t.clock.set('2026-03-02T14:50:00Z');
    expect(await t.container.services.inboundSms.handleInboundSms(b.phone, 'CODE')).toBe('code');
    expect(await t.container.services.outbox.list({ to: b.phone })).toHaveLength(before.length);
  });

  it('still moves a booking past the limit, deferring its code text; a stale deferred code is never sent', async () => {
    t.clock.set('2026-03-02T13:00:00Z');
    const b = await book('2026-03-02T17:00:00Z', '2026-03-02T18:00:00Z', { roomId: w.room.id });
    const moveTo = (hour: number, minute: number) =>
      t.http
        .post(`/bookings/${b.id}/move`)
        .set(w.hirer.auth)
        .send({ startsAt: `2026-03-02T${hour}:${String(minute).padStart(2, '0')}:00Z`, endsAt: `2026-03-02T${hour + 1}:${String(minute).padStart(2, '0')}:00Z` });
    for (let i = 1; i <= TEXT_LIMITS.perBooking + 2; i++) {
      t.clock.advance(60_000);
      const res = await moveTo(17, i * 5);
      expect(res.status).toBe(200);
      expect(res.body.startsAt).toMatch(new RegExp(`^2026-03-02T17:${String(i * 5).padStart(2, '0')}:00`));
    }
    const rows = (await t.container.services.outbox.list({ bookingId: b.id })).filter((r) => r.kind === 'access_code_moved');
    expect(rows).toHaveLength(TEXT_LIMITS.perBooking + 2);
    const now = t.clock.now().getTime();
    expect(rows.slice(0, TEXT_LIMITS.perBooking).every((r) => r.nextAttemptAt.getTime() <= now)).toBe(true);
    expect(rows.slice(TEXT_LIMITS.perBooking).every((r) => r.nextAttemptAt.getTime() > now)).toBe(true);
    // Sent now: only the newest of those due carries a working code; the replaced ones fail, naming why.
    await t.container.services.outbox.sendDue();
    const after = (await t.container.services.outbox.list({ bookingId: b.id })).filter((r) => r.kind === 'access_code_moved');
    expect(after.filter((r) => r.status === 'sent')).toHaveLength(0);
    expect(after.slice(0, TEXT_LIMITS.perBooking).map((r) => r.lastError)).toEqual(Array(TEXT_LIMITS.perBooking).fill('the door code this text carried is gone or no longer works'));
    expect(after.slice(TEXT_LIMITS.perBooking).map((r) => r.status)).toEqual(['pending', 'pending']);
  });

  it('refuses an invitation past the per-phone limit, making nothing', async () => {
    t.clock.set('2026-03-02T14:00:00Z');
    const phone = nextPhone();
    const invite = () => t.http.post(`/hubs/${w.hub.id}/invitations`).set(w.staff.auth).send({ email: `p-${Math.random()}@test.example`, role: 'volunteer', phone });
    for (let i = 0; i < TEXT_LIMITS.perPhone; i++) expect((await invite()).status).toBe(201);
    const count = (await t.container.database.db.select().from(invitations).where(eq(invitations.phone, phone))).length;
    const refused = await invite();
    expectProblem(refused, 429, 'text_limit');
    expect(refused.body.limit).toBe('phone');
    expect(Number(refused.headers['retry-after'])).toBe(24 * 3600);
    expect((await t.container.database.db.select().from(invitations).where(eq(invitations.phone, phone))).length).toBe(count);
  });

  it('caps a hub’s texts a day and alerts its staff once when the cap is reached', async () => {
    const hub = await makeHub(t);
    const staff = await makeUser(t, { name: 'Cap staff', phone: STAFF_PHONE });
    await addRole(t, hub.id, staff.id, 'staff');
    t.clock.set('2026-03-02T15:00:00Z');
    const earlier = new Date('2026-03-02T10:00:00Z');
    await t.container.database.db.insert(outbox).values(
      Array.from({ length: TEXT_LIMITS.perHub }, (_, i) => ({ kind: 'invitation', to: `+447700${String(800000 + i)}`, body: 'x', hubId: hub.id, status: 'sent' as const, nextAttemptAt: earlier, createdAt: earlier })),
    );
    const invite = () => t.http.post(`/hubs/${hub.id}/invitations`).set(staff.auth).send({ email: `c-${Math.random()}@test.example`, role: 'volunteer', phone: nextPhone() });
    const refused = await invite();
    expectProblem(refused, 429, 'text_limit');
    expect(refused.body).toMatchObject({ limit: 'hub', retryAt: '2026-03-03T10:00:00.000Z' });
    expectProblem(await invite(), 429, 'text_limit');
    const alerts = (await textsTo(STAFF_PHONE)).filter((m) => m.kind === 'staff_alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].body).toContain(`limit of ${TEXT_LIMITS.perHub} texts a day`);
    await t.container.database.db.delete(outbox).where(and(eq(outbox.hubId, hub.id), eq(outbox.kind, 'invitation')));
  });
});

describe('a card booking’s hold', () => {
  it('carries holdExpiresAt, and the hirer is told once before it lapses and once when it lapsed', async () => {
    const hub = await makeHub(t, { settings: { holdMinutes: 30 } });
    const room = await makeRoom(t, hub.id, { name: 'Studio' });
    await seedCard(t, hub.id);
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    t.clock.set('2026-03-02T09:00:00Z');
    const b = await book('2026-03-20T10:00:00Z', '2026-03-20T12:00:00Z', { roomId: room.id, organisationId: org.id });
    expect(b.body).toMatchObject({ status: 'awaiting_payment', holdExpiresAt: '2026-03-02T09:30:00+00:00' });
    expect((await t.http.get(`/bookings/${b.id}`).set(w.hirer.auth)).body.holdExpiresAt).toBe('2026-03-02T09:30:00+00:00');
    const list = await t.http.get('/bookings').set(w.hirer.auth).query({ hubId: hub.id });
    expect(list.body.items.find((x: { id: string }) => x.id === b.id).holdExpiresAt).toBe('2026-03-02T09:30:00+00:00');
    // Not yet: the warning goes ten minutes before.
    t.clock.set('2026-03-02T09:19:00Z');
    await job('payments.warn-lapsing-holds');
    expect(await textsTo(b.phone)).toEqual([]);
    t.clock.set('2026-03-02T09:21:00Z');
    await job('payments.warn-lapsing-holds');
    t.clock.set('2026-03-02T09:25:00Z');
    await job('payments.warn-lapsing-holds');
    expect(await textsTo(b.phone)).toEqual([{ kind: 'hold_lapsing', body: `Hubkey: ${hub.name} holds "Choir" for you until 09:30. Pay before then or the room is freed.` }]);
    t.clock.set('2026-03-02T09:31:00Z');
    await job('payments.release-lapsed-holds');
    await job('payments.release-lapsed-holds');
    await job('payments.warn-lapsing-holds');
    const got = await t.http.get(`/bookings/${b.id}`).set(w.hirer.auth);
    expect(got.body).toMatchObject({ status: 'expired', holdExpiresAt: null });
    expect((await textsTo(b.phone)).map((m) => m.kind)).toEqual(['hold_lapsing', 'hold_lapsed']);
    expect((await textsTo(b.phone))[1].body).toBe(`Hubkey: ${hub.name} held "Choir" on Fri 20 Mar 10:00 for payment, which did not come in time, so the room is free again. Book again if you still need it.`);
  });
});

describe('reminders at scale', () => {
  it('reminds many bookings exactly once in one run, none left for later by a cap', async () => {
    const hub = await makeHub(t, { settings: { reminderLeadMinutes: 20 * 24 * 60 } });
    const room = await makeRoom(t, hub.id, { name: 'Big hall' });
    const n = 650;
    const first = Date.parse('2026-04-01T00:00:00Z');
    const rows = Array.from({ length: n }, (_, i) => {
      const startsAt = new Date(first + i * 20 * 60_000);
      const endsAt = new Date(startsAt.getTime() + 15 * 60_000);
      return { roomId: room.id, hubId: hub.id, organisationId: orgId, title: `Slot ${i}`, attendees: 2, contactPhone: `+4477001${String(i).padStart(5, '0')}`, startsAt, endsAt, blockedUntil: endsAt, status: 'confirmed' as const };
    });
    const made = await t.container.database.db.insert(bookings).values(rows).returning({ id: bookings.id });
    t.clock.set('2026-03-25T00:00:00Z');
    expect(await t.container.services.reminders.sendReminders()).toBe(n);
    expect(await t.container.services.reminders.sendReminders()).toBe(0);
    const ids = made.map((m) => m.id);
    const texts = await t.container.database.db.select({ bookingId: outbox.bookingId }).from(outbox).where(and(eq(outbox.kind, 'reminder'), inArray(outbox.bookingId, ids)));
    expect(texts).toHaveLength(n);
    expect(new Set(texts.map((x) => x.bookingId)).size).toBe(n);
    const marks = await t.container.database.db.select({ at: bookings.remindedAt }).from(bookings).where(inArray(bookings.id, ids));
    expect(marks.every((m) => m.at?.toISOString() === '2026-03-25T00:00:00.000Z')).toBe(true);
  }, 120_000);
});
