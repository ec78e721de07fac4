import { eq } from 'drizzle-orm';
import { strFromU8, unzipSync } from 'fflate';
import { accessCodes, bookings, organisationMembers, shiftSignups, doorEntries, erasures, invitations, outbox, users } from '../../src/db/schema';
import type { OutboxRow } from '../../src/modules/notifications/outbox.repository';
import { JOBS, runJob } from '../../src/worker/jobs';
import { createRetention } from '../../src/modules/privacy/privacy.retention';
import { createTestApp, type TestApp } from '../helpers/app';
import { addRole, expectProblem, makeOrg, makeUser, PASSWORD, type TestUser } from '../helpers/factories';
import { seedCard } from '../helpers/pricing';
import { createShift, makeRotaWorld, type RotaWorld } from '../helpers/rota';

jest.setTimeout(120_000);

let t: TestApp;
let w: RotaWorld;
let door: { id: string; deviceKey: string };
const PHONE = '+447700900321';

beforeAll(async () => {
  t = await createTestApp({ now: '2026-03-02T09:00:00Z' });
  w = await makeRotaWorld(t);
  await seedCard(t, w.hub.id);
  const d = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Front door', provider: 'keypad', roomIds: [w.room.id, w.smallRoom.id] });
  expect(d.status).toBe(201);
  door = d.body;
});
afterAll(() => t.close());

type Row = Record<string, unknown>;
const db = () => t.container.database.db;
/** Both drivers answer `execute` with `{ rows }`. */
const q = async <T = Row>(text: string, params: unknown[] = []): Promise<T[]> => {
  const d = t.container.database;
  return d.pool ? (await d.pool.query(text, params)).rows : (await d.pglite!.query<T>(text, params)).rows;
};
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Every row of every table (found through information_schema) that holds the person's id, email or
 * phone in any text, uuid, json or array column, named by table and primary key.
 */
async function rowsNaming(needles: string[]): Promise<{ table: string; key: Record<string, string> }[]> {
  const cols = await q<{ t: string; c: string }>(
    `SELECT table_name AS t, column_name AS c FROM information_schema.columns
     WHERE table_schema = 'public' AND data_type IN ('uuid', 'text', 'jsonb', 'json', 'ARRAY', 'character varying') ORDER BY 1, 2`,
  );
  const pks = await q<{ t: string; c: string }>(
    `SELECT tc.table_name AS t, k.column_name AS c FROM information_schema.table_constraints tc
     JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema
     WHERE tc.table_schema = 'public' AND tc.constraint_type = 'PRIMARY KEY' ORDER BY 1, k.ordinal_position`,
  );
  const out: { table: string; key: Record<string, string> }[] = [];
  const tables = [...new Set(cols.map((c) => c.t))].filter((x) => x !== '__drizzle_migrations');
  for (const table of tables) {
    const key = pks.filter((p) => p.t === table).map((p) => p.c);
    expect(key.length).toBeGreaterThan(0);
    const hits = cols.filter((c) => c.t === table).map((c) => `position(lower($1) in lower("${c.c}"::text)) > 0`).join(' OR ');
    for (const needle of needles) {
      const found = await q<Record<string, string>>(`SELECT ${key.map((k) => `"${k}"::text AS "${k}"`).join(', ')} FROM "${table}" WHERE ${hits}`, [needle]);
      for (const r of found) if (!out.some((o) => o.table === table && JSON.stringify(o.key) === JSON.stringify(r))) out.push({ table, key: r });
    }
  }
  return out;
}

const verify = (code: string) => t.http.post(`/doors/${door.id}/verify`).set('X-Device-Key', door.deviceKey).send({ code });
const codeIn = async (msg: OutboxRow) => /: (\d{4,12})\. Works/.exec((await t.container.services.outbox.render(msg)) ?? '')?.[1];
const usage = async (auth: Record<string, string>) => {
  const r = await t.http.get(`/hubs/${w.hub.id}/reports/usage?from=2026-01-01&to=2026-12-31`).set(auth);
  expect(r.status).toBe(200);
  return { totals: r.body.totals, byTier: r.body.byTier, byRoom: r.body.byRoom, volunteers: r.body.volunteers };
};

/** A person who has done everything: account, roles, organisations, bookings made and as contact, texts, entries, shifts and hours, invitations, payments. */
async function busyPerson() {
  const me = await makeUser(t, { name: 'Pat Person', phone: PHONE });
  await addRole(t, w.hub.id, me.id, 'volunteer');
  // An organisation I set up (invoice-paying, so bookings confirm with a payment record), and another's group that names me as contact.
  const made = await t.http.post('/organisations').set(me.auth).send({ name: 'Pat’s Knitting Circle', claimedTier: 'private', contactPhone: PHONE });
  expect(made.status).toBe(201);
  const org = made.body.id as string;
  // A second member, so the group can be handed over (POST /organisations/:id/members invites; this is the accepted result).
  await db().insert(organisationMembers).values({ organisationId: org, userId: w.bob.id });
  await db().execute(`UPDATE organisations SET pays_by_invoice = true WHERE id = '${org}'`);
  const otherOrg = await makeOrg(t, [w.hirer.id], { paysByInvoice: true });
  const mine = await t.http.post('/bookings').set(me.auth).send({ roomId: w.room.id, organisationId: org, startsAt: '2026-03-03T10:00:00Z', endsAt: '2026-03-03T12:00:00Z', title: 'Knitting', attendees: 4 });
  expect(mine.status).toBe(201);
  expect(mine.body.status).toBe('confirmed');
  const asContact = await t.http
    .post('/bookings')
    .set(w.hirer.auth)
    .send({ roomId: w.smallRoom.id, organisationId: otherOrg.id, startsAt: '2026-03-03T14:00:00Z', endsAt: '2026-03-03T15:00:00Z', title: 'Talk', attendees: 3, contactPhone: PHONE });
  expect(asContact.status).toBe(201);
  // Codes issued and texted; one used at the door, one wrong attempt.
  t.clock.set('2026-03-02T15:00:00Z');
  await t.container.services.accessCodes.issueDue();
  const texts = await db().select().from(outbox).where(eq(outbox.to, PHONE));
  expect(texts.length).toBeGreaterThanOrEqual(2);
  const code = (await codeIn(texts.find((m) => m.bookingId === mine.body.id)!))!;
  t.clock.set('2026-03-03T10:05:00Z');
  expect((await verify(code)).body.granted).toBe(true);
  await verify('000000');
  // Shifts: one attended in the past, one ahead.
  const past = await createShift(t, w.staff, w.hub.id, { startsAt: '2026-03-01T18:00:00', endsAt: '2026-03-01T20:00:00' });
  expect(past.status).toBe(201);
  await t.http.post(`/shifts/${past.body.id}/assign`).set(w.staff.auth).send({ userId: me.id }).expect(201);
  await t.http.post(`/shifts/${past.body.id}/attendance`).set(w.staff.auth).send({ userId: me.id, status: 'attended' }).expect(200);
  const ahead = await createShift(t, w.staff, w.hub.id, { startsAt: '2026-03-20T18:00:00', endsAt: '2026-03-20T20:00:00' });
  await t.http.post(`/shifts/${ahead.body.id}/signup`).set(me.auth).expect(201);
  // Cat waits for my place.
  await t.http.post(`/shifts/${ahead.body.id}/waitlist`).set(w.cat.auth).expect(201);
  await t.http.put(`/hubs/${w.hub.id}/volunteers/${me.id}`).set(w.staff.auth).send({ trainedRoles: ['welcome'], notes: 'Prefers evenings' }).expect(200);
  // An invitation to another hub, not yet accepted.
  const inv = await t.http.post(`/hubs/${w.otherHub.id}/invitations`).set(w.otherStaff.auth).send({ email: me.email, role: 'volunteer', name: 'Pat Person', phone: PHONE });
  expect(inv.status).toBe(201);
  return { me, org, mine: mine.body.id as string, asContact: asContact.body.id as string, aheadShift: ahead.body.id as string };
}

let person: Awaited<ReturnType<typeof busyPerson>>;

describe('GET /me/data', () => {
  beforeAll(async () => {
    person = await busyPerson();
  });

  it('holds every row of every table that names me (id, email or phone), and the entries with my codes', async () => {
    const res = await t.http.get('/me/data').set(person.me.auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.headers['cache-control']).toBe('private, no-store');
    const sections = res.body.sections as Record<string, Row[]>;
    const found = await rowsNaming([person.me.id, person.me.email, PHONE]);
    // The person really did everything: each kind of record was found.
    const tables = new Set(found.map((f) => f.table));
    for (const want of ['users', 'hub_members', 'organisation_members', 'organisations', 'bookings', 'access_codes', 'outbox', 'shift_signups', 'volunteer_profiles', 'invitations'])
      expect(tables).toContain(want);
    // My organisation's invoice (made by the system, so it names the organisation, not me).
    expect(sections.payments.length).toBeGreaterThanOrEqual(1);
    expect(sections.paymentItems.map((i) => i.bookingId)).toContain(person.mine);
    const missing = found.filter((f) => !(sections[camel(f.table)] ?? []).some((r) => Object.entries(f.key).every(([k, v]) => String(r[camel(k)]) === v)));
    expect(missing).toEqual([]);
    // Entries with my codes (the rows themselves hold only the code's id).
    const myCodes = sections.accessCodes.map((c) => c.id as string);
    const entries = (await db().select().from(doorEntries)).filter((e) => e.accessCodeId && myCodes.includes(e.accessCodeId));
    expect(entries.length).toBeGreaterThanOrEqual(1);
    expect(sections.doorEntries.map((e) => e.id).sort()).toEqual(entries.map((e) => e.id).sort());
    // Attendance and hours are there; secrets are not; times are zoned to the second.
    expect(sections.shiftSignups.some((s) => s.attendance === 'attended' && s.attendedMinutes === 120)).toBe(true);
    const text = JSON.stringify(res.body);
    for (const secret of ['passwordHash', 'codeCipher', 'tokenHash', 'codeHash']) expect(text).not.toContain(secret);
    expect(sections.users[0].createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    // Door codes are never in the texts.
    expect(sections.outbox.filter((m) => /\b\d{6}\b/.test(String(m.body))).map((m) => m.body)).toEqual([]);
    // Another person's export holds none of mine.
    const other = await t.http.get('/me/data').set(w.cat.auth);
    expect(JSON.stringify(other.body)).not.toContain(person.me.email);
    expect(JSON.stringify(other.body)).not.toContain(PHONE);
  });

  it('answers a zip of CSV files, one per section, with Accept: application/zip', async () => {
    const res = await t.http.get('/me/data').set(person.me.auth).set('Accept', 'application/zip').buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="hubkey-my-data-2026-03-\d\d\.zip"$/);
    const files = unzipSync(new Uint8Array(res.body as Buffer));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['README.txt', 'users.csv', 'bookings.csv', 'outbox.csv', 'shift_signups.csv', 'door_entries.csv', 'invitations.csv', 'payments.csv']));
    const usersCsv = strFromU8(files['users.csv']);
    expect(usersCsv).toContain(person.me.email);
    expect(usersCsv).not.toContain('passwordHash');
    expect(strFromU8(files['bookings.csv'])).toContain(person.mine);
    expect(strFromU8(files['bookings.csv'])).toContain(person.asContact);
  });

  it('needs a signed-in person', async () => {
    expectProblem(await t.http.get('/me/data'), 401, 'unauthenticated');
  });
});

describe('erasure', () => {
  it('DELETE /me erases or anonymises what is mine, keeps payments and bookings (reports unchanged), and says what was kept and why', async () => {
    const before = await usage(w.staff.auth);
    const pending = await db().select().from(outbox).where(eq(outbox.to, PHONE));
    // Texts sent, and one still waiting to go.
    await db().update(outbox).set({ status: 'sent' }).where(eq(outbox.to, PHONE));
    await db().update(outbox).set({ status: 'pending' }).where(eq(outbox.id, pending[0].id));
    const res = await t.http.delete('/me').set(person.me.auth);
    expect([res.status, res.body.detail]).toEqual([200, undefined]);
    expect(res.body.userId).toBe(person.me.id);
    const kept = Object.fromEntries((res.body.kept as { item: string; why: string; count: number }[]).map((k) => [k.item, k]));
    expect(kept.bookings.count).toBe(1);
    expect(kept.bookings.why).toMatch(/reports/);
    expect(kept['volunteer attendance and hours'].count).toBe(1);
    expect(kept['erasure record'].count).toBe(1);
    const removed = Object.fromEntries((res.body.removed as { item: string; count: number }[]).map((k) => [k.item, k.count]));
    expect(removed['texts to your number not yet sent (cancelled)']).toBe(1);
    expect(removed['volunteer places still ahead (given up)']).toBe(1);
    expect(removed['invitations to you not accepted (deleted)']).toBe(1);

    // Nothing left anywhere names the email or the phone.
    expect(await rowsNaming([person.me.email, PHONE])).toEqual([]);
    // The text that was waiting never goes.
    const [cancelled] = await db().select().from(outbox).where(eq(outbox.id, pending[0].id));
    expect(cancelled.status).toBe('failed');
    expect(cancelled.to).not.toBe(PHONE);
    // Cannot sign in with the token or the password.
    expectProblem(await t.http.get('/me').set(person.me.auth), 401, 'unauthenticated');
    expectProblem(await t.http.post('/auth/login').send({ email: person.me.email, password: PASSWORD }), 401, 'invalid_credentials');
    // In no list.
    const vols = await t.http.get(`/hubs/${w.hub.id}/volunteers`).set(w.staff.auth);
    expect(vols.status).toBe(200);
    expect(JSON.stringify(vols.body)).not.toContain(person.me.id);
    const roster = await t.http.get(`/shifts/${person.aheadShift}`).set(w.staff.auth);
    expect(JSON.stringify(roster.body)).not.toContain(person.me.id);
    // The place I left went to the waiting list.
    const places = await db().select().from(shiftSignups).where(eq(shiftSignups.shiftId, person.aheadShift));
    expect(places.map((p) => [p.userId, p.status]).sort()).toEqual([[person.me.id, 'withdrawn'], [w.cat.id, 'confirmed']].sort());
    // Bookings and payments kept; reports give the same totals.
    const [b] = await db().select().from(bookings).where(eq(bookings.id, person.mine));
    expect(b).toMatchObject({ status: 'confirmed', createdBy: null });
    expect(await usage(w.staff.auth)).toEqual(before);
    const [u] = await db().select().from(users).where(eq(users.id, person.me.id));
    expect(u).toMatchObject({ name: 'Erased person', phone: null });
    expect(u.erasedAt).not.toBeNull();
    const [rec] = await db().select().from(erasures).where(eq(erasures.userId, person.me.id));
    expect(rec).toMatchObject({ erasedBy: null, reason: 'asked by the person' });
    // New texts for the booking that named the number have nowhere to go.
    const [contact] = await db().select().from(bookings).where(eq(bookings.id, person.asContact));
    expect(contact.contactPhone).toBeNull();
    expect((await db().select().from(accessCodes)).filter((c) => c.phone === PHONE)).toEqual([]);
  });

  it('asks the last member of an organisation with bookings ahead to hand it over or cancel first', async () => {
    const solo = await makeUser(t, { name: 'Solo', phone: '+447700900322' });
    const org = await makeOrg(t, [solo.id], { paysByInvoice: true });
    const b = await t.http.post('/bookings').set(solo.auth).send({ roomId: w.room.id, organisationId: org.id, startsAt: '2026-04-03T10:00:00Z', endsAt: '2026-04-03T12:00:00Z', title: 'Solo', attendees: 2 });
    expect(b.status).toBe(201);
    const res = await t.http.delete('/me').set(solo.auth);
    expectProblem(res, 409, 'hand_over_first');
    expect(res.body.organisations).toEqual([{ id: org.id, name: org.name, bookingsAhead: 1 }]);
    const [u] = await db().select().from(users).where(eq(users.id, solo.id));
    expect(u).toMatchObject({ name: 'Solo', erasedAt: null });
    // Once cancelled, the erasure goes through.
    await t.http.post(`/bookings/${b.body.id}/cancel`).set(solo.auth).send({}).expect(200);
    expect((await t.http.delete('/me').set(solo.auth)).status).toBe(200);
  });

  it('POST /people/:userId/erase: an admin, with a reason recorded; others refused; bad input 4xx, nothing changed', async () => {
    const target: TestUser = await makeUser(t, { name: 'Target', phone: '+447700900323' });
    const post = (auth: Record<string, string>, id: string, body: unknown) => t.http.post(`/people/${id}/erase`).set(auth).send(body as object);
    expectProblem(await post(w.hirer.auth, target.id, { reason: 'asked by phone' }), 403, 'forbidden');
    expectProblem(await post(w.staff.auth, target.id, { reason: 'asked by phone' }), 403, 'forbidden');
    expectProblem(await t.http.post(`/people/${target.id}/erase`).send({ reason: 'x' }), 401, 'unauthenticated');
    expectProblem(await post(w.admin.auth, 'nope', { reason: 'asked by phone' }), 400, 'validation_failed');
    expectProblem(await post(w.admin.auth, target.id, {}), 400, 'validation_failed');
    expectProblem(await post(w.admin.auth, target.id, { reason: ' ' }), 400, 'validation_failed');
    expectProblem(await post(w.admin.auth, '00000000-0000-4000-8000-000000000000', { reason: 'asked by phone' }), 404, 'not_found');
    const [still] = await db().select().from(users).where(eq(users.id, target.id));
    expect(still.erasedAt).toBeNull();
    const ok = await post(w.admin.auth, target.id, { reason: 'Asked by phone, 2 March' });
    expect(ok.status).toBe(200);
    const [rec] = await db().select().from(erasures).where(eq(erasures.userId, target.id));
    expect(rec).toMatchObject({ erasedBy: w.admin.id, reason: 'Asked by phone, 2 March' });
    expectProblem(await post(w.admin.auth, target.id, { reason: 'again' }), 404, 'not_found');
    expectProblem(await t.http.get('/me/data').set(target.auth), 401, 'unauthenticated');
  });
});

describe('retention', () => {
  it('clears contact phones, text bodies, entry logs and lapsed invitations once due, in batches, leaving report totals alone', async () => {
    const job = JOBS.find((j) => j.name === 'privacy.apply-retention')!;
    // After the bookings ended, so a no-show would already count.
    t.clock.set('2026-03-04T12:00:00Z');
    const before = await usage(w.admin.auth);
    const entries = await db().select().from(doorEntries);
    expect(entries.length).toBeGreaterThanOrEqual(2);
    const inv = await t.http.post(`/hubs/${w.hub.id}/invitations`).set(w.staff.auth).send({ email: 'later@test.example', role: 'volunteer' });
    expect(inv.status).toBe(201);
    const sentTexts = (await db().select().from(outbox)).filter((m) => m.redactedAt === null);
    await db().update(outbox).set({ status: 'sent' });

    // Nothing due yet: the bookings ended a day ago.
    expect(await runJob(t.container, job)).toBe(0);

    // 95 days on: everything is past its default retention (30, 90, 90, 30 days).
    t.clock.set('2026-06-07T12:00:00Z');
    const done = await runJob(t.container, job);
    expect(done).toBeGreaterThan(0);
    const phones = (await db().select().from(bookings)).filter((b) => b.endsAt < new Date('2026-05-05T12:00:00Z') && b.contactPhone !== null);
    expect(phones).toEqual([]);
    expect((await db().select().from(doorEntries)).length).toBe(0);
    const texts = await db().select().from(outbox);
    for (const m of texts.filter((x) => sentTexts.some((s) => s.id === x.id))) {
      expect(m.redactedAt).not.toBeNull();
      expect(m.body).toMatch(/^\[[a-z_]+ text of \d+ characters?, body cleared\]$/);
      expect(m.to).toMatch(/^\+44•+\d{3}$/);
    }
    expect(await db().select().from(invitations).where(eq(invitations.id, inv.body.id))).toEqual([]);
    // The booking used at the door is still not a no-show; totals unchanged.
    expect(await usage(w.admin.auth)).toEqual(before);
    // Run again: nothing more to do.
    expect(await runJob(t.container, job)).toBe(0);
  });

  it('drains more than one batch in a run', async () => {
    for (const email of ['a@test.example', 'b@test.example', 'c@test.example']) {
      expect((await t.http.post(`/hubs/${w.hub.id}/invitations`).set(w.staff.auth).send({ email, role: 'volunteer' })).status).toBe(201);
    }
    t.clock.set('2026-12-01T12:00:00Z');
    const small = createRetention({ db: db(), clock: t.clock, retention: t.container.config.privacy.retention, batch: 1 });
    expect(await small.deleteLapsedInvitations()).toBe(3);
    expect(await small.deleteLapsedInvitations()).toBe(0);
  });
});

describe('the privacy notice', () => {
  it('is answered by GET /privacy-notice and with registration', async () => {
    const n = await t.http.get('/privacy-notice');
    expect(n.status).toBe(200);
    expect(n.body).toMatchObject({ url: null, contact: null, retention: { contactPhoneDays: 30, messageBodyDays: 90, entryLogDays: 90, lapsedInvitationDays: 30 } });
    expect(n.body.paragraphs).toHaveLength(2);
    const reg = await t.http.post('/auth/register').send({ email: 'new-person@test.example', password: 'a long enough passphrase', name: 'New Person' });
    expect(reg.status).toBe(201);
    expect(reg.body.privacyNotice).toEqual({ text: n.body.text, url: 'http://hubkey.test/privacy' });
  });

  it('is shown on /register and on /privacy, linked from every page footer', async () => {
    const page = await t.http.get('/privacy').set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1 class="govuk-heading-l">Privacy</h1>');
    expect(page.text).toContain('Payment and invoice records are kept for six years');
    expect(page.text).toContain('30 days after the booking ends');
    const register = await t.http.get('/register').set('Accept', 'text/html');
    expect(register.status).toBe(200);
    expect(register.text).toContain('How we use your details');
    expect(register.text).toContain('Payment and invoice records are kept for six years');
    for (const path of ['/', '/sign-in', '/register', '/privacy']) {
      const r = await t.http.get(path).set('Accept', 'text/html');
      expect(r.text).toMatch(/<footer[\s\S]*href="\/privacy"[\s\S]*<\/footer>/);
    }
  });

  it('is the network’s own when PRIVACY_NOTICE is set', async () => {
    const own = await createTestApp({ env: { PRIVACY_NOTICE: 'Riverside Trust keeps your details to run bookings.\n\nAsk us anything.', PRIVACY_NOTICE_URL: 'https://riverside.example/privacy', PRIVACY_CONTACT: 'privacy@riverside.example' } });
    try {
      const n = await own.http.get('/privacy-notice');
      expect(n.body).toMatchObject({ paragraphs: ['Riverside Trust keeps your details to run bookings.', 'Ask us anything.'], url: 'https://riverside.example/privacy', contact: 'privacy@riverside.example' });
      const page = await own.http.get('/privacy').set('Accept', 'text/html');
      expect(page.text).toContain('Riverside Trust keeps your details to run bookings.');
      expect(page.text).toContain('href="https://riverside.example/privacy"');
      const reg = await own.http.post('/auth/register').send({ email: 'own-notice@test.example', password: 'a long enough passphrase', name: 'Own' });
      expect(reg.body.privacyNotice.url).toBe('https://riverside.example/privacy');
    } finally {
      await own.close();
    }
  });
});
