import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { hubMembers, invitations, organisationMembers } from '../../db/schema';

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
