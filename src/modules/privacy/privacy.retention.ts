import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import type { PrivacyConfig } from '../../config/env';
import type { Clock } from '../../lib/clock';
import { accessCodes, bookings, doorEntries, invitations, outbox } from '../../db/schema';

const DAY_MS = 86_400_000;
/** Rows changed per statement: short transactions, so the keypad and the sender never wait long on a lock. */
export const RETENTION_BATCH = 500;

const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

/**
 * Keeps personal data no longer than the network's retention settings (docs/privacy.md): each step
 * reads only what is due through a partial or time index, in batches, and is safe to run again.
 * Reports' totals do not move: a booking's use survives its entry log in access_codes.entered_at.
 */
export function createRetention(deps: { db: DbOrTx; clock: Clock; retention: PrivacyConfig['retention']; batch?: number }) {
  const { db, clock, retention } = deps;
  const batch = deps.batch ?? RETENTION_BATCH;
  const cutoff = (days: number) => new Date(clock.now().getTime() - days * DAY_MS).toISOString();

  /** Runs one batched statement until it changes fewer rows than a batch; returns the rows changed. */
  async function drain(statement: () => SQL): Promise<number> {
    let total = 0;
    for (;;) {
      const [{ n }] = rowsOf<{ n: number }>(await db.execute(statement()));
      total += Number(n);
      if (Number(n) < batch) return total;
    }
  }

  return {
    /** Contact phones of bookings that ended more than contactPhoneDays ago, and the phones of codes that stopped working then. */
    async clearContactPhones() {
      const before = cutoff(retention.contactPhoneDays);
      const bookingPhones = await drain(
        () => sql`WITH due AS (SELECT id FROM ${bookings} WHERE contact_phone IS NOT NULL AND ends_at < ${before}::timestamptz LIMIT ${batch}),
                       x AS (UPDATE ${bookings} b SET contact_phone = NULL FROM due WHERE b.id = due.id RETURNING 1)
                  SELECT count(*)::int AS n FROM x`,
      );
      const codePhones = await drain(
        () => sql`WITH due AS (SELECT id FROM ${accessCodes} WHERE phone IS NOT NULL AND valid_until < ${before}::timestamptz LIMIT ${batch}),
                       x AS (UPDATE ${accessCodes} c SET phone = NULL FROM due WHERE c.id = due.id RETURNING 1)
                  SELECT count(*)::int AS n FROM x`,
      );
      return bookingPhones + codePhones;
    },

    /** Texts sent (or given up on) more than messageBodyDays ago keep only their kind, length and a masked number. */
    async redactTexts() {
      const before = cutoff(retention.messageBodyDays);
      const at = clock.now().toISOString();
      return drain(
        () => sql`WITH due AS (SELECT id FROM ${outbox} WHERE redacted_at IS NULL AND created_at < ${before}::timestamptz AND status IN ('sent', 'failed') LIMIT ${batch}),
                       x AS (UPDATE ${outbox} o SET
                               body = '[' || o.kind || ' text of ' || char_length(o.body) || ' character' || CASE WHEN char_length(o.body) = 1 THEN '' ELSE 's' END || ', body cleared]',
                               "to" = CASE WHEN char_length(o."to") <= 6 THEN repeat('•', char_length(o."to"))
                                           ELSE left(o."to", 3) || repeat('•', char_length(o."to") - 6) || right(o."to", 3) END,
                               redacted_at = ${at}::timestamptz
                             FROM due WHERE o.id = due.id RETURNING 1)
                  SELECT count(*)::int AS n FROM x`,
      );
    },

    /**
     * Door entries (granted and wrong codes) older than entryLogDays are deleted; a granted one
     * first stamps its code's entered_at, which the reports read for no-shows (a data-modifying WITH runs whether or not it is read).
     */
    async deleteEntries() {
      const before = cutoff(retention.entryLogDays);
      return drain(
        () => sql`WITH due AS (SELECT id, access_code_id, granted, at FROM ${doorEntries} WHERE at < ${before}::timestamptz ORDER BY at LIMIT ${batch}),
                       first AS (SELECT access_code_id, min(at) AS at FROM due WHERE granted AND access_code_id IS NOT NULL GROUP BY access_code_id),
                       marked AS (UPDATE ${accessCodes} c SET entered_at = first.at FROM first
                                  WHERE c.id = first.access_code_id AND (c.entered_at IS NULL OR c.entered_at > first.at) RETURNING 1),
                       x AS (DELETE FROM ${doorEntries} e USING due WHERE e.id = due.id RETURNING 1)
                  SELECT count(*)::int AS n FROM x`,
      );
    },

    /** Invitations nobody accepted, lapsed more than lapsedInvitationDays ago. */
    async deleteLapsedInvitations() {
      const before = cutoff(retention.lapsedInvitationDays);
      return drain(
        () => sql`WITH due AS (SELECT id FROM ${invitations} WHERE accepted_at IS NULL AND expires_at < ${before}::timestamptz LIMIT ${batch}),
                       x AS (DELETE FROM ${invitations} i USING due WHERE i.id = due.id RETURNING 1)
                  SELECT count(*)::int AS n FROM x`,
      );
    },

    /** Every step, in order; the rows changed. */
    async run() {
      return (await this.clearContactPhones()) + (await this.redactTexts()) + (await this.deleteEntries()) + (await this.deleteLapsedInvitations());
    },
  };
}
export type Retention = ReturnType<typeof createRetention>;
