import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import type { Container } from '../../src/container';
import type { Database } from '../../src/db/client';
import { accessCodes, doorEntries, hubs, outbox, users } from '../../src/db/schema';
import { silentLogger } from '../../src/lib/logger';
import { BackupError } from '../../src/modules/backups/backups.fns';
import { writeLogicalBackup } from '../../src/modules/backups/backups.logical';
import { WITHHELD } from '../../src/modules/backups/backups.sql';
import { createBackupService } from '../../src/modules/backups/backups.service';
import { JOBS, runJob } from '../../src/worker/jobs';
import { createTestApp, openTestDatabase, type TestApp } from '../helpers/app';
import { makeOrg, makeWorld } from '../helpers/factories';
import { everyRow, orphans } from '../helpers/tables';

// Several restores into new databases per test.
jest.setTimeout(120_000);

const onPostgres = Boolean(process.env.DATABASE_URL);
const CODE_IN_TEXT = /: (\d{4,12})\. Works/;
/** A sent outbox row as a backup holds it: the code's digits withheld. */
const withheld = (json: string) => {
  const row = JSON.parse(json) as { status: string; body: string };
  return row.status === 'sent' || row.status === 'failed' ? json.replace(/: \d{4,12}\. Works/g, `: ${WITHHELD}. Works`) : json;
};
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let orgId: string;
let dir: string;
const opened: Database[] = [];

/** A new, migrated, empty database of this file's own. */
async function emptyDatabase() {
  const d = await openTestDatabase();
  opened.push(d);
  return d;
}
const serviceOn = (database: Database, backupDir = dir) =>
  createBackupService({ database, clock: t.clock, logger: silentLogger, dir: backupDir, keep: 14, hubIds: async () => [], alertStaff: async () => 0 });

let slot = 0;
/** A booking at 10:00 UTC, each on its own day from today (the first ones' codes are issued at once). */
async function book(roomId = w.room.id) {
  const start = new Date(Date.parse('2026-03-02T10:00:00Z') + slot++ * 24 * 3600_000);
  return t.http
    .post('/bookings')
    .set(w.hirer.auth)
    .send({ roomId, organisationId: orgId, startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 3600_000).toISOString(), title: 'Choir', attendees: 4, contactPhone: '+447700900321' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hubkey-backups-'));
  t = await createTestApp({ env: { BACKUP_DIR: dir, BACKUP_KEEP: '2' } });
  w = await makeWorld(t);
  orgId = (await makeOrg(t, [w.hirer.id], { paysByInvoice: true })).id;
  await t.container.database.db.update(users).set({ phone: '+447700900555' }).where(eq(users.id, w.staff.id));
  const door = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Front door', provider: 'keypad', roomIds: [w.room.id, w.smallRoom.id] });
  expect(door.status).toBe(201);
  for (let i = 0; i < 3; i++) expect((await book()).status).toBe(201);
  await t.container.services.accessCodes.issueDue();
  await t.container.services.outbox.sendDue();
  // A wrong code at the door, so the entry log has a row too.
  await t.http.post(`/doors/${door.body.id}/verify`).set('X-Device-Key', door.body.deviceKey).send({ code: '000000' });
});
afterAll(async () => {
  for (const d of opened) await d.close();
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('backup and restore', () => {
  it('keeps door codes encrypted: the codes table travels as ciphertext, and no texted code is readable in the backup', async () => {
    await t.container.services.outbox.sendDue();
    // The outbox keeps a code text's placeholder; the digits exist only when rendered to send.
    const sent = (await t.container.database.db.select().from(outbox)).filter((m) => m.status === 'sent' && m.accessCodeId);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    const codes = await Promise.all(sent.map(async (m) => CODE_IN_TEXT.exec((await t.container.services.outbox.render(m))!)![1]));
    const ciphers = (await t.container.database.db.select().from(accessCodes)).map((c) => c.codeCipher);
    const file = join(mkdtempSync(join(tmpdir(), 'hubkey-enc-')), 'b.ndjson.gz');
    await writeLogicalBackup(t.container.database, file, new Date());
    const text = gunzipSync(readFileSync(file)).toString();
    for (const code of codes) expect(text).not.toContain(`: ${code}. Works`);
    for (const cipher of ciphers) expect(text).toContain(JSON.stringify(cipher));

    // The restored outbox and the stored codes are what was backed up.
    const fresh = await emptyDatabase();
    await serviceOn(fresh).restore(file);
    const restored = await everyRow(fresh);
    const now = await everyRow(t.container.database);
    expect(restored.access_codes).toEqual(now.access_codes);
    expect(restored.outbox).toEqual(now.outbox.map(withheld).sort());
  });

  it('restores exactly what was backed up after rows were changed and deleted, into an empty database and (forced) over the changed one', async () => {
    const before = await everyRow(t.container.database);
    expect(before.bookings.length).toBe(3);
    expect(before.access_codes.length).toBeGreaterThanOrEqual(1);
    expect(before.door_entries.length).toBe(1);

    const b = await t.container.services.backups.backup(join(dir, 'exact'));
    expect(b.kind).toBe(onPostgres ? 'postgres' : 'embedded');
    expect(b.file).toMatch(onPostgres ? /hubkey-2026-03-02T09-00-00Z\.pgdump$/ : /hubkey-2026-03-02T09-00-00Z\.ndjson\.gz$/);
    expect(b.bytes).toBeGreaterThan(0);

    // Change and delete: a booking cancelled, one added, a hub renamed, the entry log and a user deleted.
    const [first] = (await t.container.database.db.select().from(accessCodes)).filter((c) => c.bookingId);
    expect((await t.http.post(`/bookings/${first.bookingId}/cancel`).set(w.hirer.auth).send({ reason: 'changed plans' })).status).toBe(200);
    expect((await book(w.smallRoom.id)).status).toBe(201);
    await t.container.database.db.update(hubs).set({ name: 'Renamed' }).where(eq(hubs.id, w.hub.id));
    await t.container.database.db.delete(doorEntries);
    await t.container.database.db.delete(users).where(eq(users.id, w.stranger.id));
    const changed = await everyRow(t.container.database);
    expect(changed).not.toEqual(before);

    // pg_dump copies rows as stored; Hubkey's format withholds the codes of texts already sent.
    const expected = onPostgres ? before : { ...before, outbox: before.outbox.map(withheld).sort() };
    const fresh = await emptyDatabase();
    const r = await serviceOn(fresh).restore(b.file);
    expect(r.format).toBe(onPostgres ? 'pg_dump' : 'hubkey');
    expect(await everyRow(fresh)).toEqual(expected);

    // Over the changed database: refused without --force, and nothing moves.
    await expect(t.container.services.backups.restore(b.file)).rejects.toMatchObject({ name: 'BackupError', kind: 'refused' });
    expect(await everyRow(t.container.database)).toEqual(changed);
    await t.container.services.backups.restore(b.file, { force: true });
    expect(await everyRow(t.container.database)).toEqual(expected);
  });

  it('a backup taken while bookings are being made restores consistent: no booking without its organisation, no code without its booking', async () => {
    const before = (await everyRow(t.container.database)).bookings.length;
    // Bookings and code issuing in flight on every side of the backup (pg_dump's snapshot on PostgreSQL).
    const requests = Array.from({ length: 12 }, (_, i) => book(i % 2 ? w.room.id : w.smallRoom.id));
    const issuing = t.container.services.accessCodes.issueDue();
    const backup = t.container.services.backups.backup(join(dir, 'during'));
    const more = Array.from({ length: 6 }, () => book());
    const answers = await Promise.all([...requests, ...more]);
    expect(answers.filter((a) => a.status !== 201).map((a) => JSON.stringify(a.body))).toEqual([]);
    await issuing;
    const b = await backup;

    const fresh = await emptyDatabase();
    await serviceOn(fresh).restore(b.file);
    const restored = await everyRow(fresh);
    expect(restored.bookings.length).toBeGreaterThanOrEqual(before);
    expect(restored.bookings.length).toBeLessThanOrEqual(before + answers.length);
    expect(await orphans(fresh)).toEqual({ bookingsWithoutOrganisation: 0, bookingsWithoutRoom: 0, codesWithoutBooking: 0, codeDoorsWithoutCode: 0, paymentItemsWithoutBooking: 0 });
    if (b.rows !== undefined) expect(Object.values(restored).reduce((n, rows) => n + rows.length, 0)).toBe(b.rows);
  });

  it('restores Hubkey\'s own format into either database (the embedded one\'s backup into PostgreSQL, too)', async () => {
    const file = join(dir, 'logical.ndjson.gz');
    const { header } = await writeLogicalBackup(t.container.database, file, new Date());
    expect(header.source).toBe(onPostgres ? 'postgres' : 'pglite');
    const fresh = await emptyDatabase();
    await serviceOn(fresh).restore(file);
    const now = await everyRow(t.container.database);
    expect(await everyRow(fresh)).toEqual({ ...now, outbox: now.outbox.map(withheld).sort() });
  });

  it('refuses a damaged or foreign file, a cut-short backup and, on the embedded database, a pg_dump file; nothing changes', async () => {
    const fresh = await emptyDatabase();
    const svc = serviceOn(fresh);
    const empty = await everyRow(fresh);
    const junk = join(dir, 'junk.ndjson.gz');
    writeFileSync(junk, 'not a backup');
    await expect(svc.restore(junk)).rejects.toBeInstanceOf(BackupError);
    await expect(svc.restore(join(dir, 'missing.ndjson.gz'))).rejects.toThrow(/no such file/);

    // A whole backup, then the same without its end mark (as a copy cut short leaves it).
    const whole = join(dir, 'whole.ndjson.gz');
    await writeLogicalBackup(t.container.database, whole, new Date());
    const lines = gunzipSync(readFileSync(whole)).toString().trimEnd().split('\n');
    const cut = join(dir, 'cut.ndjson.gz');
    writeFileSync(cut, gzipSync(lines.slice(0, -1).join('\n') + '\n'));
    await expect(svc.restore(cut)).rejects.toThrow(/incomplete/);
    // A row edited in the file: the checksum catches it and the restore rolls back.
    const edited = join(dir, 'edited.ndjson.gz');
    const hubLine = lines.findIndex((l) => l.includes('"address":"1 Test Street"'));
    expect(hubLine).toBeGreaterThan(0);
    writeFileSync(edited, gzipSync([...lines.slice(0, hubLine), lines[hubLine].replace('1 Test Street', '2 Test Street'), ...lines.slice(hubLine + 1)].join('\n') + '\n'));
    await expect(svc.restore(edited)).rejects.toThrow(/differ from the backup in: hubs/);
    expect(await everyRow(fresh)).toEqual(empty);

    if (!onPostgres) {
      const fake = join(dir, 'x.pgdump');
      writeFileSync(fake, 'PGDMP-not-really');
      await expect(svc.restore(fake)).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/PostgreSQL only/) });
    }
    expect(await everyRow(fresh)).toEqual(empty);
  });
});

if (onPostgres) {
  it('says plainly when pg_dump is not installed', async () => {
    const svc = createBackupService({
      database: t.container.database,
      clock: t.clock,
      logger: silentLogger,
      dir,
      keep: 14,
      hubIds: async () => [],
      alertStaff: async () => 0,
      pgTools: { dump: '/nonexistent/pg_dump', restore: '/nonexistent/pg_restore' },
    });
    await expect(svc.backup(join(dir, 'no-tools'))).rejects.toThrow(/pg_dump is not installed .*postgresql-client/);
    expect(readdirSync(join(dir, 'no-tools'))).toEqual([]);
  });
}

describe('the nightly backup job', () => {
  const nightly = () => runJob(t.container, JOBS.find((j) => j.name === 'backups.nightly')!);

  it(onPostgres ? 'does nothing on PostgreSQL (pg_dump or the provider backs it up)' : 'writes a backup and keeps the newest BACKUP_KEEP (2 here), leaving other files alone', async () => {
    const old = ['hubkey-2026-01-01T02-30-00Z.ndjson.gz', 'hubkey-2026-02-01T02-30-00Z.ndjson.gz'];
    for (const name of [...old, 'notes.txt']) writeFileSync(join(dir, name), 'x');
    t.clock.set('2026-03-03T02:30:00Z');
    const result = await nightly();
    const files = readdirSync(dir).filter((n) => n.startsWith('hubkey-') || n === 'notes.txt').sort();
    if (onPostgres) {
      expect(result).toBe(0);
      expect(files).toEqual([...old, 'notes.txt']);
    } else {
      expect(result).toBe(1);
      expect(files).toEqual(['hubkey-2026-02-01T02-30-00Z.ndjson.gz', 'hubkey-2026-03-03T02-30-00Z.ndjson.gz', 'notes.txt']);
    }
  });

  it(onPostgres ? 'sends no alert on PostgreSQL, where it backs nothing up' : 'texts each staff member of every hub once when backups fail, however many nights fail', async () => {
    const alerts = async () => (await t.container.database.db.select().from(outbox)).filter((m) => m.kind === 'staff_alert' && m.body.includes('backup failed'));
    // BACKUP_DIR is a file: every backup fails.
    const blocked = join(mkdtempSync(join(tmpdir(), 'hubkey-blocked-')), 'file');
    writeFileSync(blocked, 'x');
    const backups = createBackupService({
      database: t.container.database,
      clock: t.clock,
      logger: silentLogger,
      dir: blocked,
      keep: 14,
      hubIds: async () => (await t.container.repos.venues.listHubs()).map((h) => h.id),
      alertStaff: (hubId, body, key) => t.container.services.outbox.alertStaff(hubId, body, key),
    });
    const failing = { ...t.container, services: { ...t.container.services, backups } } as Container;
    const run = () => runJob(failing, JOBS.find((j) => j.name === 'backups.nightly')!);
    if (onPostgres) {
      expect(await run()).toBe(0);
      expect(await alerts()).toEqual([]);
      return;
    }
    await expect(run()).rejects.toThrow();
    await expect(run()).rejects.toThrow();
    const sent = await alerts();
    expect(sent.map((m) => m.to).sort()).toEqual(['+447700900555']);
    expect(sent[0].body).toMatch(/last good one is none/);
  });
});
