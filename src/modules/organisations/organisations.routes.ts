import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TIERS } from '../../db/schema/organisations.types';
import { actorOf } from '../../http/auth';
import { cursorPart, errorResponses, localDate, phoneInput, page, pageQuery, pageResult, parseCursor } from '../../http/schemas';
import type { OrganisationsService } from './organisations.service';

const bearer = [{ bearer: [] }];
const orgId = z.object({ id: z.uuid() });
const tier = z.enum(TIERS);
const orgView = z.object({
  id: z.uuid(),
  name: z.string(),
  tier,
  claimedTier: tier,
  verifiedTier: tier.nullable(),
  verificationStatus: z.string(),
  verified: z.boolean(),
  needsReview: z.boolean().describe('An unverified or lapsed community claim: bookings wait for staff'),
  recheckOn: z.string().nullable(),
  charityNumber: z.string().nullable(),
  contactPhone: z.string().nullable().describe('Null once cleared because it was an erased member’s own number'),
  paysByInvoice: z.boolean(),
});

export const organisationsRoutes: FastifyPluginAsyncZod<{ organisations: OrganisationsService }> = async (app, { organisations }) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/organisations',
    {
      schema: {
        tags: ['organisations'],
        operationId: 'createOrganisation',
        summary: 'Register a hiring group; you become its first member',
        security: bearer,
        body: z.object({
          name: z.string().trim().min(1).max(200),
          claimedTier: tier,
          charityNumber: z.string().trim().max(40).optional(),
          contactPhone: phoneInput,
        }),
        response: { 201: orgView, ...errorResponses(400, 401) },
      },
    },
    async (req, reply) => reply.status(201).send(await organisations.create(actorOf(req), req.body)),
  );

  app.get(
    '/organisations',
    {
      schema: {
        tags: ['organisations'],
        operationId: 'listOrganisations',
        summary: 'Your organisations, by name; staff may ask for all (all=true)',
        security: bearer,
        querystring: z.object({ all: z.enum(['true', 'false']).default('false'), ...pageQuery }),
        response: { 200: page(orgView), ...errorResponses(400, 401, 403) },
      },
    },
    async (req) =>
      pageResult(
        await organisations.list(actorOf(req), req.query.all === 'true', {
          limit: req.query.limit,
          after: parseCursor(req.query.cursor, [cursorPart.text, cursorPart.id]),
        }),
      ),
  );

  app.get(
    '/organisations/:id',
    {
      schema: {
        tags: ['organisations'],
        operationId: 'getOrganisation',
        security: bearer,
        params: orgId,
        response: {
          200: orgView.extend({
            evidence: z.string().nullable(),
            members: z.array(z.object({ userId: z.uuid(), name: z.string(), email: z.string() })),
            verifications: z
              .array(
                z.object({
                  id: z.uuid(),
                  tier,
                  evidence: z.string(),
                  recheckOn: z.string(),
                  paysByInvoice: z.boolean().nullable().describe('Whether the decision let it pay by invoice (null for decisions recorded before this was kept)'),
                  verifiedBy: z.uuid(),
                  verifiedByName: z.string(),
                  createdAt: z.string(),
                }),
              )
              .describe('Every verification decision, oldest first: the standing holds at every hub, so every hub\'s staff see its history'),
          }),
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (req) => organisations.get(actorOf(req), req.params.id),
  );

  app.post(
    '/organisations/:id/verify',
    {
      schema: {
        tags: ['organisations'],
        operationId: 'verifyOrganisation',
        summary: 'Record the tier staff verified, with evidence and a re-check date (admin, or staff of a hub the organisation has booked at)',
        description: 'A tier and paysByInvoice hold at every hub, so only a network admin or staff of a hub where the organisation has a booking (any status) may change them; other staff get 403.',
        security: bearer,
        params: orgId,
        body: z.object({
          tier,
          evidence: z.string().trim().min(3).max(2000).describe('e.g. charity number checked, income band, CIC registration'),
          recheckOn: localDate,
          paysByInvoice: z.boolean().optional(),
        }),
        response: { 200: orgView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req) => organisations.verify(actorOf(req), req.params.id, req.body),
  );

};
