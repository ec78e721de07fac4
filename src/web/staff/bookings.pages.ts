import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { Container } from '../../container';
import type { BookingStatus } from '../../modules/bookings/bookings.repository';
import { DomainError } from '../../lib/errors';
import { type FieldErrors, errorList, flash, text } from '../forms';
import { formatMoney, formatTime, formatWhen, plural } from '../format';
import { refusal } from '../hirer/rules';
import { readSlot, slotTimes, whenFields } from '../hirer/slot';
import { notFound, staffOf, useHub } from './context';
import { STAFF_PAGE, UUID } from './page';
import { OFFLINE_METHODS, type OfflineMethod } from '../../modules/payments/offline.service';
import type { Actor } from '../../modules/auth/actor';
import { toPence } from './rates.pages';
import { BOOKING_STATUS, bookingTag } from './words';

const SHOWN: BookingStatus[] = ['requested', 'awaiting_payment', 'confirmed', 'completed', 'cancelled', 'declined', 'expired'];
const ACTIVE: BookingStatus[] = ['requested', 'awaiting_payment', 'confirmed', 'completed'];
const CHANGEABLE = ['requested', 'awaiting_payment', 'confirmed'];
const OFFLINE_WORDS: Record<OfflineMethod, string> = { cash: 'Cash', bank_transfer: 'Bank transfer', cheque: 'Cheque' };
/** The offline payment service's refusals, said on the form (wrong_amount names the amount due). */
const OFFLINE_REFUSALS: Record<string, string> = {
  wrong_amount: 'The amount must be the whole amount due',
  already_paid: 'This booking is already paid for: nothing was recorded',
  not_awaiting_payment: 'This booking is not waiting for payment: nothing was recorded',
  booking_changed: 'The booking changed while the payment was being recorded: check it and try again',
  checkout_in_progress: 'The hirer is opening a card payment for this booking now: try again in a moment',
  payments_unavailable: 'A card payment is open for this booking and could not be closed: try again shortly',
};
type OfflineValues = { method: string; amount: string; reference: string };

/**
 * A week of bookings per room (rooms down the side, days across, each booking's time in words),
 * filtered by room and status; a booking's page: who, when, money, the door code's state; move,
 * cancel (the refund shown first), revoke and re-issue the door code.
 */
export async function bookingsPages(app: FastifyInstance, { container }: { container: Container }) {
  const { bookings, venues, checkout, bookingAccess, accessCodes, offlinePayments } = container.services;
  const { clock } = container;

  app.get<{ Querystring: { week?: string; room?: string; status?: string } }>('/staff/bookings', STAFF_PAGE, async (request, reply) => {
    const { actor, hub } = staffOf(request);
    const zone = hub.timezone;
    const now = clock.now();
    const asked = request.query.week ? DateTime.fromISO(request.query.week, { zone }) : undefined;
    const weekError = asked !== undefined && !asked.isValid;
    const monday = (asked?.isValid ? asked : DateTime.fromJSDate(now, { zone })).startOf('week');
    const days = Array.from({ length: 7 }, (_, i) => monday.plus({ days: i }));
    const rooms = (await venues.listRooms(hub.id, true, { limit: 100 })).items;
    const roomFilter = rooms.find((r) => r.id === request.query.room)?.id;
    const statusFilter = request.query.status === 'active' || request.query.status === undefined || request.query.status === '' ? 'active' : SHOWN.includes(request.query.status as BookingStatus) ? (request.query.status as BookingStatus) : 'all';
    const statuses = statusFilter === 'active' ? ACTIVE : statusFilter === 'all' ? SHOWN : [statusFilter];
    const found = await bookings.list(actor, { hubId: hub.id, roomId: roomFilter, from: days[0].toISODate()!, to: days[6].toISODate()!, status: statuses, limit: 500 });
    const shownRooms = rooms.filter((r) => !roomFilter || r.id === roomFilter);
    const grid = shownRooms.map((room) => ({
      room,
      days: days.map((d) =>
        found.items
          .filter((b) => b.roomId === room.id && DateTime.fromISO(b.startsAt, { zone }).hasSame(d, 'day'))
          .map((b) => ({ id: b.id, title: b.title, org: b.organisationName, time: `${formatTime(b.startsAt, zone)} to ${formatTime(b.endsAt, zone)}`, tag: bookingTag(b.status), status: b.status })),
      ),
    }));
    const q = (week: DateTime) => new URLSearchParams({ week: week.toISODate()!, ...(roomFilter ? { room: roomFilter } : {}), ...(statusFilter !== 'active' ? { status: statusFilter } : {}) }).toString();
    return reply.status(weekError ? 400 : 200).view('staff/views/bookings.njk', {
      title: 'Bookings',
      navKey: 'bookings',
      weekText: `${days[0].setLocale('en-GB').toFormat('d LLLL')} to ${days[6].setLocale('en-GB').toFormat('d LLLL yyyy')}`,
      days: days.map((d) => ({ short: d.setLocale('en-GB').toFormat('ccc d LLL'), long: d.setLocale('en-GB').toFormat('cccc d LLLL') })),
      grid,
      count: found.items.length,
      more: Boolean(found.next),
      previous: `/staff/bookings?${q(monday.minus({ weeks: 1 }))}`,
      next: `/staff/bookings?${q(monday.plus({ weeks: 1 }))}`,
      thisWeek: monday.hasSame(DateTime.fromJSDate(now, { zone }), 'week'),
      weekValue: monday.toISODate(),
      roomItems: [{ value: '', text: 'All rooms' }, ...rooms.map((r) => ({ value: r.id, text: r.active ? r.name : `${r.name} (not bookable)`, selected: r.id === roomFilter }))],
      statusItems: [
        { value: 'active', text: 'Waiting, confirmed and finished', selected: statusFilter === 'active' },
        ...SHOWN.map((s) => ({ value: s, text: `Only: ${BOOKING_STATUS[s].text.toLowerCase()}`, selected: statusFilter === s })),
        { value: 'all', text: 'All, with cancelled and declined', selected: statusFilter === 'all' },
      ],
      errors: weekError ? [{ text: 'The week must be a date, for example 2026-11-30', href: '#week' }] : undefined,
    });
  });

  // --- One booking ---------------------------------------------------------------------------------
  async function load(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    const { actor } = staffOf(request);
    if (!UUID.test(request.params.id)) throw notFound('Booking');
    // bookings.get shows a booking to its organisation's members too: the staff page only to staff of its hub.
    const b = await bookings.get(actor, request.params.id);
    await useHub(container, request, reply, b.hubId);
    return { actor, b };
  }
  type Booking = Awaited<ReturnType<typeof bookings.get>>;

  /** A booking's page; with the offline payment form's values and mistakes when it comes back. */
  async function renderBooking(reply: FastifyReply, actor: Actor, b: Booking, pay: { values?: OfflineValues; errors?: FieldErrors; status?: number } = {}) {
    const now = clock.now();
    const [money, entry] = await Promise.all([checkout.forBooking(actor, b.id), bookingAccess.getBookingAccess(actor, b.id)]);
    const at = (iso: string) => formatWhen(iso, iso, b.timezone, { now }).replace(/ to .*$/, '');
    const due = b.price?.amountPence ?? 0;
    const values = pay.values ?? { method: '', amount: (due / 100).toFixed(2), reference: '' };
    const errors = pay.errors ?? {};
    return reply.status(pay.status ?? 200).view('staff/views/booking.njk', {
      title: b.title,
      navKey: 'bookings',
      b,
      tag: bookingTag(b.status),
      when: formatWhen(b.startsAt, b.endsAt, b.timezone, { now }),
      money,
      price: b.price ? `${formatMoney(b.price.amountPence)}${b.price.subsidyPence > 0 ? ` (a saving of ${formatMoney(b.price.subsidyPence)} on the private rate)` : ''}` : 'No charge',
      holdUntil: money.holdExpiresAt ? at(new Date(money.holdExpiresAt).toISOString()) : undefined,
      entry: {
        ...entry,
        window: formatWhen(entry.validFrom, entry.validUntil, b.timezone, { now }),
        sendAt: at(entry.issueAt),
        sentAt: entry.sentAt ? at(entry.sentAt) : undefined,
        doorNames: entry.doors.map((d) => d.name),
      },
      canChange: CHANGEABLE.includes(b.status) && new Date(b.endsAt).getTime() > now.getTime(),
      canRecord: b.status === 'awaiting_payment' && due > 0,
      due: formatMoney(due),
      pay: {
        values,
        methodItems: OFFLINE_METHODS.map((m) => ({ value: m, text: OFFLINE_WORDS[m], checked: values.method === m })),
        fieldErrors: errors,
      },
      errors: Object.keys(errors).length ? errorList(errors, { method: 'method', amount: 'amount', reference: 'reference' }) : undefined,
      backLink: `/staff/bookings?week=${DateTime.fromISO(b.startsAt, { zone: b.timezone }).startOf('week').toISODate()}`,
    });
  }

  app.get<{ Params: { id: string } }>('/staff/bookings/:id', STAFF_PAGE, async (request, reply) => {
    const { actor, b } = await load(request, reply);
    return renderBooking(reply, actor, b);
  });

  // --- A payment taken at the hub (cash, bank transfer, cheque): the whole amount due ---------------
  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/staff/bookings/:id/payments/offline', STAFF_PAGE, async (request, reply) => {
    const { actor, b } = await load(request, reply);
    const values: OfflineValues = { method: text(request.body, 'method'), amount: text(request.body, 'amount'), reference: text(request.body, 'reference') };
    const errors: FieldErrors = {};
    if (!(OFFLINE_METHODS as readonly string[]).includes(values.method)) errors.method = 'Select how the hirer paid: cash, bank transfer or cheque';
    const pence = toPence(values.amount);
    if (!values.amount) errors.amount = 'Enter the amount taken, like 24.00';
    else if (pence === undefined || pence < 1) errors.amount = 'Enter the amount taken in pounds and pence, like 24.00';
    if (values.reference.length > 200) errors.reference = 'The reference must be 200 characters or fewer';
    if (Object.keys(errors).length) return renderBooking(reply, actor, b, { values, errors, status: 400 });
    try {
      const { created, payment } = await offlinePayments.record(actor, b.id, { method: values.method as OfflineMethod, amountPence: pence!, reference: values.reference || undefined, scope: 'booking' });
      flash(
        request,
        created ? `${formatMoney(payment.amountPence)} recorded, paid by ${OFFLINE_WORDS[payment.offlineMethod as OfflineMethod].toLowerCase()}` : 'This payment was already recorded',
        created ? 'The booking is confirmed and the hirer is texted; the door code follows as for any confirmed booking.' : 'Nothing was recorded twice.',
      );
      return reply.redirect(`/staff/bookings/${b.id}`, 303);
    } catch (err) {
      if (!(err instanceof DomainError) || !OFFLINE_REFUSALS[err.code]) throw err;
      const field = err.code === 'wrong_amount' ? 'amount' : 'method';
      const detail = err.extra as { amountDuePence?: number } | undefined;
      const message = err.code === 'wrong_amount' ? `The amount must be the whole ${formatMoney(detail?.amountDuePence ?? b.price?.amountPence ?? 0)} due: part payments are not recorded` : OFFLINE_REFUSALS[err.code];
      return renderBooking(reply, actor, b, { values, errors: { [field]: message }, status: err.kind === 'validation' ? 400 : err.kind === 'conflict' ? 409 : err.kind === 'unprocessable' ? 422 : 503 });
    }
  });

  // --- Move ----------------------------------------------------------------------------------------
  async function renderMove(reply: FastifyReply, b: Booking, values: Parameters<typeof whenFields>[0] & { room: string }, errors: FieldErrors, status = 200) {
    const rooms = (await venues.listRooms(b.hubId, false, { limit: 100 })).items;
    return reply.status(status).view('staff/views/booking-move.njk', {
      title: `Move ${b.title}`,
      navKey: 'bookings',
      b,
      now: formatWhen(b.startsAt, b.endsAt, b.timezone, { now: clock.now() }),
      when: whenFields(values, errors),
      roomItems: rooms.map((r) => ({ value: r.id, text: `${r.name} (up to ${plural(r.capacity, 'person', 'people')})`, selected: r.id === values.room })),
      fieldErrors: errors,
      errors: errorList(errors, { date: 'date-day' }),
      backLink: `/staff/bookings/${b.id}`,
    });
  }
  const currentSlot = (b: Booking) => {
    const s = DateTime.fromISO(b.startsAt, { zone: b.timezone });
    const e = DateTime.fromISO(b.endsAt, { zone: b.timezone });
    return { date: { day: String(s.day), month: String(s.month), year: String(s.year) }, start: s.toFormat('HH:mm'), end: e.toFormat('HH:mm'), room: b.roomId };
  };

  app.get<{ Params: { id: string } }>('/staff/bookings/:id/move', STAFF_PAGE, async (request, reply) => {
    const { b } = await load(request, reply);
    if (!CHANGEABLE.includes(b.status)) return reply.redirect(`/staff/bookings/${b.id}`, 303);
    return renderMove(reply, b, currentSlot(b), {});
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/staff/bookings/:id/move', STAFF_PAGE, async (request, reply) => {
    const { actor, b } = await load(request, reply);
    const { slot, values, errors } = readSlot(request.body, b.timezone, clock.now());
    const room = text(request.body, 'room') || b.roomId;
    if (!slot) return renderMove(reply, b, { ...values, room }, errors, 400);
    try {
      const moved = await bookings.move(actor, b.id, { ...slotTimes(slot), roomId: UUID.test(room) ? room : undefined });
      flash(request, 'Booking moved', `It is now ${formatWhen(moved.startsAt, moved.endsAt, moved.timezone, { now: clock.now() })}, ${moved.roomName ?? ''}. The hirer is texted, and a new door code follows if one was sent.`.replace(', .', '.'));
      return reply.redirect(`/staff/bookings/${b.id}`, 303);
    } catch (err) {
      if (err instanceof DomainError && (err.kind === 'forbidden' || err.kind === 'not_found')) return renderMove(reply, b, { ...values, room }, { room: 'Choose a room of this hub' }, 422);
      const message = refusal(err);
      if (!message) throw err;
      return renderMove(reply, b, { ...values, room }, { start: message }, err instanceof DomainError && err.kind === 'conflict' ? 409 : 422);
    }
  });

  // --- Cancel --------------------------------------------------------------------------------------
  app.get<{ Params: { id: string } }>('/staff/bookings/:id/cancel', STAFF_PAGE, async (request, reply) => {
    const { actor, b } = await load(request, reply);
    if (!CHANGEABLE.includes(b.status)) return reply.redirect(`/staff/bookings/${b.id}`, 303);
    const money = await checkout.forBooking(actor, b.id);
    const refund =
      money.paidPence > 0
        ? `${b.organisationName} gets ${formatMoney(money.refundPence)} back (${money.refundPercent}% of the ${formatMoney(money.paidPence)} paid by card): the hub cancelling refunds in full. It goes back to their card within 5 to 10 working days.`
        : money.paysByInvoice && (b.price?.amountPence ?? 0) > 0
          ? `${b.organisationName} pays by invoice: the booking comes off their invoice.`
          : 'Nothing has been paid by card, so there is nothing to refund.';
    return reply.view('staff/views/booking-cancel.njk', {
      title: `Cancel ${b.title}`,
      navKey: 'bookings',
      b,
      when: formatWhen(b.startsAt, b.endsAt, b.timezone, { now: clock.now() }),
      refund,
      fieldErrors: {},
      backLink: `/staff/bookings/${b.id}`,
    });
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/staff/bookings/:id/cancel', STAFF_PAGE, async (request, reply) => {
    const { actor, b } = await load(request, reply);
    const scope = text(request.body, 'scope') === 'following' && b.seriesId ? 'following' : 'this';
    const reason = text(request.body, 'reason');
    if (!reason || reason.length > 500) {
      const money = await checkout.forBooking(actor, b.id);
      const errors = { reason: reason ? 'The reason must be 500 characters or fewer' : 'Enter why the hub is cancelling: the hirer is told' };
      return reply.status(400).view('staff/views/booking-cancel.njk', {
        title: `Cancel ${b.title}`,
        navKey: 'bookings',
        b,
        when: formatWhen(b.startsAt, b.endsAt, b.timezone, { now: clock.now() }),
        refund: money.paidPence > 0 ? `${b.organisationName} gets ${formatMoney(money.refundPence)} back.` : 'Nothing has been paid by card, so there is nothing to refund.',
        values: { reason, scope },
        fieldErrors: errors,
        errors: errorList(errors),
        backLink: `/staff/bookings/${b.id}`,
      });
    }
    try {
      const result = await bookings.cancel(actor, b.id, reason, scope);
      const refunded = result.refunds.reduce((n, r) => n + r.amountPence, 0);
      flash(
        request,
        result.cancelledBookingIds.length > 1 ? `${plural(result.cancelledBookingIds.length, 'booking')} cancelled` : 'Booking cancelled',
        refunded > 0 ? `${formatMoney(refunded)} is on its way back to ${b.organisationName}'s card.` : undefined,
      );
    } catch (err) {
      const message = refusal(err);
      if (!message) throw err;
      flash(request, 'The booking was not cancelled', message, 'info');
    }
    return reply.redirect(`/staff/bookings/${b.id}`, 303);
  });

  // --- Door code -----------------------------------------------------------------------------------
  app.post<{ Params: { id: string } }>('/staff/bookings/:id/code/reissue', STAFF_PAGE, async (request, reply) => {
    const { actor, b } = await load(request, reply);
    try {
      const done = await accessCodes.reissueForBooking(actor, b.id);
      flash(
        request,
        done.outcome === 'issued' ? 'New door code sent' : 'The old door code no longer works',
        done.outcome === 'issued' ? `The old code stopped working. The new one is texted to ${b.contactPhone ?? 'the hirer'}.` : 'A new code is sent when it is due, before the booking starts.',
      );
    } catch (err) {
      if (!(err instanceof DomainError) || err.kind !== 'unprocessable') throw err;
      flash(request, 'No door code to re-issue', err.message, 'info');
    }
    return reply.redirect(`/staff/bookings/${b.id}`, 303);
  });

  app.post<{ Params: { id: string } }>('/staff/bookings/:id/code/revoke', STAFF_PAGE, async (request, reply) => {
    const { actor, b } = await load(request, reply);
    const entry = await bookingAccess.getBookingAccess(actor, b.id);
    if (!entry.accessCodeId || entry.status !== 'active') {
      flash(request, 'No door code to stop', 'This booking has no door code working now.', 'info');
      return reply.redirect(`/staff/bookings/${b.id}`, 303);
    }
    try {
      await accessCodes.revoke(actor, entry.accessCodeId, 'revoked_by_staff');
      flash(request, 'Door code stopped', 'It no longer opens any door. Re-issue a code to let the hirer in again.');
    } catch (err) {
      if (!(err instanceof DomainError) || err.kind !== 'unprocessable') throw err;
      flash(request, 'The door code was not stopped', err.message, 'info');
    }
    return reply.redirect(`/staff/bookings/${b.id}`, 303);
  });
}
