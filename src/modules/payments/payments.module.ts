import type { Logger } from '../../lib/logger';
import { createStripeClient } from '../../adapters/payments/stripe';
import type { Config } from '../../config/env';
import type { Db } from '../../db/client';
import type { Clock } from '../../lib/clock';
import type { BookingsRepository } from '../bookings/bookings.repository';
import type { OrganisationsRepository } from '../organisations/organisations.repository';
import type { VenuesRepository } from '../venues/venues.repository';
import { createPaymentsRepository } from './payments.repository';
import { createPaymentsService } from './payments.service';

/**
 * Wires payments: the Stripe client when STRIPE_SECRET_KEY is set (pointed at STRIPE_API_BASE),
 * and the webhook verifier when STRIPE_WEBHOOK_SECRET is set too.
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
    bookingChanged?: (bookingId: string) => Promise<void>;
    /** Texts a hub's staff (the outbox), e.g. when a cancelled booking's invoice needs a credit note. */
    alertStaff?: (hubId: string, body: string, dedupeKey: string) => Promise<number>;
  },
) {
  const stripe = config.stripe.enabled && config.stripe.secretKey ? createStripeClient({ secretKey: config.stripe.secretKey, apiBase: config.stripe.apiBase, timeoutMs: 20_000 }) : undefined;
  const webhookSecret = config.stripe.webhookSecret;
  const onError = (err: unknown, context: string) => deps.logger.warn({ err, context }, 'payments: will retry');
  const repo = createPaymentsRepository(deps.db);
  const service = createPaymentsService({
    db: deps.db,
    payments: repo,
    bookings: deps.bookings,
    venues: deps.venues,
    organisations: deps.organisations,
    clock: deps.clock,
    stripe,
    publicUrl: config.publicUrl,
    bookingChanged: deps.bookingChanged,
    alertStaff: deps.alertStaff,
    onError,
  });
  const constructEvent = stripe && webhookSecret ? (raw: Buffer, signature: string) => stripe.webhooks.constructEvent(raw, signature, webhookSecret) : undefined;
  return { repo, service, stripe, constructEvent };
}
