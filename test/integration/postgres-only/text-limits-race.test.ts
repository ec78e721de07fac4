import { eq } from 'drizzle-orm';
import { outbox } from '../../../src/db/schema';
import { TEXT_LIMITS, TextLimitError } from '../../../src/modules/notifications/outbox.service';
import { twoAppsOnOneDatabase } from '../../helpers/app';

/**
 * The texting limits are counted in the outbox; two requests at once must not both take the
 * last place (two processes, two pools, one PostgreSQL database: real concurrency).
 */
const apps = twoAppsOnOneDatabase('2030-01-01T09:00:00Z');

const rowsTo = (to: string) => apps.a.container.database.db.select().from(outbox).where(eq(outbox.to, to));

describe('texting limits under concurrent requests', () => {
  it(`queues at most ${TEXT_LIMITS.perPhone} limited texts to one phone now when 30 arrive at once; the rest wait`, async () => {
    const to = '+447700955501';
    const now = apps.a.clock.now().getTime();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? apps.a : apps.b).container.services.outbox.enqueue({ kind: 'access_code_resend', to, body: `resend ${i}`, dedupeKey: `race-phone:${i}` }),
      ),
    );
    const rows = await rowsTo(to);
    expect(rows).toHaveLength(30);
    const now_ = rows.filter((r) => r.nextAttemptAt.getTime() <= now);
    expect(now_).toHaveLength(TEXT_LIMITS.perPhone);
    // The others wait until the first of the day's texts ages out, not a moment before.
    expect(rows.filter((r) => r.nextAttemptAt.getTime() >= now + TEXT_LIMITS.windowMs - 1000)).toHaveLength(30 - TEXT_LIMITS.perPhone);
  });

  it('refuses (nothing queued) rather than overshoot when requests that refuse arrive at once', async () => {
    const to = '+447700955502';
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? apps.a : apps.b).container.services.outbox.enqueue({ kind: 'access_code_resend', to, body: `resend ${i}`, dedupeKey: `race-refuse:${i}` }, undefined, { overLimit: 'refuse' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(TEXT_LIMITS.perPhone);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(30 - TEXT_LIMITS.perPhone);
    expect(refused.every((r) => r.reason instanceof TextLimitError)).toBe(true);
    expect(await rowsTo(to)).toHaveLength(TEXT_LIMITS.perPhone);
  });
});
