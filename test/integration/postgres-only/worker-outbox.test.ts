import { inArray } from 'drizzle-orm';
import { outbox } from '../../../src/db/schema';
import { JOBS, runJob } from '../../../src/worker/jobs';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/fake-twilio';
import { createTestApp, type TestApp } from '../../helpers/app';

/** Two workers (two containers, two connection pools) on one PostgreSQL database. */
let fake: FakeTwilio;
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  fake = await startFakeTwilio();
  const env = { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: fake.accountSid, TWILIO_AUTH_TOKEN: fake.authToken, TWILIO_FROM: '+447700900000', TWILIO_API_BASE: fake.url };
  a = await createTestApp({ now: '2030-01-01T09:00:00Z', env });
  b = await createTestApp({ now: '2030-01-01T09:00:00Z', env, sameDatabaseAs: a });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await fake.close();
});

describe('outbox sender with two workers', () => {
  it('sends each message exactly once when two workers run at the same time', async () => {
    const tag = `pair-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const row = await a.container.services.outbox.enqueue({ kind: 'test', to: `+4477009${String(30000 + i)}`, body: `${tag} ${i}`, dedupeKey: `${tag}:${i}` });
      ids.push(row!.id);
    }
    const [x, y] = await Promise.all([a.container.services.outbox.sendDue(), b.container.services.outbox.sendDue()]);
    expect(x + y).toBe(60);
    const bodies = fake.messages.filter((m) => m.body.startsWith(tag)).map((m) => m.body);
    expect(bodies).toHaveLength(60);
    expect(new Set(bodies).size).toBe(60);
    const rows = await a.container.database.db.select().from(outbox).where(inArray(outbox.id, ids));
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1 && r.providerId?.startsWith('SM'))).toBe(true);
  });

  it('loses nothing when a worker dies after claiming: the lease runs out and another sends it', async () => {
    const tag = `crash-${Date.now()}`;
    const row = await a.container.services.outbox.enqueue({ kind: 'test', to: '+447700931000', body: `${tag}` });
    // Worker A claims the row and "dies" before sending (nothing finishes the claim).
    const claimed = await a.container.repos.outbox.claimDue(a.clock.now(), new Date(a.clock.now().getTime() + 120_000), 10);
    expect(claimed.map((r) => r.id)).toContain(row!.id);
    // Within the lease, worker B leaves it alone.
    expect(await b.container.services.outbox.sendDue()).toBe(0);
    expect(fake.messages.filter((m) => m.body === tag)).toHaveLength(0);
    // After it, B takes it over and sends it once.
    b.clock.advance(121_000);
    expect(await b.container.services.outbox.sendDue()).toBeGreaterThanOrEqual(1);
    expect(fake.messages.filter((m) => m.body === tag)).toHaveLength(1);
    const after = await b.container.services.outbox.get(row!.id);
    expect(after).toMatchObject({ status: 'sent', attempts: 2 });
    // The dead worker's late finish cannot overwrite it.
    expect(await a.container.repos.outbox.finish(row!.id, 1, { status: 'failed' })).toBe(false);
    b.clock.set('2030-01-01T09:00:00Z');
  });

  it('runs each job once when two workers start it together (advisory lock)', async () => {
    const job = JOBS.find((j) => j.name === 'notifications.send-outbox')!;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = {
      ...job,
      run: async () => {
        await gate;
        return 1;
      },
    };
    const first = runJob(a.container, slow);
    await new Promise((r) => setTimeout(r, 100));
    expect(await runJob(b.container, slow)).toBe('skipped');
    release();
    expect(await first).toBe(1);
  });
});
