import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/auth';
import { errorResponses } from '../../http/schemas';
import { reportCsv, reportFileName } from './reports.fns';
import type { ReportsService, UsageReport } from './reports.service';
import { networkUsageQuery, usageQuery, usageReportView } from './reports.schemas';

const bearer = [{ bearer: [] }];
const response = {
  200: {
    description: 'The report as JSON, or as a CSV file with Accept: text/csv or ?format=csv',
    content: { 'application/json': { schema: usageReportView }, 'text/csv': { schema: z.string() } },
  },
  ...errorResponses(400, 401, 403, 404, 503),
};

/** CSV when asked by ?format=csv, or by an Accept header that names text/csv before application/json. */
function wantsCsv(req: FastifyRequest, format: 'json' | 'csv' | undefined) {
  if (format) return format === 'csv';
  const accept = (req.headers.accept ?? '').toLowerCase();
  const csv = accept.indexOf('text/csv');
  const json = accept.indexOf('application/json');
  return csv >= 0 && (json < 0 || csv < json);
}

function send(req: FastifyRequest, reply: FastifyReply, format: 'json' | 'csv' | undefined, report: UsageReport, scopeName: string) {
  reply.header('cache-control', 'private, no-store').header('vary', 'accept');
  if (!wantsCsv(req, format)) return reply.type('application/json').send(report);
  const name = reportFileName(scopeName, report);
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(reportCsv(report));
}

export const reportsRoutes: FastifyPluginAsyncZod<{ reports: ReportsService }> = async (app, { reports }) => {
  app.get(
    '/hubs/:hubId/reports/usage',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['reports'],
        operationId: 'hubUsageReport',
        summary: "A hub's usage for funders (staff of the hub): hours, income and subsidy by tier, occupancy by room, months, volunteers",
        security: bearer,
        params: z.object({ hubId: z.uuid() }),
        querystring: usageQuery,
        response,
      },
    },
    async (req, reply) => {
      const report = await reports.hubUsage(actorOf(req), req.params.hubId, req.query);
      return send(req, reply, req.query.format, report, report.byHub[0].hubName);
    },
  );

  app.get(
    '/reports/usage',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['reports'],
        operationId: 'networkUsageReport',
        summary: "The network's usage (network admin), each hub named; hubId narrows it to one hub",
        security: bearer,
        querystring: networkUsageQuery,
        response,
      },
    },
    async (req, reply) => {
      const report = await reports.networkUsage(actorOf(req), req.query);
      return send(req, reply, req.query.format, report, req.query.hubId ? report.byHub[0].hubName : 'network');
    },
  );
};
