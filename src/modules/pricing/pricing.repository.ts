import { and, desc, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { lazy, preparedOn } from '../../db/prepared';
import { rateCards, users } from '../../db/schema';

export type RateCardRow = typeof rateCards.$inferSelect;

export function createPricingRepository(db: DbOrTx) {
  const inForceQuery = lazy(() =>
    db
      .select()
      .from(rateCards)
      .where(
        and(
          eq(rateCards.hubId, sql.placeholder('hubId')),
          or(isNull(rateCards.roomId), eq(rateCards.roomId, sql.placeholder('roomId'))),
          lte(rateCards.effectiveFrom, sql.placeholder('localDate')),
        ),
      )
      .orderBy(sql`${rateCards.roomId} IS NULL`, desc(rateCards.effectiveFrom), desc(rateCards.createdAt), desc(rateCards.id))
      .limit(1)
      .prepare('pricing_rate_card_in_force'),
  );
  return {
    async insert(values: typeof rateCards.$inferInsert, tx: DbOrTx = db): Promise<RateCardRow> {
      const [row] = await tx.insert(rateCards).values(values).returning();
      return row;
    },
    /** Every version of the hub's own card (roomId null) or of one room's override, newest first, with who made it. */
    history: (hubId: string, roomId: string | null, tx: DbOrTx = db) =>
      tx
        .select({ card: rateCards, createdByName: users.name })
        .from(rateCards)
        .leftJoin(users, eq(users.id, rateCards.createdBy))
        .where(and(eq(rateCards.hubId, hubId), roomId ? eq(rateCards.roomId, roomId) : isNull(rateCards.roomId)))
        .orderBy(desc(rateCards.effectiveFrom), desc(rateCards.createdAt), desc(rateCards.id))
        .limit(200),
    /**
     * The card that applies to a room on a local date: the room's newest override in force,
     * else the hub's newest card in force (the newest row wins a tie on effectiveFrom). Built
     * once and prepared by name: every booking asks it, inside its transaction (preparedOn).
     */
    async inForce(hubId: string, roomId: string, localDate: string, tx: DbOrTx = db): Promise<RateCardRow | undefined> {
      const [row] = await preparedOn(inForceQuery(), tx, db).execute({ hubId, roomId, localDate });
      return row;
    },
  };
}
export type PricingRepository = ReturnType<typeof createPricingRepository>;
