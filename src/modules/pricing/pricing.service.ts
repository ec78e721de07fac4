import { DateTime } from 'luxon';
import type { DbOrTx } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { forbidden, invalid, notFound, unprocessable } from '../../lib/errors';
import { parseHubTime, toZonedIso } from '../../lib/time';
import { type Actor, isAnyStaff, isMemberOfOrg, isStaffOf } from '../auth/actor';
import type { Pricer } from '../bookings/bookings.service';
import { tierStanding } from '../organisations/organisations.fns';
import type { OrganisationsRepository } from '../organisations/organisations.repository';
import { NETWORK_ZONE } from '../organisations/organisations.service';
import type { VenuesRepository } from '../venues/venues.repository';
import { type PriceSnapshot, type RateCardBody, type RateCardInput, type Tier, quote as priceQuote, localDateOf } from './pricing.fns';
import type { PricingRepository, RateCardRow } from './pricing.repository';

export function presentRateCard(row: RateCardRow, createdByName: string | null = null) {
  return {
    id: row.id,
    hubId: row.hubId,
    roomId: row.roomId,
    effectiveFrom: row.effectiveFrom,
    tiers: row.tiers,
    bands: row.bands,
    minimumChargePence: row.minimumChargePence,
    createdAt: toZonedIso(row.createdAt, NETWORK_ZONE),
    createdBy: row.createdBy,
    createdByName,
  };
}
export type RateCardView = ReturnType<typeof presentRateCard>;

const cardInput = (row: RateCardRow): RateCardInput => ({
  effectiveFrom: row.effectiveFrom,
  tiers: row.tiers,
  bands: row.bands,
  minimumChargePence: row.minimumChargePence,
});


/** A snapshot as the pricer makes it: the card it came from is always named. */
type CardPrice = PriceSnapshot & Required<Pick<PriceSnapshot, 'rateCardId' | 'rateCardEffectiveFrom' | 'rateCardScope'>>;

/** A place to price: the room and the hub's id and zone. */
export interface PricePlace {
  roomId: string;
  hubId: string;
  timezone: string;
}

/**
 * Rate cards (append-only, per hub with per-room overrides), quotes, and the Pricer the bookings
 * module uses to snapshot a booking's price.
 */
export function createPricingService(deps: {
  pricing: PricingRepository;
  venues: Pick<VenuesRepository, 'getHub' | 'getRoomWithHub' | 'listRooms'>;
  organisations: Pick<OrganisationsRepository, 'get'>;
  clock: Clock;
}) {
  const { pricing, venues, organisations, clock } = deps;

  /**
   * The quote for a tier under the card in force on the booking's local start date; null when no card applies.
   * With `memo`, rooms that share a card (a hub's rooms without their own) are priced once.
   */
  async function priceAt(
    place: PricePlace,
    tier: Tier,
    startsAt: Date,
    endsAt: Date,
    tx?: DbOrTx,
    memo?: Map<string, ReturnType<typeof priceQuote>>,
  ): Promise<CardPrice | null> {
    const card = await pricing.inForce(place.hubId, place.roomId, localDateOf(startsAt, place.timezone), tx);
    if (!card) return null;
    const key = `${card.id}|${place.timezone}`;
    const q = memo?.get(key) ?? priceQuote({ card: cardInput(card), tier, startsAt, endsAt, timezone: place.timezone });
    memo?.set(key, q);
    return { ...q, rateCardId: card.id, rateCardEffectiveFrom: card.effectiveFrom, rateCardScope: card.roomId ? ('room' as const) : ('hub' as const) };
  }

  const pricer: Pricer = {
    quote: async ({ room, hub, tier, startsAt, endsAt }, tx) =>
      priceAt({ roomId: room.id, hubId: hub.id, timezone: hub.timezone }, tier as Tier, startsAt, endsAt, tx),
  };

  const hubToday = (timezone: string) => DateTime.fromJSDate(clock.now(), { zone: timezone }).toISODate()!;

  async function hubForStaff(actor: Actor, hubId: string) {
    const hub = await venues.getHub(hubId);
    if (!hub) throw notFound('Hub');
    if (!isStaffOf(actor, hub.id)) throw forbidden('Only staff of this hub may see or change its rate card');
    return hub;
  }
  async function roomForStaff(actor: Actor, roomId: string) {
    const row = await venues.getRoomWithHub(roomId);
    if (!row) throw notFound('Room');
    if (!isStaffOf(actor, row.hub.id)) throw forbidden('Only staff of this hub may see or change its rate cards');
    return row;
  }

  /** Current (in force today), upcoming (later effectiveFrom) and every version, newest first. */
  function split(rows: { card: RateCardRow; createdByName: string | null }[], today: string) {
    const history = rows.map((r) => presentRateCard(r.card, r.createdByName));
    const current = history.find((c) => c.effectiveFrom <= today) ?? null;
    const upcoming = history.filter((c) => c.effectiveFrom > today).reverse();
    return { current, upcoming, history };
  }

  function checkEffectiveFrom(body: RateCardBody, today: string) {
    if (body.effectiveFrom < today) {
      throw unprocessable('effective_in_past', `effectiveFrom must be today (${today}) or later: a rate change never reaches back`, {
        errors: [{ path: 'body.effectiveFrom', message: 'before today' }],
      });
    }
  }

  const insertValues = (body: RateCardBody, hubId: string, roomId: string | null, actor: Actor) => ({
    hubId,
    roomId,
    effectiveFrom: body.effectiveFrom,
    tiers: body.tiers,
    bands: body.bands ?? [],
    minimumChargePence: body.minimumChargePence ?? 0,
    createdBy: actor.userId,
  });

  return {
    pricer,
    priceAt,

    async getHubCard(actor: Actor, hubId: string) {
      const hub = await hubForStaff(actor, hubId);
      return { hubId: hub.id, timezone: hub.timezone, ...split(await pricing.history(hub.id, null), hubToday(hub.timezone)) };
    },

    /**
     * Every room of the hub (by name) with its own card in force today and its upcoming ones;
     * `own` is null for a room priced by the hub's card. Two queries, however many rooms.
     */
    async getRoomCards(actor: Actor, hubId: string) {
      const hub = await hubForStaff(actor, hubId);
      const today = hubToday(hub.timezone);
      const [roomRows, cards] = await Promise.all([venues.listRooms(hub.id), pricing.roomOverrides(hub.id, today)]);
      const byRoom = new Map<string, typeof cards>();
      for (const c of cards) {
        const list = byRoom.get(c.card.roomId!);
        if (list) list.push(c);
        else byRoom.set(c.card.roomId!, [c]);
      }
      const rooms = roomRows.map((room) => {
        const rows = byRoom.get(room.id);
        const own = rows ? split(rows, today) : null;
        return { roomId: room.id, name: room.name, active: room.active, own: own && { current: own.current, upcoming: own.upcoming } };
      });
      return { hubId: hub.id, timezone: hub.timezone, rooms };
    },

    async putHubCard(actor: Actor, hubId: string, body: RateCardBody) {
      const hub = await hubForStaff(actor, hubId);
      checkEffectiveFrom(body, hubToday(hub.timezone));
      const row = await pricing.insert(insertValues(body, hub.id, null, actor));
      return presentRateCard(row, actor.name);
    },

    async getRoomCard(actor: Actor, roomId: string) {
      const { room, hub } = await roomForStaff(actor, roomId);
      const today = hubToday(hub.timezone);
      const own = split(await pricing.history(hub.id, room.id), today);
      const applies = await pricing.inForce(hub.id, room.id, today);
      return { roomId: room.id, hubId: hub.id, timezone: hub.timezone, ...own, inForce: applies ? presentRateCard(applies) : null };
    },

    async putRoomCard(actor: Actor, roomId: string, body: RateCardBody) {
      const { room, hub } = await roomForStaff(actor, roomId);
      checkEffectiveFrom(body, hubToday(hub.timezone));
      const row = await pricing.insert(insertValues(body, hub.id, room.id, actor));
      return presentRateCard(row, actor.name);
    },

    /** GET /rooms/:roomId/quote: members of the organisation or staff of the room's hub. */
    async quote(actor: Actor, roomId: string, q: { organisationId: string; startsAt: string; endsAt: string }) {
      const row = await venues.getRoomWithHub(roomId);
      if (!row) throw notFound('Room');
      const { room, hub } = row;
      const org = await organisations.get(q.organisationId);
      if (!org || !(isMemberOfOrg(actor, org.id) || isStaffOf(actor, hub.id))) throw notFound('Organisation');
      const startsAt = parseHubTime(q.startsAt, hub.timezone, 'startsAt');
      const endsAt = parseHubTime(q.endsAt, hub.timezone, 'endsAt');
      if (endsAt <= startsAt) throw invalid('endsAt must be after startsAt', [{ path: 'querystring.endsAt', message: 'not after startsAt' }]);
      const standing = tierStanding(org, DateTime.fromJSDate(clock.now(), { zone: NETWORK_ZONE }).toISODate()!);
      const price = await priceAt({ roomId: room.id, hubId: hub.id, timezone: hub.timezone }, standing.tier, startsAt, endsAt);
      if (!price) throw unprocessable('no_rate_card', 'This room has no rate card in force on that date');
      return { ...price, roomId: room.id, organisationId: org.id, verified: standing.verified, needsReview: standing.needsReview };
    },

    /**
     * Quotes for rooms a search returned, for one organisation. The caller must be a member of it
     * or staff somewhere (staff book for groups across the network); otherwise 404.
     */
    async quotesFor(actor: Actor | undefined, organisationId: string, places: PricePlace[], startsAt: Date, endsAt: Date) {
      const org = await organisations.get(organisationId);
      if (!actor || !org || !(isMemberOfOrg(actor, org.id) || isAnyStaff(actor))) throw notFound('Organisation');
      const standing = tierStanding(org, DateTime.fromJSDate(clock.now(), { zone: NETWORK_ZONE }).toISODate()!);
      const out: (CardPrice | null)[] = [];
      // One search prices many rooms over one window: each rate card is walked once, not once a room.
      const memo = new Map<string, ReturnType<typeof priceQuote>>();
      for (const p of places) {
        try {
          out.push(await priceAt(p, standing.tier, startsAt, endsAt, undefined, memo));
        } catch {
          out.push(null); // e.g. a window that is not whole minutes: the room is still listed, unpriced
        }
      }
      return { tier: standing.tier, needsReview: standing.needsReview, quotes: out };
    },
  };
}
export type PricingService = ReturnType<typeof createPricingService>;
