import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/auth';
import { cursorPart, errorResponses, page, pageQuery, pageResult, parseCursor } from '../../http/schemas';
import type { CheckoutService } from './checkout.service';
import type { InvoicesService } from './invoices.service';
import { OFFLINE_METHODS, type OfflinePaymentsService } from './offline.service';
import type { RefundsService } from './refunds.service';

const bearer = [{ bearer: [] }];
const hubId = z.object({ hubId: z.uuid() });
const PAYMENT_STATUSES = ['pending', 'open', 'paid', 'overdue', 'expired', 'failed', 'void'] as const;
const REFUND_STATUSES = ['pending', 'succeeded', 'failed', 'canceled', 'owed'] as const;
const listOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean)))
    .pipe(z.array(z.enum(values)).optional());

export const paymentView = z.object({
  id: z.uuid(),
  hubId: z.uuid(),
  organisationId: z.uuid(),
  organisationName: z.string().optional(),
  hubName: z.string().optional(),
  seriesId: z.uuid().nullable(),
  bookingIds: z.array(z.string()),
  method: z.enum(['card', 'invoice', 'offline']),
  offlineMethod: z.enum(['cash', 'bank_transfer', 'cheque']).nullable(),
  reference: z.string().nullable(),
  status: z.enum(PAYMENT_STATUSES),
  amountPence: z.number().int(),
  currency: z.string(),
  checkoutUrl: z.string().nullable(),
  stripeInvoiceId: z.string().nullable(),
  hostedInvoiceUrl: z.string().nullable(),
  dueAt: z.string().nullable(),
  paidAt: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
}).meta({ id: 'Payment' });

export const refundRowView = z.object({
  id: z.uuid(),
  paymentId: z.uuid(),
  bookingId: z.uuid(),
  amountPence: z.number().int(),
  percent: z.number().int(),
  status: z.enum(REFUND_STATUSES),
  stripeRefundId: z.string().nullable(),
  reason: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
}).meta({ id: 'Refund' });

export const paymentsRoutes: FastifyPluginAsyncZod<{
  checkout: Pick<CheckoutService, 'checkout'>;
  invoices: Pick<InvoicesService, 'listPayments' | 'listMine'>;
  refunds: Pick<RefundsService, 'listRefunds'>;
  offline: Pick<OfflinePaymentsService, 'record'>;
}> = async (app, { checkout, invoices, refunds, offline }) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/bookings/:id/checkout',
    {
      schema: {
        tags: ['payments'],
        operationId: 'checkoutBooking',
        summary: 'Pay for a booking (or every unpaid date of its series) by card through Stripe Checkout',
        description:
          'The booking must be `awaiting_payment`; it stays held until the hub\'s `holdMinutes` run out. An open checkout for the booking is given again; 409 `checkout_in_progress` while another request is opening one. 503 `payments_unavailable` when card payments are not set up (no STRIPE_SECRET_KEY) or Stripe cannot be reached.',
        security: bearer,
        params: z.object({ id: z.uuid() }),
        body: z.object({ scope: z.enum(['booking', 'series']).default('booking') }).default({ scope: 'booking' }),
        response: {
          200: z.object({ paymentId: z.uuid(), checkoutUrl: z.string(), amountPence: z.number().int(), expiresAt: z.string().nullable() }),
          ...errorResponses(400, 401, 404, 409, 422, 503),
        },
      },
    },
    async (req) => checkout.checkout(actorOf(req), req.params.id, req.body.scope),
  );

  app.post(
    '/bookings/:id/payments/offline',
    {
      schema: {
        tags: ['payments'],
        operationId: 'recordOfflinePayment',
        summary: 'Record money taken at the hub (cash, bank transfer, cheque) and confirm the booking (staff of its hub)',
        description:
          "For a booking `awaiting_payment` (or, with `scope: \"series\"`, every unpaid date of its series at hubs you staff). `amountPence` must be the whole amount due: anything else is 400 `wrong_amount` with `amountDuePence` (part payments are not recorded). The payment is an `offline` payment, `paid`; cancelling refunds it by the hub's policy as an `owed` refund that staff hand back (never through Stripe). Sending the same record again answers it again with 200 (`created: false`); another payment for a booking already paid or invoiced is 409 `already_paid`. A card checkout still open for the booking is expired in Stripe first (503 `payments_unavailable` if Stripe cannot be reached; 409 `checkout_in_progress` while one is being opened). Hirers, volunteers and other hubs' staff are refused (403, or 404 when they cannot see the booking).",
        security: bearer,
        params: z.object({ id: z.uuid().describe('The booking') }),
        body: z.object({
          amountPence: z.number().int().min(1).max(100_000_000).describe('The whole amount due, in pence'),
          method: z.enum(OFFLINE_METHODS).describe('How the money came in'),
          reference: z.string().trim().min(1).max(200).optional().describe('Receipt, transfer or cheque number'),
          scope: z.enum(['booking', 'series']).default('booking').describe('`series`: every unpaid date of the booking\'s series'),
        }).meta({ example: { amountPence: 2400, method: 'bank_transfer', reference: 'BACS MEMORY CAFE 17' } }),
        response: {
          200: z.object({ created: z.literal(false), payment: paymentView }).describe('The same payment, recorded before'),
          201: z.object({ created: z.literal(true), payment: paymentView }).describe('Recorded; its bookings are confirmed'),
          ...errorResponses(400, 401, 403, 404, 409, 422, 503),
        },
      },
    },
    async (req, reply) => {
      const out = await offline.record(actorOf(req), req.params.id, req.body);
      return reply.code(out.created ? 201 : 200).send(out as never);
    },
  );

  app.get(
    '/me/payments',
    {
      schema: {
        tags: ['payments'],
        operationId: 'listMyPayments',
        summary: "My organisations' payments and invoices at every hub, newest first, with the hosted invoice link once an invoice is issued",
        security: bearer,
        querystring: z.object({ status: listOf(PAYMENT_STATUSES), ...pageQuery }),
        response: { 200: page(paymentView), ...errorResponses(400, 401) },
      },
    },
    async (req) =>
      pageResult(
        await invoices.listMine(actorOf(req), req.query.status, {
          limit: req.query.limit,
          after: parseCursor(req.query.cursor, [cursorPart.instant, cursorPart.id]),
        }),
      ),
  );

  app.get(
    '/hubs/:hubId/payments',
    {
      schema: {
        tags: ['payments'],
        operationId: 'listPayments',
        summary: "The hub's card checkouts and invoices, newest first (staff); `status=overdue` lists invoices past due",
        security: bearer,
        params: hubId,
        querystring: z.object({ status: listOf(PAYMENT_STATUSES), ...pageQuery }),
        response: { 200: page(paymentView), ...errorResponses(400, 401, 403) },
      },
    },
    async (req) =>
      pageResult(
        await invoices.listPayments(actorOf(req), req.params.hubId, req.query.status, {
          limit: req.query.limit,
          after: parseCursor(req.query.cursor, [cursorPart.instant, cursorPart.id]),
        }),
      ),
  );

  app.get(
    '/hubs/:hubId/refunds',
    {
      schema: {
        tags: ['payments'],
        operationId: 'listRefunds',
        summary: "The hub's refunds and their Stripe status, newest first (staff); `status=failed` lists the ones to follow up",
        security: bearer,
        params: hubId,
        querystring: z.object({ status: listOf(REFUND_STATUSES), ...pageQuery }),
        response: { 200: page(refundRowView), ...errorResponses(400, 401, 403) },
      },
    },
    async (req) =>
      pageResult(
        await refunds.listRefunds(actorOf(req), req.params.hubId, req.query.status, {
          limit: req.query.limit,
          after: parseCursor(req.query.cursor, [cursorPart.instant, cursorPart.id]),
        }),
      ),
  );
};
