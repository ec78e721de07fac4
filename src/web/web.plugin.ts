import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import nunjucks from 'nunjucks';
import { join } from 'node:path';
import type { Container } from '../container';
import type { HtmlErrorPages } from '../http/errors';
import { DomainError } from '../lib/errors';
import { packageRoot } from '../lib/paths';
import { featureName, formatDate, formatDuration, formatLocalDate, formatMoney, formatTime, formatWhen, listInWords, plural, tierName } from './format';
import { hirerPages } from './hirer/hirer.pages';
import { staffPages } from './staff/staff.pages';
import { entryResult } from './staff/words';
import { volunteerPages } from './volunteer/volunteer.pages';
import { createSessionStore, registerSessionHooks } from './session';
import { isDatabaseUnavailable } from '../db/client';

export interface WebPluginOptions {
  container: Container;
  errorPages: HtmlErrorPages;
}

/** What an error page says, by status: what happened and what to do next. */
const ERROR_PAGES: Record<number, { title: string; body: string }> = {
  403: { title: 'You cannot do that', body: 'Your account is not allowed to see or change this. If you think it should be, contact the hub.' },
  404: { title: 'Page not found', body: 'If you typed the web address, check it is correct. If you pasted it, check you copied the whole address.' },
  500: { title: 'Sorry, there is a problem with the service', body: 'Try again later. Nothing you entered has been booked or charged unless you were told so.' },
  503: { title: 'Sorry, the service is unavailable', body: 'We are having trouble reaching our database. Try again in a few minutes.' },
};

const STATUS_OF: Partial<Record<DomainError['kind'], number>> = { forbidden: 403, not_found: 404, unavailable: 503 };
/** The statuses of the refusals the JSON API answers with problem+json (src/http/errors.ts), for the error page. */
const REFUSED_STATUS: Partial<Record<DomainError['kind'], number>> = { validation: 400, conflict: 409, unprocessable: 422, too_many: 429 };
/** A domain message as a sentence: capitalised, with a full stop. */
const sentence = (m: string) => {
  const t = m.trim();
  return t ? `${t[0].toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}` : 'That could not be done.';
};

/**
 * Browsers get the page, everyone else the API. Routes of the web pages that share a path with
 * the JSON API (/rooms/:roomId, /bookings/:id, …) are constrained to requests that accept HTML;
 * an API client's request (application/json, or * / *) falls through to the API's route.
 */
const acceptsHtml: Parameters<FastifyInstance['addConstraintStrategy']>[0] = {
  name: 'page',
  storage() {
    const routes = new Map<unknown, never>();
    return { get: (k: unknown) => routes.get(k) ?? null, set: (k: unknown, v: never) => void routes.set(k, v) };
  },
  deriveConstraint: (req) => {
    const accept = req.headers.accept;
    return typeof accept === 'string' && accept.includes('text/html') ? 'html' : 'api';
  },
  mustMatchWhenDerived: false,
};

declare module 'fastify' {
  interface FastifyReply {
    /** @fastify/view merges these into every template's context. */
    locals: Record<string, unknown>;
  }
}

/**
 * The HTML side of Hubkey: views (Nunjucks + govuk-frontend's macros), assets served by the app,
 * sessions, CSRF, error pages and each audience's pages. Pages call the same services as the API.
 */
export async function webPlugin(app: FastifyInstance, opts: WebPluginOptions) {
  const { container } = opts;
  const { config, clock } = container;
  const root = packageRoot();
  const govuk = join(root, 'node_modules', 'govuk-frontend', 'dist');

  app.addConstraintStrategy(acceptsHtml);

  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });

  // govuk-frontend's compiled CSS and JS only (no GOV.UK fonts or crown images), and our own assets.
  await app.register(fastifyStatic, {
    root: join(govuk, 'govuk'),
    prefix: '/assets/govuk/',
    decorateReply: false,
    allowedPath: (path) => path === '/govuk-frontend.min.css' || path === '/govuk-frontend.min.js',
    maxAge: '1d',
    index: false,
  });
  await app.register(fastifyStatic, { root: join(root, 'src', 'web', 'assets'), prefix: '/assets/hubkey/', decorateReply: false, maxAge: '1h', index: false });

  await app.register(view, {
    engine: { nunjucks },
    templates: [join(root, 'src', 'web'), govuk],
    production: config.env === 'production',
    options: {
      autoescape: true,
      throwOnUndefined: false,
      onConfigure: (env: nunjucks.Environment) => {
        env.addFilter('when', (start: string, end: string, zone: string) => formatWhen(start, end, zone, { now: clock.now() }));
        env.addFilter('date', (at: string, zone: string) => formatDate(at, zone, { now: clock.now() }));
        env.addFilter('time', (at: string, zone: string) => formatTime(at, zone));
        env.addFilter('localDate', (d: string) => formatLocalDate(d));
        env.addFilter('money', (pence: number) => formatMoney(pence));
        env.addFilter('plural', (n: number, one: string, many?: string) => plural(n, one, many));
        env.addFilter('duration', (minutes: number) => formatDuration(minutes));
        env.addFilter('feature', (code: string) => featureName(code));
        env.addFilter('features', (codes: string[]) => listInWords(codes.map((c, i) => (i === 0 ? featureName(c) : featureName(c).toLowerCase()))));
        env.addFilter('tier', (t: string) => tierName(t));
        env.addFilter('entryResult', (r: string) => entryResult(r));
      },
    },
  });

  const sessions = createSessionStore(container.database.db);
  registerSessionHooks(app, { store: sessions, clock, secure: config.env === 'production', loadActor: (id) => container.repos.users.loadActor(id) });
  await app.register(csrf, { sessionPlugin: '@fastify/session', logLevel: 'info' });

  // Every page: its locals (who is signed in, a CSRF token made only when a form asks for one, a flash message).
  app.addHook('preHandler', async (request, reply) => {
    reply.locals = {
      actor: request.actor,
      path: request.url.split('?')[0],
      csrfToken: () => reply.generateCsrf(),
      flash: request.session.get('flash') ? request.session.take('flash') : undefined,
      serviceName: 'Hubkey',
    };
    reply.header('cache-control', 'no-store');
  });
  // Every form post carries the session's CSRF token.
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method !== 'POST') return done();
    app.csrfProtection(request, reply, done);
  });

  async function renderError(reply: FastifyReply, status: number, extra: { title?: string; body?: string } = {}) {
    const page = ERROR_PAGES[status] ?? ERROR_PAGES[500];
    return reply
      .status(status)
      .header('cache-control', 'no-store')
      .view('views/error.njk', { status, title: extra.title ?? page.title, body: extra.body ?? page.body });
  }

  // Unknown paths elsewhere in the app: browsers get this page (the API keeps problem+json).
  opts.errorPages.render = async (request, reply, status) => {
    const page = ERROR_PAGES[status] ?? ERROR_PAGES[500];
    const html = await app.view('views/error.njk', { status, title: page.title, body: page.body, actor: undefined, csrfToken: () => '', path: request.url.split('?')[0], serviceName: 'Hubkey' });
    return reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
  };

  app.setErrorHandler(async (error: FastifyError | DomainError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof DomainError) {
      const status = STATUS_OF[error.kind];
      if (error.kind === 'unauthenticated') return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303);
      if (status) return renderError(reply, status);
      // A refusal a page did not turn into its own message (each form says what to fix next to the
      // field; this is the net under them): the rule's own words and what to do, never a 500.
      const refused = REFUSED_STATUS[error.kind];
      if (refused) {
        request.log.warn({ code: error.code, path: request.url.split('?')[0] }, 'page showed a refusal it did not handle itself');
        return renderError(reply, refused, { title: 'There is a problem', body: `${sentence(error.message)} Go back, check what you entered and try again.` });
      }
    }
    const fe = error as FastifyError;
    if (fe.code === 'FST_CSRF_INVALID_TOKEN' || fe.code === 'FST_CSRF_MISSING_SECRET') {
      return renderError(reply, 403, { title: 'This form has expired', body: 'For your security, forms stop working after a while or when you sign in or out. Go back, reload the page and try again.' });
    }
    if (fe.statusCode === 429) return renderError(reply, 403, { title: 'Too many attempts', body: 'Wait a minute, then try again.' });
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return renderError(reply, 404);
    if (error instanceof DomainError && error.kind === 'unavailable') return renderError(reply, 503);
    // The one definition of "the database is away" (db/client), as the JSON API's error handler uses.
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'page answered 503: database unavailable');
      return renderError(reply, 503);
    }
    request.log.error({ err: error }, 'page failed');
    return renderError(reply, 500);
  });

  await app.register(hirerPages, { container });
  await app.register(staffPages, { container });
  await app.register(volunteerPages, { container });
}
