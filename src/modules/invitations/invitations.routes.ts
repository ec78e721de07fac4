import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/auth';
import { errorResponses } from '../../http/schemas';
import type { InvitationsService } from './invitations.service';

const bearer = [{ bearer: [] }];
const phone = z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number, e.g. +447700900123');
const hubRole = z.enum(['staff', 'volunteer']);
const tokenParam = z.object({ token: z.string().min(20).max(100).regex(/^[A-Za-z0-9_-]+$/, 'an invitation token') });
const invitationView = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: z.enum(['staff', 'volunteer', 'member']),
    hubId: z.uuid().nullable(),
    organisationId: z.uuid().nullable(),
    expiresAt: z.string(),
    link: z.string().describe('The one-time link to pass on (`/invitations/:token`); shown once'),
    texted: z.boolean().describe('Whether the link was also queued as a text to the phone given'),
  })
  .describe('An invitation; it says nothing about whether the email already has an account');
const hubInvite = z.object({ email: z.email().max(254), role: hubRole, name: z.string().trim().min(1).max(120).optional(), phone: phone.optional() });
const orgInvite = z.object({ email: z.email().max(254), name: z.string().trim().min(1).max(120).optional(), phone: phone.optional() });

/** Invitations to hub roles and organisations, accepting and cancelling them, and removing hub roles and organisation members. */
export const invitationsRoutes: FastifyPluginAsyncZod<{ invitations: InvitationsService; acceptRateLimit: number }> = async (app, { invitations, acceptRateLimit }) => {
  const inviteToHub = {
    onRequest: app.authenticate,
    schema: {
      tags: ['people'],
      security: bearer,
      params: z.object({ hubId: z.uuid() }),
      body: hubInvite,
      response: { 201: invitationView, ...errorResponses(400, 401, 403, 404) },
    },
  };
  app.post(
    '/hubs/:hubId/invitations',
    { ...inviteToHub, schema: { ...inviteToHub.schema, operationId: 'inviteToHub', summary: 'Invite someone to a role at this hub (admin or staff of the hub)' } },
    async (req, reply) => reply.status(201).send(await invitations.inviteToHub(actorOf(req), req.params.hubId, req.body)),
  );
  app.post(
    '/hubs/:hubId/members',
    { ...inviteToHub, schema: { ...inviteToHub.schema, operationId: 'addHubMember', summary: 'The same as POST /hubs/:hubId/invitations: a role is an invitation the person accepts' } },
    async (req, reply) => reply.status(201).send(await invitations.inviteToHub(actorOf(req), req.params.hubId, req.body)),
  );

  app.delete(
    '/hubs/:hubId/members/:userId',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['people'],
        operationId: 'removeHubMember',
        summary: "Take away a person's role at this hub (every role, or the one named) (admin or staff of the hub)",
        security: bearer,
        params: z.object({ hubId: z.uuid(), userId: z.uuid() }),
        querystring: z.object({ role: hubRole.optional() }),
        response: { 204: z.null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      await invitations.removeHubMember(actorOf(req), req.params.hubId, req.params.userId, req.query.role);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/organisations/:id/members',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['organisations'],
        operationId: 'addOrganisationMember',
        summary: 'Invite someone to the organisation (its members, or an admin); they become a member when they accept',
        security: bearer,
        params: z.object({ id: z.uuid() }),
        body: orgInvite,
        response: { 201: invitationView, ...errorResponses(400, 401, 403, 404, { 409: ['already_member'], 429: ['text_limit'] }) },
      },
    },
    async (req, reply) => reply.status(201).send(await invitations.inviteToOrganisation(actorOf(req), req.params.id, req.body)),
  );

  app.delete(
    '/organisations/:id/members/:userId',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['organisations'],
        operationId: 'removeOrganisationMember',
        summary: 'Take a member out of the organisation, or leave it (your own userId) (its members; an admin, or staff of a hub it has booked at)',
        description:
          'From the next request the person can no longer book for the organisation or see its bookings and door codes. Its last member cannot be removed or leave (409 `last_member`: invite someone first) unless an admin or staff do it. Staff of hubs it has not booked at may see the organisation but not change it (403); anyone else gets 404, as for a member who is not one.',
        security: bearer,
        params: z.object({ id: z.uuid(), userId: z.uuid() }),
        response: { 204: z.null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      await invitations.removeOrganisationMember(actorOf(req), req.params.id, req.params.userId);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/organisations/:id/invitations/:invitationId',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['organisations'],
        operationId: 'cancelOrganisationInvitation',
        summary: 'Cancel an invitation to the organisation still waiting: its link stops working (its members; an admin, or staff of a hub it has booked at)',
        description:
          'Accepting a cancelled invitation is refused as for a lapsed one (422 `invitation_expired`). One already accepted is 409 `invitation_used` (remove the member instead); cancelling one that has lapsed or was cancelled answers 204 again and changes nothing.',
        security: bearer,
        params: z.object({ id: z.uuid(), invitationId: z.uuid() }),
        response: { 204: z.null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      await invitations.cancelOrganisationInvitation(actorOf(req), req.params.id, req.params.invitationId);
      return reply.status(204).send(null);
    },
  );

  // GET /invitations/:token is the web page that asks the person to accept (src/web); it calls
  // InvitationsService.describe, so the API has no JSON twin of it.
  app.post(
    '/invitations/:token/accept',
    {
      onRequest: app.identify,
      config: { rateLimit: { max: acceptRateLimit, timeWindow: '1 minute' } },
      schema: {
        tags: ['people'],
        operationId: 'acceptInvitation',
        summary: "Accept: signed in as the invited email's account, or with that account's password, or with a new password (and name) to create it",
        security: [{ bearer: [] }, {}],
        params: tokenParam,
        body: z.object({ password: z.string().max(200).optional(), name: z.string().trim().min(1).max(120).optional() }),
        response: {
          200: z.object({
            token: z.string().nullable().describe('A sign-in token when the caller was not signed in'),
            user: z.object({ id: z.uuid(), email: z.string(), name: z.string(), phone: z.string().nullable() }),
            role: z.enum(['staff', 'volunteer', 'member']),
            hubId: z.uuid().nullable(),
            organisationId: z.uuid().nullable(),
          }),
          ...errorResponses(400, 401, 403, 404, 409, 422, 429),
        },
      },
    },
    async (req) => invitations.accept(req.params.token, req.body ?? {}, req.actor),
  );
};
