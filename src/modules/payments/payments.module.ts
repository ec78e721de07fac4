import type { Logger } from '../../lib/logger';
import type { PaymentEvent, PaymentProvider } from '../../adapters/payments/provider';
import { createStripeClient, createStripeEventVerifier, createStripeProvider } from '../../adapters/payments/stripe';
import type { Config } from '../../config/env';
import type { Db, DbOrTx } from '../../db/client';
import type { Clock } from '../../lib/clock';
import type { BookingsRepository } from '../bookings/bookings.repository';
import type { BookingStatusChanges } from '../bookings/bookings.service';
import type { OrganisationsRepository } from '../organisations/organisations.repository';
import type { VenuesRepository } from '../venues/venues.repository';
import { createCheckoutService } from './checkout.service';
import { createHoldNotices } from './hold-notices';
import { createHoldsService } from './holds.service';
import type { OutgoingText } from '../notifications/outbox.service';
import { createInvoicesService } from './invoices.service';
import { createOfflinePaymentsService } from './offline.service';
import { createPaymentEventsService } from './payment-events.service';
import { createPaymentsRepository } from './payments.repository';
import { createPaymentsService } from './payments.service';
import { createRefundsService } from './refunds.service';

/**
 * Wires payments: one service per job (checkout, provider events, holds, invoices, refunds) over
 * the Stripe provider when STRIPE_SECRET_KEY is set (pointed at STRIPE_API_BASE), and the webhook
 * verifier when STRIPE_WEBHOOK_SECRET is set too.
 */
export function createPayments(
  config: Config,
  deps: {
    db: Db;
    clock: Clock;
    bookings: BookingsRepository;
    venues: VenuesRepository;
    organisations: OrganisationsRepository;
    logger: Pick<Logger, 'warn'>;
    /** The bookings module's status changes (confirm a paid booking, release a lapsed hold). */
    bookingStatus: BookingStatusChanges;
    bookingChanged?: (bookingId: string) => Promise<void>;
    /** Texts a hub's staff (the outbox), e.g. when a cancelled booking's invoice needs a credit note. */
    alertStaff?: (hubId: string, body: string, dedupeKey: string, tx?: DbOrTx) => Promise<number>;
    /** Queues a text to a hirer (the outbox): a hold about to lapse, and lapsed. */
    notify?: (msg: OutgoingText, tx?: DbOrTx) => Promise<unknown>;
    /** Replaces the provider STRIPE_SECRET_KEY selects (unit-level wiring tests). */
    provider?: PaymentProvider;
  },
) {
  const stripe = config.stripe.enabled && config.stripe.secretKey ? createStripeClient({ secretKey: config.stripe.secretKey, apiBase: config.stripe.apiBase, timeoutMs: 20_000 }) : undefined;
  const provider = deps.provider ?? (stripe ? createStripeProvider(stripe) : undefined);
  const webhookSecret = config.stripe.webhookSecret;
  const onError = (err: unknown, context: string) => deps.logger.warn({ err, context }, 'payments: will retry');
  const { db, clock, bookingStatus, bookingChanged } = deps;
  const repo = createPaymentsRepository(db);

  const refunds = createRefundsService({ payments: repo, venues: deps.venues, clock, provider, onError });
  const invoices = createInvoicesService({ payments: repo, venues: deps.venues, organisations: deps.organisations, clock, provider, alertStaff: deps.alertStaff, onError });
  const events = createPaymentEventsService({ db, payments: repo, bookingStatus, refunds, venues: deps.venues, clock, bookingChanged, onError });
  const holdNotices = createHoldNotices({ db, clock, notify: deps.notify ?? (async () => undefined) });
  const holds = createHoldsService({ db, payments: repo, bookingStatus, events, clock, provider, bookingChanged, tellLapsed: holdNotices.lapsed, onError });
  const checkout = createCheckoutService({ db, payments: repo, bookings: deps.bookings, venues: deps.venues, organisations: deps.organisations, clock, provider, publicUrl: config.publicUrl, onError });
  const offline = createOfflinePaymentsService({ db, payments: repo, bookings: deps.bookings, venues: deps.venues, bookingStatus, clock, provider, bookingChanged, notify: deps.notify, onError });
  const payments = createPaymentsService({ payments: repo, holds, invoices, refunds, onError });

  const parseEvent: ((raw: Buffer, signature: string) => PaymentEvent) | undefined = stripe && webhookSecret ? createStripeEventVerifier(stripe, webhookSecret) : undefined;
  return { repo, services: { payments, checkout, paymentEvents: events, holds, holdNotices, invoices, refunds, offlinePayments: offline }, parseEvent, enabled: Boolean(provider) };
}
