import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/auth';
import { errorResponses, phoneInput } from '../../http/schemas';
import type { AuthService } from './auth.service';
import { PASSWORD_MAX, PASSWORD_MIN } from './password-policy';

const userSchema = z.object({ id: z.uuid(), email: z.string(), name: z.string(), phone: z.string().nullable() });
const tokenResponse = z.object({ token: z.string(), user: userSchema });

/** What registration shows of the network's privacy notice (GET /privacy-notice has it all). */
const registeredNotice = z.object({ text: z.string(), url: z.string().describe('Where to read it: /privacy, or the network’s own notice') });

export const authRoutes: FastifyPluginAsyncZod<{ auth: AuthService; loginRateLimit: number; privacyNotice: () => { text: string; url: string } }> = async (
  app,
  { auth, loginRateLimit, privacyNotice },
) => {
  app.post(
    '/auth/register',
    {
      config: { rateLimit: { max: loginRateLimit, timeWindow: '1 minute' } },
      schema: {
        tags: ['people'],
        operationId: 'register',
        security: [],
        summary: 'Create an account; the answer carries the network’s privacy notice (also at GET /privacy-notice before registering)',
        description:
          'Limited per client address like signing in (LOGIN_RATE_LIMIT a minute). Answers 409 `email_taken` for an email that has an account: ' +
          'Hubkey sends no confirmation email, so the answer cannot be neutral; the trade-off is written in docs/security.md.',
        body: z.object({
          email: z.email().max(254),
          password: z.string().min(PASSWORD_MIN, `at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX).describe('At least 8 characters, any you like; common passwords are refused (docs/security.md)'),
          name: z.string().trim().min(1).max(120),
          phone: phoneInput.optional(),
        }),
        response: { 201: tokenResponse.extend({ privacyNotice: registeredNotice }), ...errorResponses(400, 409, 429) },
      },
    },
    async (req, reply) => reply.status(201).send({ ...(await auth.register(req.body)), privacyNotice: privacyNotice() }),
  );

  app.post(
    '/auth/login',
    {
      config: { rateLimit: { max: loginRateLimit, timeWindow: '1 minute' } },
      schema: {
        tags: ['people'],
        operationId: 'login',
        security: [],
        summary: 'Sign in and get a bearer token',
        body: z.object({ email: z.string().max(254), password: z.string().max(200) }),
        response: { 200: tokenResponse, ...errorResponses(400, 401, 429) },
      },
    },
    async (req) => auth.login(req.body),
  );

  app.get(
    '/me',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['people'],
        operationId: 'me',
        summary: 'The signed-in user, their roles and organisations',
        security: [{ bearer: [] }],
        response: {
          200: userSchema.extend({
            isAdmin: z.boolean(),
            roles: z.array(z.object({ hubId: z.uuid(), role: z.enum(['staff', 'volunteer']) })),
            organisations: z.array(z.object({ id: z.uuid(), name: z.string(), tier: z.string(), claimedTier: z.string(), verified: z.boolean() })),
          }),
          ...errorResponses(401),
        },
      },
    },
    async (req) => auth.me(actorOf(req).userId),
  );
};
