import { exactResponse } from '../../http/serializer';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/auth';
import { cursorPart, dateOrTimeInput, dateTimeInput, errorResponses, interval, page, pageQuery, pageResult, parseCursor } from '../../http/schemas';
import type { VenuesService } from './venues.service';
import { quoteView } from '../pricing/pricing.schemas';
import { closureBody, closureView, displacedView, featuresQuery, hubBody, hubPatch, hubView, roomBody, roomPatch, roomView } from './venues.schemas';
import { refundView } from '../bookings/bookings.schemas';
import type { RefundSummary } from '../bookings/bookings.service';
import { problemSchema } from '../../http/errors';

const hubId = z.object({ hubId: z.uuid() });
const roomId = z.object({ roomId: z.uuid() });
const bearer = [{ bearer: [] }];

/** The quote shown with a search result. */
export type SearchQuote = z.output<typeof quoteView>;

export const venuesRoutes: FastifyPluginAsyncZod<{ venues: VenuesService<SearchQuote, { id: string }, RefundSummary> }> = async (app, { venues }) => {
  app.get(
    '/hubs',
    {
      schema: {
        tags: ['hubs'],
        operationId: 'listHubs',
        security: [],
        summary: 'Every hub in the network, by name',
        querystring: z.object(pageQuery),
        response: { 200: page(hubView), ...errorResponses(400) },
      },
    },
    async (req) => pageResult(await venues.listHubs({ limit: req.query.limit, after: parseCursor(req.query.cursor, [cursorPart.text, cursorPart.id]) })),
  );

  app.post(
    '/hubs',
    {
      onRequest: app.authenticate,
      schema: { tags: ['hubs'], operationId: 'createHub', summary: 'Create a hub (network admin)', security: bearer, body: hubBody, response: { 201: hubView, ...errorResponses(400, 401, 403) } },
    },
    async (req, reply) => reply.status(201).send(await venues.createHub(actorOf(req), req.body)),
  );

  app.get(
    '/hubs/:hubId',
    { schema: { tags: ['hubs'], operationId: 'getHub', security: [], params: hubId, response: { 200: hubView, ...errorResponses(400, 404) } } },
    async (req) => venues.getHub(req.params.hubId),
  );

  app.patch(
    '/hubs/:hubId',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['hubs'],
        operationId: 'updateHub',
        summary: 'Change opening hours, settings or details (staff)',
        security: bearer,
        params: hubId,
        description:
          'Changes exactly what it names. New opening hours that leave upcoming bookings outside them answer 409 bookings_affected with the bookings listed, unless onBookings says to keep them or to cancel them (full refund, notice texted).',
        body: hubPatch,
        response: {
          200: hubView.extend({
            bookingsOutsideHours: z.array(displacedView).describe('Upcoming bookings outside the new hours that were kept (onBookings keep)'),
            cancelledBookingIds: z.array(z.uuid()).describe('Bookings cancelled because of the change (onBookings cancel)'),
            refunds: z.array(refundView),
          }),
          409: problemSchema.extend({ bookings: z.array(displacedView).optional() }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req) => venues.updateHub(actorOf(req), req.params.hubId, req.body),
  );

  const memberView = z.object({ userId: z.uuid(), email: z.string(), name: z.string(), role: z.enum(['staff', 'volunteer']) });
  app.get(
    '/hubs/:hubId/members',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['people'],
        operationId: 'listHubMembers',
        summary: "The hub's people by name (one item per role held)",
        security: bearer,
        params: hubId,
        querystring: z.object(pageQuery),
        response: { 200: page(memberView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) =>
      pageResult(
        await venues.listMembers(actorOf(req), req.params.hubId, {
          limit: req.query.limit,
          after: parseCursor(req.query.cursor, [cursorPart.text, memberView.shape.role, cursorPart.id]),
        }),
      ),
  );

  app.get(
    '/hubs/:hubId/rooms',
    {
      onRequest: app.identify,
      schema: {
        tags: ['rooms'],
        operationId: 'listRooms',
        summary: "The hub's rooms by name",
        params: hubId,
        querystring: z.object({ includeInactive: z.enum(['true', 'false']).default('false'), ...pageQuery }),
        response: { 200: page(roomView), ...errorResponses(400, 404) },
      },
    },
    async (req) =>
      pageResult(
        await venues.listRooms(req.params.hubId, req.query.includeInactive === 'true', {
          limit: req.query.limit,
          after: parseCursor(req.query.cursor, [cursorPart.text, cursorPart.id]),
        }),
      ),
  );

  app.post(
    '/hubs/:hubId/rooms',
    {
      onRequest: app.authenticate,
      schema: { tags: ['rooms'], operationId: 'createRoom', summary: 'Add a room (staff)', security: bearer, params: hubId, body: roomBody, response: { 201: roomView, ...errorResponses(400, 401, 403, 404) } },
    },
    async (req, reply) => reply.status(201).send(await venues.createRoom(actorOf(req), req.params.hubId, req.body)),
  );

  app.get('/rooms/:roomId', { schema: { tags: ['rooms'], operationId: 'getRoom', security: [], params: roomId, response: { 200: roomView, ...errorResponses(400, 404) } } }, async (req) =>
    venues.getRoom(req.params.roomId),
  );

  app.patch(
    '/rooms/:roomId',
    {
      onRequest: app.authenticate,
      schema: { tags: ['rooms'], operationId: 'updateRoom', summary: 'Change a room (staff)', security: bearer, params: roomId, body: roomPatch, response: { 200: roomView, ...errorResponses(400, 401, 403, 404) } },
    },
    async (req) => venues.updateRoom(actorOf(req), req.params.roomId, req.body),
  );

  app.get(
    '/rooms/:roomId/availability',
    {
      schema: {
        tags: ['rooms'],
        operationId: 'roomAvailability',
        security: [],
        summary: 'Busy and free time of a room, inside opening hours, minus closures and buffers',
        params: roomId,
        querystring: z.object({ from: dateOrTimeInput, to: dateOrTimeInput }),
        response: {
          // Built key by key in VenuesService.availability: sent without zod's pass in production.
          200: exactResponse(z.object({ roomId: z.uuid(), hubId: z.uuid(), timezone: z.string(), from: z.string(), to: z.string(), busy: z.array(interval), free: z.array(interval) })),
          ...errorResponses(400, 404, 422),
        },
      },
    },
    async (req) => venues.availability(req.params.roomId, req.query.from, req.query.to),
  );

  app.get(
    '/search/rooms',
    {
      schema: {
        tags: ['rooms'],
        operationId: 'searchRooms',
        summary: 'Rooms free across the network for a window',
        querystring: z.object({
          startsAt: dateTimeInput,
          endsAt: dateTimeInput,
          capacity: z.coerce.number().int().min(1).max(10000).optional(),
          features: featuresQuery,
          hubId: z.uuid().optional(),
          organisationId: z.uuid().optional().describe('Adds each room\'s quote for this organisation (sign in as a member of it, or as staff)'),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          // Built key by key in VenuesService.search (presentRoom, the hub, the pricing module's quote): sent without zod's pass in production.
          200: exactResponse(z.object({
            startsAt: z.string(),
            endsAt: z.string(),
            tier: z.string().optional().describe('With organisationId: the tier the quotes are at'),
            needsReview: z.boolean().optional().describe('With organisationId: a booking would wait for staff to verify the tier'),
            items: z.array(
              roomView.extend({
                hub: z.object({ id: z.uuid(), name: z.string(), address: z.string(), timezone: z.string() }),
                quote: quoteView
                  .nullable()
                  .optional()
                  .describe('With organisationId: the price (null when the room has no rate card in force)'),
              }),
            ),
          })),
          ...errorResponses(400, 401, 404, 422),
        },
      },
      onRequest: app.identify,
    },
    async (req) => venues.search(req.actor, req.query),
  );

  app.post(
    '/hubs/:hubId/closures',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['hubs'],
        operationId: 'createClosure',
        summary: 'Close the hub or one room for a time (staff); lists the bookings it affects',
        security: bearer,
        params: hubId,
        body: closureBody,
        description: 'A closure over bookings that hold the room answers 409 bookings_affected with them listed, unless onBookings is cancel: then they are cancelled with a full refund and the notice texted.',
        response: {
          201: closureView.extend({
            affectedBookings: z.array(displacedView).describe('Bookings the closure overlaps (cancelled when onBookings is cancel)'),
            cancelledBookingIds: z.array(z.uuid()),
            refunds: z.array(refundView),
          }),
          409: problemSchema.extend({ bookings: z.array(displacedView).optional() }),
          ...errorResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (req, reply) => reply.status(201).send(await venues.createClosure(actorOf(req), req.params.hubId, req.body)),
  );
  app.get(
    '/hubs/:hubId/closures',
    {
      schema: {
        tags: ['hubs'],
        operationId: 'listClosures',
        security: [],
        summary: "The hub's closures overlapping [from, to) (default: the coming year), by start",
        params: hubId,
        querystring: z.object({ from: dateOrTimeInput.optional(), to: dateOrTimeInput.optional(), ...pageQuery }),
        response: { 200: page(closureView), ...errorResponses(400, 404) },
      },
    },
    async (req) =>
      pageResult(
        await venues.listClosures(req.params.hubId, req.query.from, req.query.to, {
          limit: req.query.limit,
          after: parseCursor(req.query.cursor, [cursorPart.instant, cursorPart.id]),
        }),
      ),
  );
  app.delete(
    '/closures/:closureId',
    {
      onRequest: app.authenticate,
      schema: { tags: ['hubs'], operationId: 'deleteClosure', security: bearer, params: z.object({ closureId: z.uuid() }), response: { 204: z.null(), ...errorResponses(401, 403, 404) } },
    },
    async (req, reply) => {
      await venues.deleteClosure(actorOf(req), req.params.closureId);
      return reply.status(204).send(null);
    },
  );
};
