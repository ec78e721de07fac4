import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { invalid } from '../lib/errors';

/**
 * The Content-Security-Policy of every response, in one place. Hubkey's pages are rendered on the
 * server and load only same-origin scripts and styles, with no inline code, so nothing but 'self'
 * is allowed; no page may be framed (clickjacking). A page that needs more is a change here.
 */
export const CONTENT_SECURITY_POLICY: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'self'"],
  'object-src': ["'none'"],
};

export interface SecurityOptions {
  /** Send Strict-Transport-Security (production: the service is only reached over HTTPS). */
  hsts: boolean;
  /** Origins a form may also submit (or be redirected) to: the card payment page's, when card payments are on. */
  formActions?: string[];
}

/**
 * Where the pay button's answer redirects: Stripe's hosted Checkout, or the origin of
 * STRIPE_API_BASE when it points elsewhere (a local stand-in). Empty without card payments.
 */
export function checkoutOrigins(stripe: { enabled: boolean; apiBase: string }): string[] {
  if (!stripe.enabled) return [];
  const api = new URL(stripe.apiBase).origin;
  return api === 'https://api.stripe.com' ? ['https://checkout.stripe.com'] : ['https://checkout.stripe.com', api];
}

/** Depth and count bounds keep the scan itself cheap on a hostile body (which is at most bodyLimit anyway). */
const MAX_DEPTH = 32;

/** The path of the first string (or key) holding a NUL byte, or undefined. */
export function findNul(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || Buffer.isBuffer(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNul(value[i], `${path}.${i}`, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return `${path}.${k.split('\u0000').join('\\0')}`;
    const hit = findNul(v, `${path}.${k}`, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Cross-cutting protections for every route:
 * - security headers (helmet): CSP above, nosniff, frame-ancestors, HSTS in production;
 * - `Cache-Control: no-store` unless a route chose its own (answers carry tokens, codes and
 *   personal data; a page's static assets may set a long cache themselves);
 * - a NUL byte in any parameter, query or body string is 400 validation_failed before a schema
 *   or the database sees it (PostgreSQL text cannot hold one).
 * Authentication runs in onRequest (see http/auth.ts), so it answers before this check and
 * before validation.
 */
export const securityPlugin = fp(async (app: FastifyInstance, opts: SecurityOptions) => {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...CONTENT_SECURITY_POLICY, 'form-action': [...CONTENT_SECURITY_POLICY['form-action'], ...(opts.formActions ?? [])] },
    },
    hsts: opts.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  app.addHook('preValidation', async (request: FastifyRequest) => {
    const hit = findNul(request.params, 'params') ?? findNul(request.query, 'querystring') ?? findNul(request.body, 'body');
    if (hit) throw invalid(`${hit} holds a NUL byte, which no text field accepts`, [{ path: hit, message: 'NUL byte' }]);
  });
});
