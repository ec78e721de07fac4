import { and, asc, desc, eq, gt, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { lazy, preparedOn } from '../../db/prepared';
import { rateCards, rooms, users } from '../../db/schema';

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
     * Every room override at a hub that is in force on the local date or starts later (a room's
     * older cards are left out), with the room's name and who made it, in one query: by room
     * name, then newest first as `history`. A room's in-force cards are those of its latest
     * effectiveFrom on or before the date (the newest row of them wins, as in `inForce`).
     */
    roomOverrides: (hubId: string, localDate: string, tx: DbOrTx = db) =>
      tx
        .select({ card: rateCards, createdByName: users.name, roomName: rooms.name })
        .from(rateCards)
        .innerJoin(rooms, and(eq(rooms.id, rateCards.roomId), eq(rooms.hubId, rateCards.hubId)))
        .leftJoin(users, eq(users.id, rateCards.createdBy))
        .where(
          and(
            eq(rateCards.hubId, hubId),
            isNotNull(rateCards.roomId),
            or(
              gt(rateCards.effectiveFrom, localDate),
              eq(
                rateCards.effectiveFrom,
                sql`(SELECT max(rc.effective_from) FROM rate_cards rc WHERE rc.room_id = ${rateCards.roomId} AND rc.effective_from <= ${localDate})`,
              ),
            ),
          ),
        )
        .orderBy(asc(rooms.name), asc(rooms.id), desc(rateCards.effectiveFrom), desc(rateCards.createdAt), desc(rateCards.id))
        .limit(1000),
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
