import { and, asc, eq, gt, inArray, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { lazy, preparedOn } from '../../db/prepared';
import { keysetAfter, type PageArgs } from '../../db/keyset';
import { BLOCKING_STATUSES, bookings, hubs, organisationMembers, organisations, tierVerifications, users } from '../../db/schema';

export type OrganisationRow = typeof organisations.$inferSelect;

export function createOrganisationsRepository(db: DbOrTx) {
  const getQuery = lazy(() => db.select().from(organisations).where(eq(organisations.id, sql.placeholder('id'))).prepare('organisations_get'));
  return {
    /** Verified organisations whose re-check date (a local date) is before `today`, with each hub where they hold bookings after `now`. */
    lapsedWithBookingsAhead: (today: string, now: Date, limit: number, tx: DbOrTx = db) =>
      tx
        .selectDistinct({ orgId: organisations.id, orgName: organisations.name, recheckOn: organisations.recheckOn, hubId: hubs.id, hubName: hubs.name })
        .from(organisations)
        .innerJoin(bookings, eq(bookings.organisationId, organisations.id))
        .innerJoin(hubs, eq(hubs.id, bookings.hubId))
        .where(
          and(
            eq(organisations.verificationStatus, 'verified'),
            lt(organisations.recheckOn, today),
            gt(bookings.startsAt, now),
            inArray(bookings.status, [...BLOCKING_STATUSES]),
          ),
        )
        .limit(limit),
    /** Prepared by name (every booking reads its organisation). */
    async get(id: string, tx: DbOrTx = db): Promise<OrganisationRow | undefined> {
      const [row] = await preparedOn(getQuery(), tx, db).execute({ id });
      return row;
    },
    async insert(values: typeof organisations.$inferInsert, tx: DbOrTx = db) {
      const [row] = await tx.insert(organisations).values(values).returning();
      return row;
    },
    async update(id: string, values: Partial<typeof organisations.$inferInsert>, tx: DbOrTx = db) {
      const [row] = await tx.update(organisations).set(values).where(eq(organisations.id, id)).returning();
      return row;
    },
    async addMember(organisationId: string, userId: string, tx: DbOrTx = db) {
      await tx.insert(organisationMembers).values({ organisationId, userId }).onConflictDoNothing();
    },
    members: (organisationId: string, tx: DbOrTx = db) =>
      tx
        .select({ userId: users.id, name: users.name, email: users.email })
        .from(organisationMembers)
        .innerJoin(users, eq(users.id, organisationMembers.userId))
        .where(eq(organisationMembers.organisationId, organisationId))
        .orderBy(asc(users.name)),
    async isMember(organisationId: string, userId: string, tx: DbOrTx = db) {
      const [row] = await tx
        .select({ u: organisationMembers.userId })
        .from(organisationMembers)
        .where(and(eq(organisationMembers.organisationId, organisationId), eq(organisationMembers.userId, userId)));
      return Boolean(row);
    },
    /** Whether the organisation has ever booked (any status) at one of these hubs: it hires there. */
    async hiresAtAnyOf(organisationId: string, hubIds: string[], tx: DbOrTx = db): Promise<boolean> {
      if (hubIds.length === 0) return false;
      const [row] = await tx
        .select({ id: bookings.id })
        .from(bookings)
        .where(and(eq(bookings.organisationId, organisationId), inArray(bookings.hubId, hubIds)))
        .limit(1);
      return Boolean(row);
    },
    async insertVerification(values: typeof tierVerifications.$inferInsert, tx: DbOrTx = db) {
      const [row] = await tx.insert(tierVerifications).values(values).returning();
      return row;
    },
    verifications: (organisationId: string, tx: DbOrTx = db) =>
      tx
        .select({
          id: tierVerifications.id,
          tier: tierVerifications.tier,
          evidence: tierVerifications.evidence,
          recheckOn: tierVerifications.recheckOn,
          paysByInvoice: tierVerifications.paysByInvoice,
          verifiedBy: tierVerifications.verifiedBy,
          verifiedByName: users.name,
          createdAt: tierVerifications.createdAt,
        })
        .from(tierVerifications)
        .innerJoin(users, eq(users.id, tierVerifications.verifiedBy))
        .where(eq(tierVerifications.organisationId, organisationId))
        .orderBy(asc(tierVerifications.createdAt)),
    /** A page of the user's organisations by name, then id. */
    listForUser: (userId: string, p: PageArgs, tx: DbOrTx = db) =>
      tx
        .select({ org: organisations })
        .from(organisationMembers)
        .innerJoin(organisations, eq(organisations.id, organisationMembers.organisationId))
        .where(and(eq(organisationMembers.userId, userId), p.after ? keysetAfter([organisations.name, organisations.id], p.after) : undefined))
        .orderBy(asc(organisations.name), asc(organisations.id))
        .limit(p.limit),
    /** A page of every organisation by name, then id. */
    listAll: (p: PageArgs, tx: DbOrTx = db) =>
      tx
        .select()
        .from(organisations)
        .where(p.after ? keysetAfter([organisations.name, organisations.id], p.after) : undefined)
        .orderBy(asc(organisations.name), asc(organisations.id))
        .limit(p.limit),
  };
}
export type OrganisationsRepository = ReturnType<typeof createOrganisationsRepository>;
