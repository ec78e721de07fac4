import { and, eq, inArray, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client';
import {
  accessCodes,
  bookingSeries,
  bookings,
  calendarTokens,
  closures,
  doorEntries,
  erasures,
  hubMembers,
  invitations,
  organisationMembers,
  organisations,
  outbox,
  paymentItems,
  payments,
  rateCards,
  refunds,
  shiftSeries,
  shiftSignups,
  shifts,
  tierVerifications,
  users,
  volunteerProfiles,
  webSessions,
} from '../../db/schema';

/** Both drivers answer `execute` with `{ rows }`. */
const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;
const none = sql`false`;
const anyOf = (col: Parameters<typeof inArray>[0], ids: string[]) => (ids.length ? inArray(col, ids) : none);

/** Columns an export leaves out: secrets that identify nobody to a reader and would unlock things if copied. */
export const SECRET_COLUMNS = ['passwordHash', 'tokenHash', 'tokenCipher', 'codeCipher', 'codeHash', 'idHash', 'checkoutUrl'] as const;

export interface ExportSection {
  /** The section's name: the table's (camelCase) name in the schema. */
  name: string;
  table: PgTable;
  rows: Record<string, unknown>[];
}

export function createPrivacyRepository(db: DbOrTx) {
  return {
    /**
     * Every row that names the person (their id in any column, their email, their phone), and the
     * rows that hang off those (their codes' entries, their organisations' payments). One select
     * per table, each by an indexed column.
     */
    async personalRows(person: { id: string; email: string; phone: string | null }, tx: DbOrTx = db): Promise<ExportSection[]> {
      const { id } = person;
      const phoneIs = (col: Parameters<typeof eq>[0]) => (person.phone ? eq(col, person.phone) : none);
      const myOrgs = (await tx.select({ id: organisationMembers.organisationId }).from(organisationMembers).where(eq(organisationMembers.userId, id))).map((r) => r.id);
      const section = async (name: string, table: PgTable, where: SQL | undefined) => ({ name, table, rows: (await tx.select().from(table).where(where)) as Record<string, unknown>[] });

      const out: ExportSection[] = [];
      out.push(await section('users', users, eq(users.id, id)));
      out.push(await section('hubMembers', hubMembers, eq(hubMembers.userId, id)));
      out.push(await section('organisationMembers', organisationMembers, eq(organisationMembers.userId, id)));
      out.push(await section('organisations', organisations, or(anyOf(organisations.id, myOrgs), eq(organisations.createdBy, id), eq(organisations.verifiedBy, id), phoneIs(organisations.contactPhone))));
      out.push(await section('tierVerifications', tierVerifications, eq(tierVerifications.verifiedBy, id)));
      out.push(await section('bookingSeries', bookingSeries, eq(bookingSeries.createdBy, id)));
      out.push(await section('bookings', bookings, or(eq(bookings.createdBy, id), phoneIs(bookings.contactPhone))));
      const codes = await section('accessCodes', accessCodes, or(eq(accessCodes.userId, id), phoneIs(accessCodes.phone), eq(accessCodes.revokedBy, id)));
      out.push(codes);
      const codeIds = codes.rows.filter((c) => c.userId === id || (person.phone && c.phone === person.phone)).map((c) => c.id as string);
      out.push(await section('doorEntries', doorEntries, anyOf(doorEntries.accessCodeId, codeIds)));
      out.push(await section('outbox', outbox, or(phoneIs(outbox.to), anyOf(outbox.accessCodeId, codeIds))));
      const pays = await section('payments', payments, or(eq(payments.createdBy, id), anyOf(payments.organisationId, myOrgs)));
      out.push(pays);
      const payIds = pays.rows.map((p) => p.id as string);
      out.push(await section('paymentItems', paymentItems, anyOf(paymentItems.paymentId, payIds)));
      out.push(await section('refunds', refunds, or(eq(refunds.createdBy, id), anyOf(refunds.paymentId, payIds))));
      out.push(await section('rateCards', rateCards, eq(rateCards.createdBy, id)));
      out.push(await section('closures', closures, eq(closures.createdBy, id)));
      out.push(
        await section(
          'invitations',
          invitations,
          or(sql`lower(${invitations.email}) = lower(${person.email})`, eq(invitations.invitedBy, id), eq(invitations.acceptedBy, id), phoneIs(invitations.phone)),
        ),
      );
      const places = await section('shiftSignups', shiftSignups, or(eq(shiftSignups.userId, id), eq(shiftSignups.assignedBy, id)));
      out.push(await section('shiftSeries', shiftSeries, eq(shiftSeries.createdBy, id)));
      out.push(await section('shifts', shifts, or(eq(shifts.createdBy, id), anyOf(shifts.id, [...new Set(places.rows.map((p) => p.shiftId as string))]))));
      out.push(places);
      out.push(await section('volunteerProfiles', volunteerProfiles, eq(volunteerProfiles.userId, id)));
      out.push(await section('calendarTokens', calendarTokens, eq(calendarTokens.userId, id)));
      out.push(await section('webSessions', webSessions, eq(webSessions.userId, id)));
      out.push(await section('erasures', erasures, or(eq(erasures.userId, id), eq(erasures.erasedBy, id))));
      return out;
    },

    /** Organisations the person is the only member of that have bookings still ahead (not ended, holding the room). */
    async soleMemberWithBookingsAhead(userId: string, now: Date, tx: DbOrTx = db) {
      return rowsOf<{ id: string; name: string; ahead: number }>(
        await tx.execute(sql`
          SELECT o.id, o.name, (SELECT count(*)::int FROM ${bookings} b WHERE b.organisation_id = o.id AND b.ends_at > ${now.toISOString()}::timestamptz
                                  AND b.status IN ('requested', 'awaiting_payment', 'confirmed')) AS ahead
          FROM ${organisationMembers} m JOIN ${organisations} o ON o.id = m.organisation_id
          WHERE m.user_id = ${userId}
            AND NOT EXISTS (SELECT 1 FROM ${organisationMembers} m2 WHERE m2.organisation_id = m.organisation_id AND m2.user_id <> m.user_id)
          ORDER BY o.name`),
      ).filter((r) => Number(r.ahead) > 0);
    },

    /**
     * Erases or anonymises what is the person's, in the caller's transaction (docs/privacy.md
     * "Erasure"). Counts what it changed, for the answer. The user row stays, anonymised, so the
     * payment, booking and attendance records kept for the accounts and reports still point somewhere.
     */
    async erase(person: { id: string; email: string; phone: string | null }, now: Date, maskedPhone: string | null, tx: DbOrTx) {
      const at = now.toISOString();
      const { id } = person;
      const phone = person.phone ?? '';
      const n = async (q: SQL) => Number(rowsOf<{ n: number }>(await tx.execute(sql`WITH x AS (${q} RETURNING 1) SELECT count(*)::int AS n FROM x`))[0].n);
      const erasedEmail = sql`'erased-' || id::text || '@erased.invalid'`;
      const r = {
        // Texts not yet sent never go; every text to the number keeps only a masked summary.
        textsCancelled: person.phone
          ? await n(sql`UPDATE ${outbox} SET status = 'failed', last_error = 'cancelled: the recipient''s data was erased', lease_until = NULL WHERE "to" = ${phone} AND status IN ('pending', 'sending')`)
          : 0,
        textsCleared: person.phone
          ? await n(
              sql`UPDATE ${outbox} SET body = '[' || kind || ' text, erased]', "to" = ${maskedPhone ?? ''}, last_error = CASE WHEN status = 'failed' THEN last_error END, redacted_at = ${at}::timestamptz WHERE "to" = ${phone}`,
            )
          : 0,
        entriesUnlinked: await n(
          sql`UPDATE ${doorEntries} SET access_code_id = NULL WHERE access_code_id IN (SELECT ac.id FROM ${accessCodes} ac WHERE ac.user_id = ${id})`,
        ),
        codePhonesCleared: await n(sql`UPDATE ${accessCodes} SET phone = NULL WHERE phone IS NOT NULL AND (user_id = ${id} OR phone = ${phone})`),
        bookingPhonesCleared: person.phone ? await n(sql`UPDATE ${bookings} SET contact_phone = NULL WHERE contact_phone = ${phone}`) : 0,
        organisationPhonesCleared: person.phone ? await n(sql`UPDATE ${organisations} SET contact_phone = NULL WHERE contact_phone = ${phone}`) : 0,
        bookingsUnlinked: await n(sql`UPDATE ${bookings} SET created_by = NULL WHERE created_by = ${id}`),
        seriesUnlinked: await n(sql`UPDATE ${bookingSeries} SET created_by = NULL WHERE created_by = ${id}`),
        hubRoles: await n(sql`DELETE FROM ${hubMembers} WHERE user_id = ${id}`),
        organisationMemberships: await n(sql`DELETE FROM ${organisationMembers} WHERE user_id = ${id}`),
        volunteerProfiles: await n(sql`DELETE FROM ${volunteerProfiles} WHERE user_id = ${id}`),
        calendarFeeds: await n(sql`DELETE FROM ${calendarTokens} WHERE user_id = ${id}`),
        webSessions: await n(sql`DELETE FROM ${webSessions} WHERE user_id = ${id}`),
        // Places still ahead are given up (the rota's code job revokes their codes); past ones stay for the hours.
        shiftsLeft: rowsOf<{ shift_id: string }>(
          await tx.execute(sql`
          UPDATE ${shiftSignups} s SET status = 'withdrawn', cover_requested_at = NULL, updated_at = ${at}::timestamptz,
                 code_state = CASE WHEN s.code_state = 'issued' THEN 'stale' ELSE s.code_state END
          FROM ${shifts} sh WHERE sh.id = s.shift_id AND s.user_id = ${id} AND s.status IN ('confirmed', 'waitlisted') AND sh.ends_at > ${at}::timestamptz
          RETURNING s.shift_id`),
        ).map((x) => x.shift_id),
        invitationsDeleted: await n(
          sql`DELETE FROM ${invitations} WHERE accepted_at IS NULL AND (lower(email) = lower(${person.email}) OR (phone IS NOT NULL AND phone = ${phone}))`,
        ),
        invitationsAnonymised: await n(
          sql`UPDATE ${invitations} SET email = ${erasedEmail}, name = NULL, phone = NULL WHERE accepted_by = ${id} OR lower(email) = lower(${person.email})`,
        ),
      };
      await tx.execute(
        sql`UPDATE ${users} SET email = ${erasedEmail}, name = 'Erased person', phone = NULL, password_hash = '!erased', is_admin = false, erased_at = ${at}::timestamptz WHERE id = ${id}`,
      );
      return r;
    },

    /** What an erasure keeps, counted before it runs: the records the law or the reports need. */
    async keptCounts(userId: string, tx: DbOrTx = db) {
      const [row] = rowsOf<{ payments: number; refunds: number; bookings: number; attended: number; organisations: number; decisions: number }>(
        await tx.execute(sql`SELECT
          (SELECT count(*)::int FROM ${payments} WHERE created_by = ${userId}) AS payments,
          (SELECT count(*)::int FROM ${refunds} WHERE created_by = ${userId}) AS refunds,
          (SELECT count(*)::int FROM ${bookings} WHERE created_by = ${userId}) AS bookings,
          (SELECT count(*)::int FROM ${shiftSignups} s JOIN ${shifts} sh ON sh.id = s.shift_id WHERE s.user_id = ${userId} AND s.attendance IS NOT NULL) AS attended,
          (SELECT count(*)::int FROM ${organisations} WHERE created_by = ${userId}) AS organisations,
          (SELECT count(*)::int FROM ${tierVerifications} WHERE verified_by = ${userId}) AS decisions`),
      );
      return { payments: Number(row.payments), refunds: Number(row.refunds), bookings: Number(row.bookings), attended: Number(row.attended), organisations: Number(row.organisations), decisions: Number(row.decisions) };
    },

    /**
     * The network's admins other than this person who can still sign in. With `tx`, every admin's
     * row is locked first, so two admins erasing themselves at once cannot leave none.
     */
    async otherAdmins(userId: string, tx: DbOrTx = db) {
      const admins = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.isAdmin, true), isNull(users.erasedAt)))
        .orderBy(users.id)
        .for('update');
      return admins.filter((a) => a.id !== userId).length;
    },

    async lockUser(userId: string, tx: DbOrTx) {
      const [u] = await tx.select().from(users).where(eq(users.id, userId)).for('update');
      return u;
    },

    async recordErasure(values: typeof erasures.$inferInsert, tx: DbOrTx) {
      await tx.insert(erasures).values(values);
    },

    /** The person's live shift codes (revoked after an erasure commits, through the access module). */
    async activeShiftCodes(userId: string, tx: DbOrTx = db) {
      return (await tx.select({ id: accessCodes.id }).from(accessCodes).where(and(eq(accessCodes.userId, userId), eq(accessCodes.status, 'active'), isNotNull(accessCodes.userId)))).map((r) => r.id);
    },
  };
}
export type PrivacyRepository = ReturnType<typeof createPrivacyRepository>;
