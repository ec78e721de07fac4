import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/auth';
import { dateTimeInput, decodeCursor, encodeCursor, errorResponses, pageQuery } from '../../http/schemas';
import { invalid } from '../../lib/errors';
import type { BookingsService } from './bookings.service';
import { bookingBody, bookingView, moveBody, statusQuery } from './bookings.schemas';

const bearer = [{ bearer: [] }];
const idParam = z.object({ id: z.uuid() });
const conflictNote = 'booking_conflict (409) lists the clashing intervals in `conflicts`';

export const bookingsRoutes: FastifyPluginAsyncZod<{ bookings: BookingsService }> = async (app, { bookings }) => {
  app.addHook('preHandler', app.authenticate);

  app.post(
    '/bookings',
    {
      schema: {
        tags: ['bookings'],
        operationId: 'createBooking',
        summary: 'Book a room for an organisation',
        description: `Refused with 422 when outside opening hours, closed, over capacity, too short or long, too little notice, too far ahead or at a local time the clocks skip; ${conflictNote}.`,
        security: bearer,
        body: bookingBody,
        response: { 201: bookingView, ...errorResponses(400, 401, 404, 409, 422) },
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
          from: dateTimeInput.optional(),
          to: dateTimeInput.optional(),
          status: statusQuery,
          ...pageQuery,
        }),
        response: { 200: z.object({ items: z.array(bookingView), nextCursor: z.string().nullable() }), ...errorResponses(400, 401) },
      },
    },
    async (req) => {
      let after: { startsAt: Date; id: string } | undefined;
      if (req.query.cursor) {
        const parts = decodeCursor(req.query.cursor, 2);
        const d = parts ? new Date(parts[0]) : undefined;
        if (!parts || !d || Number.isNaN(d.getTime())) throw invalid('cursor is not one this API gave out', [{ path: 'querystring.cursor', message: 'unknown cursor' }]);
        after = { startsAt: d, id: parts[1] };
      }
      const page = await bookings.list(actorOf(req), { ...req.query, after });
      return { items: page.items, nextCursor: page.next ? encodeCursor([page.next.startsAt.toISOString(), page.next.id]) : null };
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
        body: z.object({ reason: z.string().trim().max(500).optional() }).default({}),
        response: { 200: bookingView, ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (req) => bookings.cancel(actorOf(req), req.params.id, req.body.reason),
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

  app.post(
    '/bookings/:id/approve',
    {
      schema: { tags: ['bookings'], operationId: 'approveBooking', summary: 'Approve a requested booking (staff)', security: bearer, params: idParam, response: { 200: bookingView, ...errorResponses(400, 401, 403, 404, 422) } },
    },
    async (req) => bookings.approve(actorOf(req), req.params.id),
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
