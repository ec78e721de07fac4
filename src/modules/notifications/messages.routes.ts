import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/auth';
import { cursorPart, errorResponses, page, pageQuery, pageResult, parseCursor } from '../../http/schemas';
import type { MessagesService } from './messages.service';

export const messageView = z.object({
    id: z.uuid(),
    kind: z.string().describe('What the text is about: access_code, access_code_moved, access_code_resend, door_open, booking_moved, reminder, hold_lapsing, hold_lapsed, invitation, reply, staff_alert, ...'),
    to: z.string().describe('E.164 phone number'),
    body: z.string().describe('The text as stored: door codes and secrets (invitation links) masked as ••••'),
    status: z.enum(['queued', 'sent', 'failed']),
    bookingId: z.uuid().nullable(),
    attempts: z.number().int(),
    queuedAt: z.string(),
    sendAfter: z.string().nullable().describe('A queued text waits until then (a retry, or a text deferred by the texting limits)'),
    sentAt: z.string().nullable().describe('When the SMS provider accepted it'),
    providerStatus: z.string().nullable().describe("The provider's latest status (delivered, undelivered, ...)"),
    error: z.string().nullable().describe("Why it failed or was not delivered: the provider's reason"),
  });

export const messagesRoutes: FastifyPluginAsyncZod<{ messages: Pick<MessagesService, 'listMessages'> }> = async (app, { messages }) => {
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/hubs/:hubId/messages',
    {
      schema: {
        tags: ['hubs'],
        operationId: 'listMessages',
        summary: "A hub's texts, newest first: sent, queued and failed (staff)",
        description: 'Door codes and invitation links are masked. Paginated with `cursor` (the previous page\'s `nextCursor`).',
        security: [{ bearer: [] }],
        params: z.object({ hubId: z.uuid() }),
        querystring: z.object({
          status: z.enum(['queued', 'sent', 'failed']).optional().describe('Only texts in this state (queued: waiting or being sent)'),
          kind: z.string().trim().min(1).max(60).optional().describe('Only texts of this kind, e.g. access_code'),
          ...pageQuery,
        }),
        response: { 200: page(messageView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const { status, kind, limit } = req.query;
      const after = parseCursor(req.query.cursor, [cursorPart.instant, cursorPart.id]);
      return pageResult(await messages.listMessages(actorOf(req), req.params.hubId, { status, kind, limit, after }));
    },
  );
};
