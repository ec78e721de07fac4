import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { hubMembers, organisationMembers, organisations, users } from '../../db/schema';
import type { Actor } from './actor';

export type UserRow = typeof users.$inferSelect;

export function createAuthRepository(db: DbOrTx) {
  return {
    async findByEmail(email: string, tx: DbOrTx = db): Promise<UserRow | undefined> {
      const [row] = await tx.select().from(users).where(sql`lower(${users.email}) = lower(${email})`).limit(1);
      return row;
    },
    async findById(id: string, tx: DbOrTx = db): Promise<UserRow | undefined> {
      const [row] = await tx.select().from(users).where(eq(users.id, id)).limit(1);
      return row;
    },
    async insert(values: typeof users.$inferInsert, tx: DbOrTx = db): Promise<UserRow> {
      const [row] = await tx.insert(users).values(values).returning();
      return row;
    },
    async setPasswordHash(id: string, passwordHash: string, tx: DbOrTx = db): Promise<void> {
      await tx.update(users).set({ passwordHash }).where(eq(users.id, id));
    },
    async loadActor(userId: string, tx: DbOrTx = db): Promise<Actor | undefined> {
      const user = await this.findById(userId, tx);
      // An erased person's token or web session signs nobody in (docs/privacy.md).
      if (!user || user.erasedAt) return undefined;
      const [roles, orgs] = await Promise.all([
        tx.select({ hubId: hubMembers.hubId, role: hubMembers.role }).from(hubMembers).where(eq(hubMembers.userId, userId)),
        tx.select({ id: organisationMembers.organisationId }).from(organisationMembers).where(eq(organisationMembers.userId, userId)),
      ]);
      return {
        userId,
        email: user.email,
        name: user.name,
        isAdmin: user.isAdmin,
        staffHubs: new Set(roles.filter((r) => r.role === 'staff').map((r) => r.hubId)),
        volunteerHubs: new Set(roles.filter((r) => r.role === 'volunteer').map((r) => r.hubId)),
        organisations: new Set(orgs.map((o) => o.id)),
      };
    },
    async profile(userId: string, tx: DbOrTx = db) {
      const [roles, orgs] = await Promise.all([
        tx.select({ hubId: hubMembers.hubId, role: hubMembers.role }).from(hubMembers).where(eq(hubMembers.userId, userId)).orderBy(hubMembers.hubId, hubMembers.role),
        tx
          .select({ id: organisations.id, name: organisations.name, claimedTier: organisations.claimedTier, verifiedTier: organisations.verifiedTier, verificationStatus: organisations.verificationStatus, recheckOn: organisations.recheckOn })
          .from(organisationMembers)
          .innerJoin(organisations, eq(organisations.id, organisationMembers.organisationId))
          .where(and(eq(organisationMembers.userId, userId)))
          .orderBy(organisations.name),
      ]);
      return { roles, orgs };
    },
  };
}
export type AuthRepository = ReturnType<typeof createAuthRepository>;
