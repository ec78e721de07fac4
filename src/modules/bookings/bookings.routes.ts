import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/auth';
import { problemSchema } from '../../http/errors';
import { cursorPart, dateOrTimeInput, errorResponses, page, pageQuery, pageResult, parseCursor } from '../../http/schemas';
import type { BookingsService } from './bookings.service';
import type { RequestsService } from './requests.service';
import { bookingBody, bookingView, cancelBody, cancelResult, moveBody, seriesConflict, seriesResult, statusQuery } from './bookings.schemas';

const bearer = [{ bearer: [] }];
const idParam = z.object({ id: z.uuid() });
const conflictNote = 'booking_conflict (409) lists the clashing intervals in `conflicts`';

export const bookingsRoutes: FastifyPluginAsyncZod<{ bookings: BookingsService; requests: RequestsService }> = async (app, { bookings, requests }) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/bookings',
    {
      schema: {
        tags: ['bookings'],
        operationId: 'createBooking',
        summary: 'Book a room for an organisation',
        description: `Refused with 422 when outside opening hours, closed, over capacity, too short or long, too little notice, too far ahead or at a local time the clocks skip; ${conflictNote}. With \`recurrence\` it books a weekly series in the hub's local time and answers {series, bookings}; a conflicting date (booked, closed, refused by a rule, or a skipped local time) is listed by date in \`conflicts\` of a 409 and nothing is booked, unless \`skipConflicts\` is set, when every free date is booked and the rest listed in \`series.skipped\`.`,
        security: bearer,
        body: bookingBody,
        response: { 201: z.union([bookingView, seriesResult]), 409: problemSchema.extend({ conflicts: z.array(z.union([seriesConflict, z.object({ startsAt: z.string(), endsAt: z.string() })])).optional() }), ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (req, reply) => reply.status(201).send(await bookings.create(actorOf(req), req.body)),
  );

  app.get(
    '/bookings',
    {
      schema: {
        tags: ['bookings'],
        operationId: 'listBookings',
        summary: 'Bookings you may see (staff: your hubs; hirers: your organisations), by start time',
        security: bearer,
        querystring: z.object({
          hubId: z.uuid().optional(),
          roomId: z.uuid().optional(),
          organisationId: z.uuid().optional(),
          from: dateOrTimeInput.optional(),
          to: dateOrTimeInput.optional(),
          status: statusQuery,
          ...pageQuery,
        }),
        response: { 200: z.object({ items: z.array(bookingView), nextCursor: z.string().nullable() }), ...errorResponses(400, 401) },
      },
    },
    async (req) => {
      const parts = parseCursor(req.query.cursor, [cursorPart.instant, cursorPart.id]);
      const after = parts && { startsAt: new Date(parts[0]), id: parts[1] };
      const page = await bookings.list(actorOf(req), { ...req.query, after });
      return pageResult({ items: page.items, next: page.next && [page.next.startsAt.toISOString(), page.next.id] });
    },
  );

  app.get(
    '/bookings/:id',
    { schema: { tags: ['bookings'], operationId: 'getBooking', security: bearer, params: idParam, response: { 200: bookingView, ...errorResponses(400, 401, 404) } } },
    async (req) => bookings.get(actorOf(req), req.params.id),
  );

  app.post(
    '/bookings/:id/cancel',
    {
      schema: {
        tags: ['bookings'],
        operationId: 'cancelBooking',
        security: bearer,
        params: idParam,
        summary: 'Cancel a booking, or it and every later date of its series (scope=following)',
        description: 'What was paid by card is refunded through Stripe: in full when staff cancel, otherwise by the hub\'s cancellationPolicy (the share for the notice given).',
        body: cancelBody,
        response: { 200: cancelResult, ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (req) => bookings.cancel(actorOf(req), req.params.id, req.body.reason, req.body.scope),
  );

  app.post(
    '/bookings/:id/move',
    {
      schema: {
        tags: ['bookings'],
        operationId: 'moveBooking',
        summary: 'Move a booking to another time or room',
        description: conflictNote,
        security: bearer,
        params: idParam,
        body: moveBody,
        response: { 200: bookingView, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => bookings.move(actorOf(req), req.params.id, req.body),
  );

  app.get(
    '/hubs/:hubId/approvals',
    {
      schema: {
        tags: ['bookings'],
        operationId: 'listApprovals',
        summary: "The hub's approvals queue: requested bookings, soonest first, with the organisation's tier standing (staff)",
        description: '`waitingFor: tier_review` means the organisation\'s community claim is unverified or past its re-check date: verify it (POST /organisations/:id/verify) before approving.',
        security: bearer,
        params: z.object({ hubId: z.uuid() }),
        querystring: z.object(pageQuery),
        response: {
          200: page(
            bookingView.extend({
              organisation: z.object({
                id: z.uuid(),
                name: z.string(),
                claimedTier: z.string(),
                verifiedTier: z.string().nullable(),
                verificationStatus: z.string(),
                recheckOn: z.string().nullable(),
                charityNumber: z.string().nullable(),
                tier: z.string(),
                needsReview: z.boolean(),
              }),
              waitingFor: z.enum(['tier_review', 'approval']),
            }),
          ),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (req) =>
      pageResult(await bookings.approvalQueue(actorOf(req), req.params.hubId, { limit: req.query.limit, after: parseCursor(req.query.cursor, [cursorPart.instant, cursorPart.id]) })),
  );

  app.post(
    '/bookings/:id/approve',
    {
      schema: { tags: ['bookings'], operationId: 'approveBooking', summary: 'Approve a requested booking (staff)', security: bearer, params: idParam, response: { 200: bookingView, ...errorResponses(400, 401, 403, 404, 422) } },
    },
    async (req) => bookings.approve(actorOf(req), req.params.id),
  );

  app.post(
    '/hubs/:hubId/approvals/decline',
    {
      schema: {
        tags: ['bookings'],
        operationId: 'declineRequests',
        summary: 'Decline every requested booking of one series, or of one organisation, at this hub (staff)',
        description: 'Give exactly one of seriesId and organisationId. Only requested bookings at this hub are declined; each hirer phone gets one text. 422 nothing_to_decline when none wait.',
        security: bearer,
        params: z.object({ hubId: z.uuid() }),
        body: z.object({
          seriesId: z.uuid().optional(),
          organisationId: z.uuid().optional(),
          reason: z.string().trim().min(1).max(500),
        }),
        response: { 200: z.object({ declinedBookingIds: z.array(z.uuid()) }), ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req) => requests.declineMany(actorOf(req), req.params.hubId, req.body),
  );

  app.post(
    '/bookings/:id/decline',
    {
      schema: {
        tags: ['bookings'],
        operationId: 'declineBooking',
        summary: 'Decline a requested booking with a reason (staff)',
        security: bearer,
        params: idParam,
        body: z.object({ reason: z.string().trim().min(1).max(500) }),
        response: { 200: bookingView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req) => bookings.decline(actorOf(req), req.params.id, req.body.reason),
  );
};
