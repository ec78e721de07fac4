import { and, eq, isNull, type Placeholder, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { hubMembers, organisationMembers, organisations, users } from '../../db/schema';
import type { Actor } from './actor';

export type UserRow = typeof users.$inferSelect;

/** The actor's row: the user, [hub id, role] pairs and organisation ids, in one statement. */
const actorSelect = (tx: DbOrTx, id: string | Placeholder) =>
  tx
    .select({
      email: users.email,
      name: users.name,
      isAdmin: users.isAdmin,
      roles: sql<[string, string][]>`coalesce((SELECT json_agg(json_build_array(hm.hub_id, hm.role)) FROM ${hubMembers} hm WHERE hm.user_id = ${users.id}), '[]'::json)`,
      orgs: sql<string[]>`coalesce((SELECT json_agg(om.organisation_id) FROM ${organisationMembers} om WHERE om.user_id = ${users.id}), '[]'::json)`,
    })
    .from(users)
    // An erased person's token or web session signs nobody in (docs/privacy.md).
    .where(and(eq(users.id, id), isNull(users.erasedAt)))
    .limit(1);

export function createAuthRepository(db: DbOrTx) {
  let prepared: ReturnType<ReturnType<typeof actorSelect>['prepare']> | undefined;
  const actorQuery = () => (prepared ??= actorSelect(db, sql.placeholder('id')).prepare('auth_load_actor'));
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
    /**
     * The signed-in user with their hub roles and organisations: one statement (it runs on every
     * authenticated request), sent as a named prepared statement outside a transaction.
     */
    async loadActor(userId: string, tx: DbOrTx = db): Promise<Actor | undefined> {
      const [row] = tx === db ? await actorQuery().execute({ id: userId }) : await actorSelect(tx, userId);
      if (!row) return undefined;
      return {
        userId,
        email: row.email,
        name: row.name,
        isAdmin: row.isAdmin,
        staffHubs: new Set(row.roles.filter((r) => r[1] === 'staff').map((r) => r[0])),
        volunteerHubs: new Set(row.roles.filter((r) => r[1] === 'volunteer').map((r) => r[0])),
        organisations: new Set(row.orgs),
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
