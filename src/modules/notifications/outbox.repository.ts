import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import { keysetAfter, type PageArgs } from '../../db/keyset';
import type { DbOrTx } from '../../db/client';
import { hubMembers, outbox, users } from '../../db/schema';

export type OutboxRow = typeof outbox.$inferSelect;
export type NewOutboxRow = Omit<typeof outbox.$inferInsert, 'id' | 'status' | 'attempts' | 'nextAttemptAt' | 'createdAt'>;

/** Advisory-lock class of the texting limits' counts (jobs use 7270, migrations a single key). */
const TEXT_LIMIT_LOCK_SPACE = 7271;

export function createOutboxRepository(db: DbOrTx) {
  return {
    /**
     * Runs fn in a transaction (the caller's, or a new one) that holds the texting limits' lock
     * for `key` until it ends, so a count and the insert it allows are one step for everyone
     * counting under the same key.
     */
    async withLimitLock<T>(key: string, tx: DbOrTx | undefined, fn: (t: DbOrTx) => Promise<T>): Promise<T> {
      const run = async (t: DbOrTx) => {
        await t.execute(sql`SELECT pg_advisory_xact_lock(${TEXT_LIMIT_LOCK_SPACE}, hashtext(${key}))`);
        return fn(t);
      };
      return tx ? run(tx) : db.transaction(run);
    },

    /** Queues a message; with a dedupeKey already queued, does nothing and returns undefined. */
    async enqueue(row: NewOutboxRow, now: Date, tx: DbOrTx = db, sendAt: Date = now): Promise<OutboxRow | undefined> {
      const [created] = await tx
        .insert(outbox)
        .values({ ...row, status: 'pending', attempts: 0, nextAttemptAt: sendAt, createdAt: now })
        .onConflictDoNothing()
        .returning();
      return created;
    },

    /** Queues many messages in one statement; those whose dedupeKey is queued already are left out. Returns the rows queued. */
    async enqueueMany(rows: NewOutboxRow[], now: Date, tx: DbOrTx = db): Promise<OutboxRow[]> {
      if (!rows.length) return [];
      return tx
        .insert(outbox)
        .values(rows.map((row) => ({ ...row, status: 'pending' as const, attempts: 0, nextAttemptAt: now, createdAt: now })))
        .onConflictDoNothing()
        .returning();
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
        // Two ordered reads of outbox_due_idx (status, next_attempt_at), each stopping after
        // `limit` rows: lapsed leases first, then pending rows for what is left of the batch. One
        // read with OR sorted every due row to claim 20 of them (10,000 texts queued at once: the
        // whole queue read again per batch).
        const due = rowsOf<{ id: string }>(
          await t.execute(sql`
            WITH lapsed AS (
              SELECT ${outbox.id} FROM ${outbox}
              WHERE ${outbox.status} = 'sending' AND ${outbox.leaseUntil} < ${nowIso}::timestamptz
              ORDER BY ${outbox.nextAttemptAt}, ${outbox.id} LIMIT ${limit} FOR UPDATE SKIP LOCKED
            ), pending AS (
              SELECT ${outbox.id} FROM ${outbox}
              WHERE ${outbox.status} = 'pending' AND ${outbox.nextAttemptAt} <= ${nowIso}::timestamptz
              ORDER BY ${outbox.nextAttemptAt}, ${outbox.id} LIMIT (${limit}::int - (SELECT count(*) FROM lapsed)) FOR UPDATE SKIP LOCKED
            )
            SELECT id FROM lapsed UNION ALL SELECT id FROM pending`),
        );
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

    /**
     * A queued text that must no longer go (what it carried was withdrawn, such as a cancelled
     * invitation's link): failed with the reason and its secret dropped, if it is still pending.
     * True when it was.
     */
    async withdraw(dedupeKey: string, reason: string, tx: DbOrTx = db): Promise<boolean> {
      const rows = await tx
        .update(outbox)
        .set({ status: 'failed', lastError: reason, secretCipher: null, leaseUntil: null })
        .where(and(eq(outbox.dedupeKey, dedupeKey), eq(outbox.status, 'pending')))
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

    /**
     * When the n-th newest text of these kinds (to this booking, phone or hub) was queued since
     * `since`; undefined when there are fewer than n. Read by the (…_created_idx) indexes.
     */
    async nthNewestSince(scope: { bookingId: string } | { to: string } | { hubId: string }, kinds: readonly string[], since: Date, n: number, tx: DbOrTx = db): Promise<Date | undefined> {
      const col = 'bookingId' in scope ? eq(outbox.bookingId, scope.bookingId) : 'to' in scope ? eq(outbox.to, scope.to) : eq(outbox.hubId, scope.hubId);
      const [row] = await tx
        .select({ createdAt: outbox.createdAt })
        .from(outbox)
        .where(and(col, gt(outbox.createdAt, since), inArray(outbox.kind, [...kinds])))
        .orderBy(desc(outbox.createdAt))
        .offset(n - 1)
        .limit(1);
      return row?.createdAt;
    },

    /** A hub's texts, newest first, for staff. `status` queued is pending and sending. */
    listForHub: (hubId: string, f: { status?: 'queued' | 'sent' | 'failed'; kind?: string }, p: PageArgs, tx: DbOrTx = db) =>
      tx
        .select()
        .from(outbox)
        .where(
          and(
            eq(outbox.hubId, hubId),
            f.status === 'queued' ? inArray(outbox.status, ['pending', 'sending']) : f.status ? eq(outbox.status, f.status) : undefined,
            f.kind ? eq(outbox.kind, f.kind) : undefined,
            p.after ? keysetAfter([outbox.createdAt, outbox.id], p.after, 'desc') : undefined,
          ),
        )
        .orderBy(desc(outbox.createdAt), desc(outbox.id))
        .limit(p.limit),

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
/** Both drivers answer `execute` with `{ rows }`. */
const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;
export type OutboxRepository = ReturnType<typeof createOutboxRepository>;
