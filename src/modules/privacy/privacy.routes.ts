import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/auth';
import { errorResponses } from '../../http/schemas';
import type { Clock } from '../../lib/clock';
import { exportZip } from './privacy.fns';
import type { PrivacyService } from './privacy.service';

const bearer = [{ bearer: [] }];

export const privacyNoticeView = z.object({
  text: z.string(),
  paragraphs: z.array(z.string()),
  url: z.string().nullable().describe("The network's full notice elsewhere"),
  contact: z.string().nullable().describe('Who to ask about personal data'),
  retention: z.object({ contactPhoneDays: z.number().int(), messageBodyDays: z.number().int(), entryLogDays: z.number().int(), lapsedInvitationDays: z.number().int() }),
});

const dataView = z.object({
  generatedAt: z.string(),
  userId: z.uuid(),
  timeZone: z.string(),
  sections: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))).describe('Every record that names you, by table (users, bookings, outbox, doorEntries, shiftSignups, ...)'),
});

const erasureView = z.object({
  userId: z.uuid(),
  erasedAt: z.string(),
  removed: z.array(z.object({ item: z.string(), count: z.number().int() })),
  kept: z.array(z.object({ item: z.string(), count: z.number().int(), why: z.string() })),
});

/** A zip when the Accept header names application/zip before application/json. */
function wantsZip(req: FastifyRequest) {
  const accept = (req.headers.accept ?? '').toLowerCase();
  const zip = accept.indexOf('application/zip');
  const json = accept.indexOf('application/json');
  return zip >= 0 && (json < 0 || zip < json);
}

export const privacyRoutes: FastifyPluginAsyncZod<{ privacy: PrivacyService; clock: Clock }> = async (app, { privacy, clock }) => {
  app.get(
    '/privacy-notice',
    { schema: { tags: ['people'], operationId: 'privacyNotice', summary: "The network's privacy notice and how long it keeps personal data", security: [], response: { 200: privacyNoticeView, ...errorResponses(500) } } },
    async () => privacy.notice(),
  );

  app.get(
    '/me/data',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['people'],
        operationId: 'myData',
        summary: 'Everything Hubkey holds about me: JSON, or a zip of CSV files with Accept: application/zip',
        security: bearer,
        response: {
          200: { description: 'The export', content: { 'application/json': { schema: dataView }, 'application/zip': { schema: z.custom<Buffer>((v) => Buffer.isBuffer(v)).describe('A zip of CSV files, one per section, and README.txt') } } },
          ...errorResponses(401),
        },
      },
    },
    async (req, reply) => {
      const data = await privacy.myData(actorOf(req));
      reply.header('cache-control', 'private, no-store').header('vary', 'accept');
      if (!wantsZip(req)) return reply.type('application/json').send(data);
      const zip = exportZip(data.sections, privacy.readme, clock.now());
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="hubkey-my-data-${data.generatedAt.slice(0, 10)}.zip"`)
        .send(Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength));
    },
  );

  app.delete(
    '/me',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['people'],
        operationId: 'eraseMe',
        summary: 'Erase or anonymise what is mine; answers what was kept and why (409 hand_over_first when I am the last member of a group with bookings ahead, 409 last_admin when I am the network’s only admin)',
        security: bearer,
        response: { 200: erasureView, ...errorResponses(401, 409) },
      },
    },
    async (req) => privacy.eraseMe(actorOf(req)),
  );

  app.post(
    '/people/:userId/erase',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['people'],
        operationId: 'erasePerson',
        summary: "Erase a named person's data (network admin), with the reason recorded",
        security: bearer,
        params: z.object({ userId: z.uuid() }),
        body: z.object({ reason: z.string().trim().min(3, 'say why, in a few words').max(500) }),
        response: { 200: erasureView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => privacy.erasePerson(actorOf(req), req.params.userId, req.body.reason),
  );
};
