import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { type ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Container } from './container';
import { authPlugin } from './http/auth';
import { acceptEmptyBodies } from './http/empty-body';
import { type HtmlErrorPages, registerErrorHandling } from './http/errors';
import { registerOpenApi } from './http/openapi';
import { responseSerializerCompiler } from './http/serializer';
import { checkoutOrigins, securityPlugin } from './http/security';
import { errorResponses } from './http/schemas';
import { databaseUnavailable } from './lib/errors';
import { accessRoutes, doorDeviceRoutes, smsWebhookRoutes } from './modules/access/access.routes';
import { messagesRoutes } from './modules/notifications/messages.routes';
import { authRoutes } from './modules/auth/auth.routes';
import { bookingsRoutes } from './modules/bookings/bookings.routes';
import { invitationsRoutes } from './modules/invitations/invitations.routes';
import { organisationsRoutes } from './modules/organisations/organisations.routes';
import { paymentsRoutes } from './modules/payments/payments.routes';
import { stripeWebhookRoutes } from './modules/payments/payments.webhooks';
import { privacyRoutes } from './modules/privacy/privacy.routes';
import { pricingRoutes } from './modules/pricing/pricing.routes';
import { reportsRoutes } from './modules/reports/reports.routes';
import { calendarFeedRoutes, rotaRoutes } from './modules/rota/rota.routes';
import { venuesRoutes } from './modules/venues/venues.routes';
import { webPlugin } from './web/web.plugin';

/** Believe the nearest `hops` proxies (proxy-addr's hop count, as a function Fastify's types accept). */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

/** Builds the HTTP app around a container. Never listens: server.ts does, tests use inject/supertest. */
export async function buildApp(container: Container, opts: { log?: boolean } = {}) {
  const { config, services } = container;
  const app = Fastify({
    ...(opts.log ? { loggerInstance: container.logger as FastifyBaseLogger } : { logger: false }),
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].length <= 100 ? req.headers['x-request-id'] : randomUUID()),
    bodyLimit: 256 * 1024,
    // A hop count or a list of proxy addresses (src/config/env.ts); never `true`, which trusts every hop.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
  }).withTypeProvider<ZodTypeProvider>();

  // zod encodes every answer, except, in production, those of exactResponse schemas (src/http/serializer.ts).
  app.setSerializerCompiler(responseSerializerCompiler(config.env !== 'production'));
  const errorPages: HtmlErrorPages = {};
  registerErrorHandling(app, errorPages);
  // Sets the (zod) validator compiler too, so that an absent body is "no body".
  acceptEmptyBodies(app);

  await app.register(securityPlugin, { hsts: config.hsts, formActions: checkoutOrigins(config.stripe) });
  await app.register(rateLimit, { global: false });
  await app.register(authPlugin, {
    secret: config.jwt.secret,
    expiresIn: config.jwt.expiresIn,
    loadActor: (userId) => container.repos.users.loadActor(userId),
  });
  container.setTokenSigner((userId) => app.jwt.sign({ sub: userId }));
  await registerOpenApi(app, config.publicUrl, config.docsEnabled);

  app.get('/health', { schema: { tags: ['service'], operationId: 'health', security: [], response: { 200: z.object({ status: z.literal('ok') }), ...errorResponses(500) } } }, async () => ({ status: 'ok' as const }));
  app.get(
    '/ready',
    { schema: { tags: ['service'], operationId: 'ready', security: [], response: { 200: z.object({ status: z.literal('ready'), database: z.string() }), ...errorResponses(503) } } },
    async (req) => {
      try {
        await container.database.db.execute('select 1');
      } catch (err) {
        req.log.warn({ err }, 'database not ready');
        throw databaseUnavailable();
      }
      return { status: 'ready' as const, database: container.database.kind };
    },
  );

  const notice = services.privacy.notice();
  await app.register(authRoutes, {
    auth: services.auth,
    loginRateLimit: config.loginRateLimit,
    privacyNotice: () => ({ text: notice.text, url: notice.url ?? `${config.publicUrl}/privacy` }),
  });
  await app.register(venuesRoutes, { venues: services.venues });
  await app.register(organisationsRoutes, { organisations: services.organisations });
  await app.register(invitationsRoutes, { invitations: services.invitations, acceptRateLimit: config.loginRateLimit });
  await app.register(bookingsRoutes, { bookings: services.bookings, requests: services.requests });
  await app.register(pricingRoutes, { pricing: services.pricing });
  await app.register(paymentsRoutes, { checkout: services.checkout, invoices: services.invoices, refunds: services.refunds, offline: services.offlinePayments });
  await app.register(reportsRoutes, { reports: services.reports });
  await app.register(privacyRoutes, { privacy: services.privacy, clock: container.clock });
  // Its own scope: a raw-body parser, so the signature is checked on the bytes Stripe signed.
  await app.register(stripeWebhookRoutes, { events: services.paymentEvents, constructEvent: container.stripeWebhook });
  await app.register(accessRoutes, { doors: services.doors, bookingAccess: services.bookingAccess, codes: services.accessCodes, keypad: services.keypad });
  await app.register(doorDeviceRoutes, { keypad: services.keypad });
  await app.register(messagesRoutes, { messages: services.messages });
  await app.register(rotaRoutes, { rota: services.rota });
  await app.register(calendarFeedRoutes, { rota: services.rota });
  await app.register(smsWebhookRoutes, { inboundSms: services.inboundSms, deliveryReports: services.outbox, authToken: config.sms.twilio?.authToken, publicUrl: config.publicUrl });

  // The web pages: the same services behind HTML, with a session cookie and CSRF (src/web).
  await app.register(webPlugin, { container, errorPages });

  await app.ready();
  return app;
}
export type App = Awaited<ReturnType<typeof buildApp>>;
