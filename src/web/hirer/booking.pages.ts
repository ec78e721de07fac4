import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { Container } from '../../container';
import { DomainError } from '../../lib/errors';
import type { Actor } from '../../modules/auth/actor';
import { type FieldErrors, errorList, flash, signedIn, text } from '../forms';
import { formatDuration, formatMoney, formatWhen, plural } from '../format';
import { refusal } from './rules';
import { readSlot, slotTimes, whenFields } from './slot';

const PAGE = { schema: { hide: true }, constraints: { page: 'html' } };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Statuses in words: a tag and what happens next. */
const STATUS_TAG: Record<string, { text: string; classes: string }> = {
  requested: { text: 'Waiting for approval', classes: 'govuk-tag--yellow' },
  awaiting_payment: { text: 'Waiting for payment', classes: 'govuk-tag--orange' },
  confirmed: { text: 'Confirmed', classes: 'govuk-tag--green' },
  completed: { text: 'Finished', classes: 'govuk-tag--grey' },
  cancelled: { text: 'Cancelled', classes: 'govuk-tag--grey' },
  declined: { text: 'Declined', classes: 'govuk-tag--red' },
  expired: { text: 'Released: not paid in time', classes: 'govuk-tag--grey' },
};
const CHANGEABLE = ['requested', 'awaiting_payment', 'confirmed'];

/** My bookings; a booking's page (status, price, pay, door code); move; cancel with the refund shown first. */
export async function bookingPages(app: FastifyInstance, { container }: { container: Container }) {
  const { bookings, checkout: payments, bookingAccess: access, venues } = container.services;
  const { clock } = container;

  async function load(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    const actor = signedIn(request, reply);
    if (!actor) return undefined;
    if (!UUID.test(request.params.id)) throw new DomainError('not_found', 'not_found', 'Booking not found');
    const booking = await bookings.get(actor, request.params.id);
    return { actor, booking };
  }

  app.get('/bookings', PAGE, async (request, reply) => {
    const actor = signedIn(request, reply);
    if (!actor) return reply;
    const from = DateTime.fromJSDate(clock.now(), { zone: 'Europe/London' }).startOf('day').toISO()!;
    const page = await bookings.list(actor, { organisationId: undefined, from, limit: 100 });
    const mine = page.items.filter((b) => actor.organisations.has(b.organisationId));
    return reply.view('hirer/views/bookings.njk', {
      title: 'Your bookings',
      width: 'full',
      bookings: mine.map((b) => ({ ...b, when: formatWhen(b.startsAt, b.endsAt, b.timezone, { now: clock.now() }), tag: STATUS_TAG[b.status] })),
      more: Boolean(page.next),
    });
  });

  app.get<{ Params: { id: string }; Querystring: { checkout?: string } }>('/bookings/:id', PAGE, async (request, reply) => {
    const loaded = await load(request, reply);
    if (!loaded) return reply;
    const { actor, booking: b } = loaded;
    const now = clock.now();
    const [money, hub] = await Promise.all([payments.forBooking(actor, b.id), venues.getHub(b.hubId)]);
    const entry = b.status === 'confirmed' ? await access.getBookingAccess(actor, b.id) : undefined;
    const upcoming = new Date(b.startsAt).getTime() > now.getTime();
    return reply.view('hirer/views/booking.njk', {
      title: b.title,
      b,
      hub,
      tag: STATUS_TAG[b.status],
      when: formatWhen(b.startsAt, b.endsAt, b.timezone, { now }),
      money,
      holdUntil: money.holdExpiresAt ? formatWhen(money.holdExpiresAt, money.holdExpiresAt, b.timezone, { now }).replace(/ to .*$/, '') : undefined,
      entry: entry && {
        ...entry,
        window: formatWhen(entry.validFrom, entry.validUntil, b.timezone, { now }),
        sendAt: formatWhen(entry.issueAt, entry.issueAt, b.timezone, { now }).replace(/ to .*$/, ''),
        doorNames: entry.doors.map((d) => d.name),
      },
      checkout: request.query.checkout,
      canChange: CHANGEABLE.includes(b.status) && upcoming,
      isMine: actor.organisations.has(b.organisationId),
    });
  });

  app.post<{ Params: { id: string } }>('/bookings/:id/pay', { schema: { hide: true } }, async (request, reply) => {
    const loaded = await load(request, reply);
    if (!loaded) return reply;
    const { actor, booking: b } = loaded;
    try {
      const { checkoutUrl } = await payments.checkout(actor, b.id, b.seriesId ? 'series' : 'booking');
      return reply.redirect(checkoutUrl, 303);
    } catch (err) {
      if (!(err instanceof DomainError) || err.kind === 'not_found') throw err;
      flash(request, err.code === 'hold_lapsed' ? 'The hold on this booking has ended' : 'You cannot pay by card just now', err.code === 'hold_lapsed' ? 'Book the room again.' : err.message, 'info');
      return reply.redirect(`/bookings/${b.id}`, 303);
    }
  });

  // --- Move ---------------------------------------------------------------------------------------
  function renderMove(reply: FastifyReply, b: Awaited<ReturnType<typeof bookings.get>>, values: Parameters<typeof whenFields>[0], errors: FieldErrors, status = 200) {
    return reply.status(status).view('hirer/views/booking-move.njk', {
      title: `Move ${b.title}`,
      b,
      now: formatWhen(b.startsAt, b.endsAt, b.timezone, { now: clock.now() }),
      when: whenFields(values, errors),
      fieldErrors: errors,
      errors: errorList(errors, { date: 'date-day' }),
      backLink: `/bookings/${b.id}`,
    });
  }

  const currentSlot = (b: { startsAt: string; endsAt: string; timezone: string }) => {
    const s = DateTime.fromISO(b.startsAt, { zone: b.timezone });
    const e = DateTime.fromISO(b.endsAt, { zone: b.timezone });
    return { date: { day: String(s.day), month: String(s.month), year: String(s.year) }, start: s.toFormat('HH:mm'), end: e.toFormat('HH:mm') };
  };

  app.get<{ Params: { id: string } }>('/bookings/:id/move', { schema: { hide: true } }, async (request, reply) => {
    const loaded = await load(request, reply);
    if (!loaded) return reply;
    if (!CHANGEABLE.includes(loaded.booking.status)) return reply.redirect(`/bookings/${loaded.booking.id}`, 303);
    return renderMove(reply, loaded.booking, currentSlot(loaded.booking), {});
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/bookings/:id/move', PAGE, async (request, reply) => {
    const loaded = await load(request, reply);
    if (!loaded) return reply;
    const { actor, booking: b } = loaded;
    const { slot, values, errors } = readSlot(request.body, b.timezone, clock.now());
    if (!slot) return renderMove(reply, b, values, errors, 400);
    try {
      const moved = await bookings.move(actor, b.id, slotTimes(slot));
      flash(request, 'Booking moved', `It is now ${formatWhen(moved.startsAt, moved.endsAt, moved.timezone, { now: clock.now() })}. If a door code was sent, a new one follows.`);
      return reply.redirect(`/bookings/${b.id}`, 303);
    } catch (err) {
      const message = refusal(err);
      if (!message) throw err;
      return renderMove(reply, b, values, { start: message }, err instanceof DomainError && err.kind === 'conflict' ? 409 : 422);
    }
  });

  // --- Cancel ------------------------------------------------------------------------------------
  async function refundWords(actor: Actor, b: Awaited<ReturnType<typeof bookings.get>>) {
    const money = await payments.forBooking(actor, b.id);
    const notice = formatDuration(Math.max(0, Math.floor((new Date(b.startsAt).getTime() - clock.now().getTime()) / 3_600_000)) * 60);
    if (money.paidPence > 0) {
      return money.refundPence > 0
        ? `You will get ${formatMoney(money.refundPence)} back (${money.refundPercent}% of the ${formatMoney(money.paidPence)} you paid), because you are cancelling ${notice} before it starts. ${money.paidBy === 'offline' ? 'The hub gives it back the way you paid (cash, bank transfer or cheque).' : 'It goes back to the card you paid with within 5 to 10 working days.'}`
        : `You will not get any of the ${formatMoney(money.paidPence)} you paid back, because you are cancelling ${notice} before it starts.`;
    }
    if (money.paysByInvoice && (b.price?.amountPence ?? 0) > 0) return 'The hub will take this booking off your invoice, by its cancellation policy.';
    return 'You have not paid for this booking, so there is nothing to refund.';
  }

  app.get<{ Params: { id: string } }>('/bookings/:id/cancel', { schema: { hide: true } }, async (request, reply) => {
    const loaded = await load(request, reply);
    if (!loaded) return reply;
    const { actor, booking: b } = loaded;
    if (!CHANGEABLE.includes(b.status)) return reply.redirect(`/bookings/${b.id}`, 303);
    return reply.view('hirer/views/booking-cancel.njk', {
      title: `Cancel ${b.title}`,
      b,
      when: formatWhen(b.startsAt, b.endsAt, b.timezone, { now: clock.now() }),
      refund: await refundWords(actor, b),
      backLink: `/bookings/${b.id}`,
    });
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/bookings/:id/cancel', PAGE, async (request, reply) => {
    const loaded = await load(request, reply);
    if (!loaded) return reply;
    const { actor, booking: b } = loaded;
    const scope = text(request.body, 'scope') === 'following' && b.seriesId ? 'following' : 'this';
    const reason = text(request.body, 'reason').slice(0, 500) || undefined;
    try {
      const result = await bookings.cancel(actor, b.id, reason, scope);
      const refunded = result.refunds.reduce((n, r) => n + r.amountPence, 0);
      flash(
        request,
        result.cancelledBookingIds.length > 1 ? `${plural(result.cancelledBookingIds.length, 'booking')} cancelled` : 'Booking cancelled',
        refunded > 0 ? `${formatMoney(refunded)} is on its way back to your card.` : undefined,
      );
    } catch (err) {
      const message = refusal(err);
      if (!message) throw err;
      flash(request, 'The booking was not cancelled', message, 'info');
    }
    return reply.redirect(`/bookings/${b.id}`, 303);
  });
}

