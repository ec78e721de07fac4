import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/auth';
import { errorResponses } from '../../http/schemas';
import type { PricingService } from './pricing.service';
import { hubRateCardView, quoteQuery, quoteView, rateCardSchema, rateCardView, roomRateCardView } from './pricing.schemas';

const bearer = [{ bearer: [] }];
const hubId = z.object({ hubId: z.uuid() });
const roomId = z.object({ roomId: z.uuid() });
const cardNote =
  'Append-only: each PUT adds a version (who and when are kept). The version in force on a booking\'s local start date prices it; a room\'s own override, when one is in force, replaces the hub\'s card. effectiveFrom may not be before today (hub time).';

export const pricingRoutes: FastifyPluginAsyncZod<{ pricing: PricingService }> = async (app, { pricing }) => {
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/hubs/:hubId/rate-card',
    { schema: { tags: ['pricing'], operationId: 'getHubRateCard', summary: "The hub's rate card: current, upcoming and history (staff)", security: bearer, params: hubId, response: { 200: hubRateCardView, ...errorResponses(400, 401, 403, 404) } } },
    async (req) => pricing.getHubCard(actorOf(req), req.params.hubId),
  );
  app.put(
    '/hubs/:hubId/rate-card',
    {
      schema: {
        tags: ['pricing'],
        operationId: 'setHubRateCard',
        summary: "Set the hub's rate card from a date (staff)",
        description: cardNote,
        security: bearer,
        params: hubId,
        body: rateCardSchema,
        response: { 200: rateCardView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req) => pricing.putHubCard(actorOf(req), req.params.hubId, req.body),
  );
  app.get(
    '/rooms/:roomId/rate-card',
    { schema: { tags: ['pricing'], operationId: 'getRoomRateCard', summary: "The room's override (if any) and the card in force for it (staff)", security: bearer, params: roomId, response: { 200: roomRateCardView, ...errorResponses(400, 401, 403, 404) } } },
    async (req) => pricing.getRoomCard(actorOf(req), req.params.roomId),
  );
  app.put(
    '/rooms/:roomId/rate-card',
    {
      schema: {
        tags: ['pricing'],
        operationId: 'setRoomRateCard',
        summary: "Override the hub's rate card for this room from a date (staff)",
        description: cardNote,
        security: bearer,
        params: roomId,
        body: rateCardSchema,
        response: { 200: rateCardView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req) => pricing.putRoomCard(actorOf(req), req.params.roomId, req.body),
  );
  app.get(
    '/rooms/:roomId/quote',
    {
      schema: {
        tags: ['pricing'],
        operationId: 'quoteRoom',
        summary: 'The price for an organisation to hire the room (members of the organisation, or staff of the hub)',
        description: 'Priced at the tier the organisation stands at today (an unverified community claim is quoted at the community rate but `needsReview` is true: a booking would wait for staff). `subsidyPence` is the private price minus this one. 422 `no_rate_card` when no card is in force.',
        security: bearer,
        params: roomId,
        querystring: quoteQuery,
        response: { 200: quoteView.extend({ roomId: z.uuid(), organisationId: z.uuid(), verified: z.boolean(), needsReview: z.boolean() }), ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (req) => pricing.quote(actorOf(req), req.params.roomId, req.query),
  );
};
