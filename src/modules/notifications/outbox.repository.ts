import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { hubMembers, outbox, users } from '../../db/schema';

export type OutboxRow = typeof outbox.$inferSelect;
export type NewOutboxRow = Omit<typeof outbox.$inferInsert, 'id' | 'status' | 'attempts' | 'nextAttemptAt' | 'createdAt'>;

export function createOutboxRepository(db: DbOrTx) {
  return {
    /** Queues a message; with a dedupeKey already queued, does nothing and returns undefined. */
    async enqueue(row: NewOutboxRow, now: Date, tx: DbOrTx = db): Promise<OutboxRow | undefined> {
      const [created] = await tx
        .insert(outbox)
        .values({ ...row, status: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now })
        .onConflictDoNothing()
        .returning();
      return created;
    },

    /**
     * Claims up to `limit` due messages for one sender: pending ones whose time has come and
     * `sending` ones whose lease ran out (their worker died). The rows are locked with
     * FOR UPDATE SKIP LOCKED while they are marked `sending` under a new lease, so two senders
     * never claim the same row.
     */
    async claimDue(now: Date, leaseUntil: Date, limit: number, tx: DbOrTx = db): Promise<OutboxRow[]> {
      const nowIso = now.toISOString();
      return tx.transaction(async (t) => {
        const due = await t
          .select({ id: outbox.id })
          .from(outbox)
          .where(
            sql`(${outbox.status} = 'pending' AND ${outbox.nextAttemptAt} <= ${nowIso}::timestamptz)
             OR (${outbox.status} = 'sending' AND ${outbox.leaseUntil} < ${nowIso}::timestamptz)`,
          )
          .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id))
          .limit(limit)
          .for('update', { skipLocked: true });
        if (due.length === 0) return [];
        return t
          .update(outbox)
          .set({ status: 'sending', leaseUntil, attempts: sql`${outbox.attempts} + 1` })
          .where(inArray(
            outbox.id,
            due.map((d) => d.id),
          ))
          .returning();
      });
    },

    /** Finishes a claimed row; only the sender holding the lease (status sending, same attempt) may. */
    async finish(id: string, attempt: number, values: Partial<typeof outbox.$inferInsert>, tx: DbOrTx = db): Promise<boolean> {
      const rows = await tx
        .update(outbox)
        .set({ ...values, leaseUntil: null })
        .where(and(eq(outbox.id, id), eq(outbox.status, 'sending'), eq(outbox.attempts, attempt)))
        .returning({ id: outbox.id });
      return rows.length > 0;
    },

    /** The sent message the provider knows by this id (a delivery report names it). */
    async byProviderId(providerId: string, tx: DbOrTx = db): Promise<OutboxRow | undefined> {
      const [row] = await tx.select().from(outbox).where(eq(outbox.providerId, providerId));
      return row;
    },
    async setProviderStatus(id: string, providerStatus: string, lastError: string | null, tx: DbOrTx = db) {
      await tx.update(outbox).set({ providerStatus, ...(lastError ? { lastError } : {}) }).where(eq(outbox.id, id));
    },

    async get(id: string, tx: DbOrTx = db): Promise<OutboxRow | undefined> {
      const [row] = await tx.select().from(outbox).where(eq(outbox.id, id));
      return row;
    },

    list: (f: { bookingId?: string; hubId?: string; to?: string; kind?: string }, tx: DbOrTx = db) =>
      tx
        .select()
        .from(outbox)
        .where(
          and(
            f.bookingId ? eq(outbox.bookingId, f.bookingId) : undefined,
            f.hubId ? eq(outbox.hubId, f.hubId) : undefined,
            f.to ? eq(outbox.to, f.to) : undefined,
            f.kind ? eq(outbox.kind, f.kind) : undefined,
          ),
        )
        .orderBy(asc(outbox.createdAt), asc(outbox.id)),

    /** Phone numbers of a hub's staff, for alerts. */
    staffPhones: async (hubId: string, tx: DbOrTx = db) =>
      (
        await tx
          .selectDistinct({ phone: users.phone })
          .from(hubMembers)
          .innerJoin(users, eq(users.id, hubMembers.userId))
          .where(and(eq(hubMembers.hubId, hubId), eq(hubMembers.role, 'staff'), sql`${users.phone} IS NOT NULL`))
      )
        .map((r) => r.phone!)
        .sort(),
  };
}
export type OutboxRepository = ReturnType<typeof createOutboxRepository>;
