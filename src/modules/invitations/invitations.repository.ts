import { and, asc, count, eq, gt, isNull } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { hubMembers, invitations, organisationMembers, organisations } from '../../db/schema';

export type InvitationRow = typeof invitations.$inferSelect;

export function createInvitationsRepository(db: Db) {
  return {
    async insert(values: typeof invitations.$inferInsert, tx: DbOrTx = db): Promise<InvitationRow> {
      const [row] = await tx.insert(invitations).values(values).returning();
      return row;
    },
    async findByTokenHash(tokenHash: string, tx: DbOrTx = db): Promise<InvitationRow | undefined> {
      const [row] = await tx.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)).limit(1);
      return row;
    },
    /** Marks it accepted if nobody has yet and it has not expired; false when another request won. */
    async markAccepted(id: string, userId: string, now: Date, tx: DbOrTx = db): Promise<boolean> {
      const rows = await tx
        .update(invitations)
        .set({ acceptedAt: now, acceptedBy: userId })
        .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), gt(invitations.expiresAt, now)))
        .returning({ id: invitations.id });
      return rows.length === 1;
    },
    /** An organisation's invitations not accepted and not yet lapsed, soonest to lapse first. */
    waitingForOrganisation: (organisationId: string, now: Date, tx: DbOrTx = db) =>
      tx
        .select({ id: invitations.id, email: invitations.email, phone: invitations.phone, expiresAt: invitations.expiresAt })
        .from(invitations)
        .where(and(eq(invitations.organisationId, organisationId), isNull(invitations.acceptedAt), gt(invitations.expiresAt, now)))
        .orderBy(asc(invitations.expiresAt), asc(invitations.id))
        .limit(100),
    async findById(id: string, tx: DbOrTx = db): Promise<InvitationRow | undefined> {
      const [row] = await tx.select().from(invitations).where(eq(invitations.id, id)).limit(1);
      return row;
    },
    /**
     * Makes a waiting invitation lapse now (its link is then refused as an expired one is), if
     * nobody has accepted it and it has not lapsed; false when it had (or another request won).
     */
    async lapseNow(id: string, now: Date, tx: DbOrTx = db): Promise<boolean> {
      const rows = await tx
        .update(invitations)
        .set({ expiresAt: now })
        .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), gt(invitations.expiresAt, now)))
        .returning({ id: invitations.id });
      return rows.length === 1;
    },
    /** Locks the organisation's row for the transaction, so two removals of members run one after the other; false when there is none. */
    async lockOrganisation(organisationId: string, tx: DbOrTx): Promise<boolean> {
      const rows = await tx.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, organisationId)).for('update');
      return rows.length === 1;
    },
    async countOrganisationMembers(organisationId: string, tx: DbOrTx = db): Promise<number> {
      const [row] = await tx.select({ n: count() }).from(organisationMembers).where(eq(organisationMembers.organisationId, organisationId));
      return Number(row.n);
    },
    /** Removes the person from the organisation; whether they were a member. */
    async removeOrganisationMember(organisationId: string, userId: string, tx: DbOrTx = db): Promise<boolean> {
      const rows = await tx
        .delete(organisationMembers)
        .where(and(eq(organisationMembers.organisationId, organisationId), eq(organisationMembers.userId, userId)))
        .returning({ userId: organisationMembers.userId });
      return rows.length === 1;
    },
    async addHubRole(values: typeof hubMembers.$inferInsert, tx: DbOrTx = db) {
      await tx.insert(hubMembers).values(values).onConflictDoNothing();
    },
    async addOrganisationMember(organisationId: string, userId: string, tx: DbOrTx = db) {
      await tx.insert(organisationMembers).values({ organisationId, userId }).onConflictDoNothing();
    },
    /** Removes the person's roles at the hub (one role when given); how many were removed. */
    async removeHubRoles(hubId: string, userId: string, role: 'staff' | 'volunteer' | undefined, tx: DbOrTx = db): Promise<number> {
      const rows = await tx
        .delete(hubMembers)
        .where(and(eq(hubMembers.hubId, hubId), eq(hubMembers.userId, userId), role ? eq(hubMembers.role, role) : undefined))
        .returning({ role: hubMembers.role });
      return rows.length;
    },
  };
}
export type InvitationsRepository = ReturnType<typeof createInvitationsRepository>;
