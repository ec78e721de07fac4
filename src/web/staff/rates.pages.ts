import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { Container } from '../../container';
import type { Actor } from '../../modules/auth/actor';
import { type Band, type RateCardInput, TIERS, type Tier, quote } from '../../modules/pricing/pricing.fns';
import type { RateCardView } from '../../modules/pricing/pricing.service';
import { type FieldErrors, type Fields, dateParts, errorList, flash, readDate, text } from '../forms';
import { formatLocalDate, formatMoney, formatWhen, tierName } from '../format';
import { hubOfPage, roomOfHub, staffOf } from './context';
import { STAFF_PAGE as PAGE } from './page';

const WEEKDAY = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** "12.50", "£12.50", "12" → pence; undefined when it is not an amount of money. */
export function toPence(raw: string): number | undefined {
  const v = raw.replace(/[£,\s]/g, '');
  if (!/^\d{1,6}(\.\d{1,2})?$/.test(v)) return undefined;
  return Math.round(Number(v) * 100);
}
const pounds = (p: number) => (p / 100).toFixed(2);

/** A band in words: "Evenings: Mon to Fri, 6pm to midnight". */
function bandText(b: Band) {
  const days = b.weekdays.length === 7 ? 'every day' : b.weekdays.map((d) => WEEKDAY[d]).join(', ');
  return `${b.name}: ${days}, ${b.from} to ${b.to}`;
}

/**
 * Rate cards: the card in force per tier (bands, minimum charge), upcoming cards and the history;
 * the rooms with their own card (which wins over the hub's while in force); a new card, for the
 * hub or for one room (`?room=`), with a preview of what typical bookings would cost at each tier
 * before it is saved. Cards are saved through the pricing service (as PUT /hubs/:hubId/rate-card
 * and PUT /rooms/:roomId/rate-card); the preview uses the same pure pricing as every quote.
 */
export async function ratePages(app: FastifyInstance, { container }: { container: Container }) {
  const { pricing } = container.services;
  const { clock } = container;

  const cardRows = (c: RateCardView) => ({
    ...c,
    from: formatLocalDate(c.effectiveFrom),
    tiers: TIERS.map((t) => ({ name: tierName(t), rate: formatMoney(c.tiers[t].hourlyPence), bands: c.bands.map((b) => formatMoney(b.tiers[t].hourlyPence)) })),
    bandNames: c.bands.map(bandText),
    minimum: c.minimumChargePence ? formatMoney(c.minimumChargePence) : 'None',
  });

  app.get<{ Querystring: { hub?: string } }>('/staff/rate-cards', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const hub = await hubOfPage(container, request, reply, request.query.hub);
    const [card, roomCards] = await Promise.all([pricing.getHubCard(actor, hub.id), pricing.getRoomCards(actor, hub.id)]);
    const setHref = (roomId: string) => `/staff/rate-cards/new?hub=${hub.id}&room=${roomId}`;
    return reply.view('staff/views/rates/cards.njk', {
      title: `Rate cards, ${hub.name}`,
      hub,
      // Rooms priced by their own card (now or from a later date), then the open rooms that use the hub's.
      ownRooms: roomCards.rooms
        .filter((r) => r.own)
        .map((r) => ({ id: r.roomId, name: r.name, active: r.active, setHref: setHref(r.roomId), current: r.own!.current ? cardRows(r.own!.current) : null, upcoming: r.own!.upcoming.map(cardRows) })),
      hubRooms: roomCards.rooms.filter((r) => !r.own && r.active).map((r) => ({ id: r.roomId, name: r.name, setHref: setHref(r.roomId) })),
      current: card.current ? cardRows(card.current) : null,
      upcoming: card.upcoming.map(cardRows),
      history: card.history.map((c) => ({ from: formatLocalDate(c.effectiveFrom), by: c.createdByName ?? 'Unknown', set: formatLocalDate(c.createdAt.slice(0, 10)), summary: TIERS.map((t) => `${tierName(t)} ${formatMoney(c.tiers[t].hourlyPence)}`).join('; '), current: c.id === card.current?.id })),
    });
  });

  /** Typical bookings priced under a card at every tier: a weekday morning, a weekday evening and a Saturday. */
  function preview(card: RateCardInput, zone: string, from: string) {
    const start = DateTime.fromISO(from, { zone });
    const next = (weekday: number) => start.plus({ days: (weekday - start.weekday + 7) % 7 });
    const samples = [
      { at: next(2), from: 10, to: 12 },
      { at: next(2), from: 18, to: 21 },
      { at: next(6), from: 10, to: 14 },
    ];
    return samples.map((s) => {
      const startsAt = s.at.set({ hour: s.from, minute: 0 }).toJSDate();
      const endsAt = s.at.set({ hour: s.to, minute: 0 }).toJSDate();
      return {
        when: formatWhen(startsAt, endsAt, zone, { now: clock.now() }),
        prices: TIERS.map((tier) => {
          const q = quote({ card, tier, startsAt, endsAt, timezone: zone });
          return { tier: tierName(tier), amount: formatMoney(q.amountPence), subsidy: q.subsidyPence ? formatMoney(q.subsidyPence) : null };
        }),
      };
    });
  }

  type NewQuery = { hub?: string; room?: string };

  /**
   * The new-card form for the hub, or for one of its rooms (`?room=`: 404 unless a room of this
   * hub). Its starting values are the newest card the new one follows: the hub's newest, or the
   * room's newest own card, else the card that prices the room today (the hub's).
   */
  async function renderNew(request: FastifyRequest, reply: FastifyReply, actor: Actor, q: NewQuery, body: Fields | undefined) {
    const hub = await hubOfPage(container, request, reply, q.hub);
    const room = q.room ? await roomOfHub(container, hub, q.room) : null;
    let base: RateCardView | null;
    if (room) {
      const own = await pricing.getRoomCard(actor, room.id);
      base = own.history[0] ?? own.inForce;
    } else {
      const card = await pricing.getHubCard(actor, hub.id);
      base = card.upcoming[card.upcoming.length - 1] ?? card.current;
    }
    const today = DateTime.fromJSDate(clock.now(), { zone: hub.timezone }).toISODate()!;
    const values: Record<string, string> = body
      ? Object.fromEntries([...TIERS.map((t) => [t, text(body, t)]), ['minimum', text(body, 'minimum')], ['keepBands', text(body, 'keepBands')]])
      : { ...Object.fromEntries(TIERS.map((t) => [t, base ? pounds(base.tiers[t].hourlyPence) : ''])), minimum: base ? pounds(base.minimumChargePence) : '0.00', keepBands: 'yes' };
    const errors: FieldErrors = {};
    let date = dateParts(undefined);
    let parsed: RateCardInput | undefined;
    if (body) {
      const d = readDate(body, 'from');
      date = d.value;
      if (d.error === 'missing') errors.from = 'Enter the date the new rates start';
      else if (d.error) errors.from = 'The start date must be a real date, like 1 1 2027';
      else if (d.iso! < today) errors.from = 'The start date must be today or later: a rate change never reaches back';
      const tiers = {} as Record<Tier, { hourlyPence: number }>;
      for (const t of TIERS) {
        const p = toPence(values[t]);
        if (p === undefined) errors[t] = `Enter the hourly rate for ${tierName(t).toLowerCase()}, like 12.50`;
        else tiers[t] = { hourlyPence: p };
      }
      const minimum = values.minimum ? toPence(values.minimum) : 0;
      if (minimum === undefined) errors.minimum = 'Enter the minimum charge in pounds, like 20.00, or 0 for none';
      if (!Object.keys(errors).length) parsed = { effectiveFrom: d.iso!, tiers, minimumChargePence: minimum, bands: values.keepBands === 'yes' && base ? base.bands : [] };
    }
    const view = {
      title: room ? `New rate card for ${room.name}` : 'New rate card',
      hub,
      room: room && { id: room.id, name: room.name },
      // Where the starting values come from, for a room: its own card, or the hub's that prices it now.
      baseIsHubs: Boolean(room && base && !base.roomId),
      values,
      date,
      baseBands: base?.bands.map(bandText) ?? [],
      tierList: TIERS.map((t) => ({ id: t, name: tierName(t) })),
      fieldErrors: errors,
    };
    return { hub, room, base, parsed, errors, view };
  }

  app.get<{ Querystring: NewQuery }>('/staff/rate-cards/new', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const m = await renderNew(request, reply, actor, request.query, undefined);
    return reply.view('staff/views/rates/new.njk', m.view);
  });

  app.post<{ Querystring: NewQuery; Body: Fields }>('/staff/rate-cards/new', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const m = await renderNew(request, reply, actor, request.query, request.body);
    if (!m.parsed) return reply.status(400).view('staff/views/rates/new.njk', { ...m.view, errors: errorList(m.errors, { from: 'from-day' }) });
    if (text(request.body, 'action') !== 'save') {
      // The preview: what typical bookings would cost, now and under the new card.
      const now = m.base ? preview({ effectiveFrom: m.base.effectiveFrom, tiers: m.base.tiers, bands: m.base.bands, minimumChargePence: m.base.minimumChargePence }, m.hub.timezone, m.parsed.effectiveFrom) : null;
      const next = preview(m.parsed, m.hub.timezone, m.parsed.effectiveFrom);
      return reply.view('staff/views/rates/new.njk', { ...m.view, preview: next.map((p, i) => ({ ...p, before: now?.[i].prices })), startsOn: formatLocalDate(m.parsed.effectiveFrom) });
    }
    const body = { effectiveFrom: m.parsed.effectiveFrom, tiers: m.parsed.tiers, bands: m.parsed.bands, minimumChargePence: m.parsed.minimumChargePence };
    const from = formatLocalDate(m.parsed.effectiveFrom);
    if (m.room) {
      await pricing.putRoomCard(actor, m.room.id, body);
      flash(request, `New rate card saved for ${m.room.name}`, `It prices ${m.room.name} instead of the hub's card for bookings from ${from}. Bookings already made keep their price.`);
      return reply.redirect(`/staff/rate-cards?hub=${m.hub.id}`, 303);
    }
    await pricing.putHubCard(actor, m.hub.id, body);
    flash(request, 'New rate card saved', `It applies to bookings from ${from}. Bookings already made keep their price.`);
    return reply.redirect(`/staff/rate-cards?hub=${m.hub.id}`, 303);
  });
}
