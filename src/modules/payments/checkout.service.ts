import type { PaymentProvider } from '../../adapters/payments/provider';
import type { Db } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { DomainError, notFound, unprocessable } from '../../lib/errors';
import { MINUTE, toZonedIso } from '../../lib/time';
import { type Actor, isMemberOfOrg, isStaffOf } from '../auth/actor';
import type { BookingsRepository } from '../bookings/bookings.repository';
import { priceOf } from '../bookings/bookings.fns';
import type { VenuesRepository } from '../venues/venues.repository';
import type { OrganisationsRepository } from '../organisations/organisations.repository';
import { refundAmount, refundPercent } from './payments.fns';
import type { PaymentsRepository } from './payments.repository';
import { errText } from './refunds.service';

/** The provider requires a checkout session to stay open at least 30 minutes. */
const MIN_SESSION_MS = 30 * MINUTE;
/** A checkout being opened blocks another for this long; after it, a crashed attempt no longer does. */
const PENDING_CHECKOUT_MS = 2 * 60_000;
export const paymentsUnavailable = (detail: string, extra: Record<string, unknown> = {}) => new DomainError('unavailable', 'payments_unavailable', detail, extra);

/**
 * Card checkout (POST /bookings/:id/checkout): a hosted checkout session for a booking held for
 * payment, or for every booking of its series still awaiting payment. The hirer waits for the URL,
 * so this is the one provider call made inside a request.
 */
export function createCheckoutService(deps: {
  db: Pick<Db, 'transaction'>;
  payments: Pick<PaymentsRepository, 'seriesAwaiting' | 'holdsOf' | 'paymentsOfBookings' | 'insertPayment' | 'updatePayment'>;
  bookings: Pick<BookingsRepository, 'get' | 'getForUpdate'>;
  venues: Pick<VenuesRepository, 'getRoomWithHub' | 'getHub'>;
  organisations: Pick<OrganisationsRepository, 'get'>;
  clock: Clock;
  provider?: Pick<PaymentProvider, 'createCheckout'>;
  publicUrl: string;
  onError?: (err: unknown, context: string) => void;
}) {
  const { db, payments: repo, bookings, venues, clock, provider } = deps;
  const onError = deps.onError ?? (() => undefined);

  return {
    /**
     * What a booking's page shows about money: when its unpaid hold lapses, what was paid by card,
     * and what cancelling now would refund (the hub's policy from the refund basis; in full when staff cancel).
     */
    async forBooking(actor: Actor, bookingId: string) {
      const b = await bookings.get(bookingId);
      if (!b || !(isStaffOf(actor, b.hubId) || isMemberOfOrg(actor, b.organisationId))) throw notFound('Booking');
      const [holds, rows, row, org] = await Promise.all([repo.holdsOf([b.id]), repo.paymentsOfBookings([b.id]), venues.getRoomWithHub(b.roomId), deps.organisations.get(b.organisationId)]);
      const paid = rows.filter((x) => (x.payment.method === 'card' || x.payment.method === 'offline') && x.payment.status === 'paid');
      const paidPence = paid.reduce((n, x) => n + x.amountPence, 0);
      const percent = refundPercent(row?.hub.settings.cancellationPolicy ?? [], (b.refundBasisAt ?? b.startsAt).getTime() - clock.now().getTime(), isStaffOf(actor, b.hubId));
      return {
        cardPayments: Boolean(provider),
        paysByInvoice: Boolean(org?.paysByInvoice),
        holdExpiresAt: holds[0]?.expiresAt ?? null,
        paidPence,
        /** How it was paid: by card (refunds go back to it) or at the hub (staff hand refunds back). */
        paidBy: paid.some((x) => x.payment.method === 'offline') ? ('offline' as const) : paid.length ? ('card' as const) : null,
        refundPercent: percent,
        refundPence: refundAmount(paidPence, percent),
      };
    },

    /** An open session for the same booking is given again rather than a second one made. */
    async checkout(actor: Actor, bookingId: string, scope: 'booking' | 'series') {
      const b = await bookings.get(bookingId);
      if (!b || !(isStaffOf(actor, b.hubId) || isMemberOfOrg(actor, b.organisationId))) throw notFound('Booking');
      if (b.status !== 'awaiting_payment') throw unprocessable('not_awaiting_payment', `A ${b.status} booking has nothing to pay`);
      const row = await venues.getRoomWithHub(b.roomId);
      if (!row) throw notFound('Room');
      const { room, hub } = row;
      const waits = hub.settings.unpaidHolds === 'wait_for_staff';
      if (!provider) {
        const until = (await repo.holdsOf([b.id]))[0]?.expiresAt ?? new Date(b.updatedAt.getTime() + hub.settings.holdMinutes * MINUTE);
        throw paymentsUnavailable(
          waits
            ? `Card payments are not set up on this server (no STRIPE_SECRET_KEY); pay ${hub.name} by cash, bank transfer or cheque: the booking is held until staff record the payment and confirm it`
            : `Card payments are not set up on this server (no STRIPE_SECRET_KEY); pay ${hub.name} by cash, bank transfer or cheque: the hold lapses at ${toZonedIso(until, hub.timezone)} unless staff record the payment and confirm the booking`,
          { unpaidHolds: waits ? 'wait_for_staff' : 'lapse', holdExpiresAt: waits ? null : toZonedIso(until, hub.timezone) },
        );
      }
      let targets = [b];
      if (scope === 'series' && b.seriesId) {
        // Each date is checked against the caller: staff never pay for a date moved to a hub they do not staff.
        const waiting = (await repo.seriesAwaiting(b.seriesId)).filter((t) => isStaffOf(actor, t.hubId) || isMemberOfOrg(actor, t.organisationId));
        targets = waiting.length ? waiting : [b];
      }
      const holds = await repo.holdsOf(targets.map((t) => t.id));
      const now = clock.now().getTime();
      const holdEnd = Math.min(...targets.map((t) => holds.find((h) => h.bookingId === t.id)?.expiresAt.getTime() ?? t.updatedAt.getTime() + hub.settings.holdMinutes * MINUTE));
      // A hub whose unpaid holds wait for staff keeps the booking past its hold: it may still be paid.
      if (holdEnd <= now && !waits) throw unprocessable('hold_lapsed', 'The hold on this booking has lapsed; book again');
      const amountPence = targets.reduce((n, t) => n + priceOf(t), 0);
      // One checkout at a time per booking: with the bookings locked, either reuse the open session,
      // refuse while another request is opening one, or record ours before calling the provider. Two
      // simultaneous requests can therefore never open two sessions (and charge twice).
      const claim = await db.transaction(async (tx) => {
        for (const id of targets.map((t) => t.id).sort()) await bookings.getForUpdate(id, tx);
        const live = (await repo.paymentsOfBookings(targets.map((t) => t.id), tx)).find(
          (x) =>
            x.payment.method === 'card' &&
            ((x.payment.status === 'open' && x.payment.checkoutUrl && (!x.payment.expiresAt || x.payment.expiresAt.getTime() > now)) ||
              (x.payment.status === 'pending' && x.payment.createdAt.getTime() > now - PENDING_CHECKOUT_MS)),
        );
        if (live?.payment.status === 'open') return { existing: live.payment };
        if (live) throw new DomainError('conflict', 'checkout_in_progress', 'A checkout for this booking is being opened; try again in a moment');
        const created = await repo.insertPayment(
          { hubId: b.hubId, organisationId: b.organisationId, seriesId: scope === 'series' ? b.seriesId : null, method: 'card', status: 'pending', amountPence, createdBy: actor.userId },
          targets.map((t) => ({ bookingId: t.id, amountPence: priceOf(t) })),
          tx,
        );
        return { created };
      });
      if ('existing' in claim && claim.existing) {
        const e = claim.existing;
        return { paymentId: e.id, checkoutUrl: e.checkoutUrl!, amountPence: e.amountPence, expiresAt: e.expiresAt?.toISOString() ?? null };
      }
      const p = claim.created!;
      const expiresAt = new Date(Math.max(holdEnd, now + MIN_SESSION_MS + MINUTE));
      try {
        const session = await provider.createCheckout(
          {
            paymentId: p.id,
            hubId: hub.id,
            expiresAt,
            successUrl: `${deps.publicUrl}/bookings/${b.id}?checkout=success`,
            cancelUrl: `${deps.publicUrl}/bookings/${b.id}?checkout=cancelled`,
            lines: targets.map((t) => ({ amountPence: priceOf(t), name: `${t.title}, ${room.name}, ${hub.name}: ${toZonedIso(t.startsAt, hub.timezone)}` })),
          },
          `hubkey-checkout-${p.id}`,
        );
        const updated = await repo.updatePayment(p.id, { status: 'open', stripeCheckoutSessionId: session.id, checkoutUrl: session.url, expiresAt: session.expiresAt ?? new Date(0) });
        return { paymentId: updated.id, checkoutUrl: session.url!, amountPence, expiresAt: updated.expiresAt?.toISOString() ?? null };
      } catch (err) {
        onError(err, `checkout ${p.id}`);
        await repo.updatePayment(p.id, { status: 'failed', lastError: errText(err) });
        throw paymentsUnavailable('The card payment provider could not be reached; try again shortly');
      }
    },
  };
}
export type CheckoutService = ReturnType<typeof createCheckoutService>;
