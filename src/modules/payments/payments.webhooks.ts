import type { FastifyPluginAsync } from 'fastify';
import type { PaymentEvent } from '../../adapters/payments/provider';
import { z } from 'zod';
import { errorResponses } from '../../http/schemas';
import { DomainError } from '../../lib/errors';
import type { PaymentEventsService } from './payment-events.service';

export interface StripeWebhookOptions {
  events: Pick<PaymentEventsService, 'handleEvent'>;
  /** Verifies the signature over the raw bytes and parses the event; throws when it does not match. */
  constructEvent?: (raw: Buffer, signature: string) => PaymentEvent;
}

/**
 * POST /webhooks/stripe, in its own plugin scope: JSON is kept as the raw bytes here so the
 * signature is checked on exactly what Stripe signed. Register it without fastify-plugin.
 */
export const stripeWebhookRoutes: FastifyPluginAsync<StripeWebhookOptions> = async (app, { events, constructEvent }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));

  app.post(
    '/webhooks/stripe',
    {
      schema: {
        tags: ['payments'],
        operationId: 'stripeWebhook',
        summary: 'Stripe events (signed with the endpoint secret); each event is handled once',
        description:
          'Handles checkout.session.completed / async_payment_succeeded (confirms), checkout.session.expired / async_payment_failed (releases the hold, unless the hub\'s unpaid holds wait for staff), invoice.paid, refund.created / refund.updated / refund.failed. Others are acknowledged and ignored. Authenticated by the `Stripe-Signature` header over the raw body, not a token. 503 `payments_unavailable` when the server has no STRIPE_WEBHOOK_SECRET (Stripe retries).',
        security: [],
        response: {
          200: z.object({ received: z.literal(true), result: z.enum(['processed', 'duplicate', 'ignored']).describe('`duplicate`: this event id was handled before') }),
          ...errorResponses({ 400: ['invalid_signature'] }, 413, { 503: ['payments_unavailable'] }),
        },
      },
    },
    async (req) => {
      if (!constructEvent) throw new DomainError('unavailable', 'payments_unavailable', 'Stripe webhooks are not set up on this server (STRIPE_WEBHOOK_SECRET)');
      const signature = req.headers['stripe-signature'];
      if (typeof signature !== 'string' || !Buffer.isBuffer(req.body)) {
        throw new DomainError('validation', 'invalid_signature', 'A Stripe-Signature header and a raw body are required');
      }
      let event: PaymentEvent;
      try {
        event = constructEvent(req.body, signature);
      } catch {
        throw new DomainError('validation', 'invalid_signature', 'The Stripe signature does not match the body');
      }
      const result = await events.handleEvent(event);
      return { received: true, result };
    },
  );
};
