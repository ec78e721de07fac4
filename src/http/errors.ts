import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dbErrorSummary, isDatabaseUnavailable, sqlState, PG } from '../db/client';
import { constraintOf } from '../db/constraints';
import { DATABASE_RETRY_AFTER_SECONDS, databaseUnavailable, DomainError, type ErrorKind, type FieldError } from '../lib/errors';

const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  too_many: 429,
  unavailable: 503,
};

export const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorised',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().describe('Stable machine-readable error code'),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .passthrough()
  .describe('RFC 9457 problem details')
  .meta({ id: 'Problem' });

export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: FieldError[];
  extra?: Record<string, unknown>;
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, p: Problem) {
  const body = {
    ...(p.extra ?? {}),
    type: `https://hubkey.dev/problems/${p.code}`,
    title: TITLES[p.status] ?? 'Error',
    status: p.status,
    detail: p.detail,
    code: p.code,
    instance: request.url,
    requestId: request.id,
    ...(p.errors && p.errors.length ? { errors: p.errors } : {}),
  };
  return reply.status(p.status).type('application/problem+json').send(JSON.stringify(body));
}

/**
 * Error pages for people: the web plugin sets `render` once its views are ready, and a browser
 * asking for a page that does not exist gets the 404 page instead of a problem document.
 */
export interface HtmlErrorPages {
  render?: (request: FastifyRequest, reply: FastifyReply, status: number) => unknown;
}

const wantsHtml = (request: FastifyRequest) =>
  (request.method === 'GET' || request.method === 'HEAD') && (request.headers.accept ?? '').includes('text/html');

/**
 * Maps every error to problem+json. An unreachable database is 503 `database_unavailable`;
 * unexpected errors are logged and answered with a bare 500.
 */
export function registerErrorHandling(app: FastifyInstance, pages: HtmlErrorPages = {}) {
  app.setNotFoundHandler((request, reply) =>
    pages.render && wantsHtml(request)
      ? pages.render(request, reply, 404)
      : sendProblem(request, reply, { status: 404, code: 'route_not_found', detail: `No route ${request.method} ${request.url.split('?')[0]}` }),
  );

  app.setErrorHandler((error: FastifyError | DomainError | Error, request, reply) => {
    // The database is down or restarting: whichever route or hook hit it, the answer is 503 with
    // Retry-After, never 500 (see isDatabaseUnavailable for the errors this covers).
    if (!(error instanceof DomainError) && isDatabaseUnavailable(error)) {
      request.log.warn({ err: dbErrorSummary(error) }, 'database unavailable');
      error = databaseUnavailable();
    }
    if (error instanceof DomainError) {
      if (error.code === 'database_unavailable') reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      // A 429 that knows when the caller may try again says so in the header too.
      if (error.kind === 'too_many' && typeof error.extra.retryAfterSeconds === 'number') reply.header('retry-after', String(error.extra.retryAfterSeconds));
      return sendProblem(request, reply, {
        status: STATUS[error.kind],
        code: error.code,
        detail: error.message,
        errors: error.fields,
        extra: error.extra,
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = (error as FastifyError).validationContext ?? 'body';
      const errors = error.validation.map((v) => ({
        path: [where, ...(((v.params as { issue?: { path?: PropertyKey[] } })?.issue?.path ?? v.instancePath.split('/').filter(Boolean)) as string[])].join('.'),
        message: v.message ?? 'invalid',
      }));
      return sendProblem(request, reply, {
        status: 400,
        code: 'validation_failed',
        detail: `The request ${where} is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
        errors,
      });
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
      return sendProblem(request, reply, { status: 500, code: 'internal_error', detail: 'Something went wrong on our side' });
    }
    const state = sqlState(error);
    if (state === PG.exclusionViolation) {
      // Repositories name the constraints they expect (db/constraints.ts); this is the net under
      // them. Only the bookings' constraint means the room is taken; any other clash (two live
      // codes with the same digits on a door) is a plain conflict, logged so it gets named.
      if (constraintOf(error) === 'bookings_no_overlap') return sendProblem(request, reply, { status: 409, code: 'booking_conflict', detail: 'The room is already booked then' });
      request.log.warn({ constraint: constraintOf(error) }, 'exclusion violation no repository named');
      return sendProblem(request, reply, { status: 409, code: 'conflict', detail: 'This clashes with something that already exists; please try again' });
    }
    if (state === PG.deadlock || state === PG.serializationFailure) {
      return sendProblem(request, reply, { status: 503, code: 'busy', detail: 'Please try again' });
    }
    const fe = error as FastifyError;
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      // Fastify's own client errors: bad JSON, wrong content type, body too large, rate limits.
      const code =
        fe.statusCode === 429 ? 'rate_limited' : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : fe.statusCode === 413 ? 'payload_too_large' : 'bad_request';
      return sendProblem(request, reply, { status: fe.statusCode, code, detail: fe.statusCode === 429 ? 'Too many requests; try again later' : fe.message });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(request, reply, { status: 500, code: 'internal_error', detail: 'Something went wrong on our side' });
  });
}
