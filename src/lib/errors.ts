/**
 * Domain errors. Services throw these; they know nothing of HTTP. The one error handler
 * (src/http/errors.ts) maps each `kind` to a status and renders RFC 9457 problem+json.
 */
export type ErrorKind =
  | 'validation' // 400: the input is malformed
  | 'unauthenticated' // 401
  | 'forbidden' // 403: known caller, not allowed
  | 'not_found' // 404: missing, or not yours to see
  | 'conflict' // 409: clashes with existing state
  | 'unprocessable' // 422: a domain rule refused it
  | 'too_many' // 429
  | 'unavailable'; // 503: a dependency is down

export interface FieldError {
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** Stable machine-readable code, e.g. `booking_conflict`. */
    readonly code: string,
    message: string,
    /** Extra members merged into the problem document (never secrets or other groups' data). */
    readonly extra: Record<string, unknown> = {},
    readonly fields?: FieldError[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('not_found', 'not_found', `${what} not found`);
export const forbidden = (detail = 'You may not do this') => new DomainError('forbidden', 'forbidden', detail);
export const unprocessable = (code: string, detail: string, extra: Record<string, unknown> = {}) =>
  new DomainError('unprocessable', code, detail, extra);
export const conflict = (code: string, detail: string, extra: Record<string, unknown> = {}) =>
  new DomainError('conflict', code, detail, extra);
export const invalid = (detail: string, fields: FieldError[] = []) =>
  new DomainError('validation', 'validation_failed', detail, {}, fields);

/** Seconds a client should wait before retrying while the database is unreachable (the Retry-After header). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The database cannot be reached right now; the HTTP layer adds Retry-After. */
export const databaseUnavailable = () =>
  new DomainError('unavailable', 'database_unavailable', 'The database is not reachable at the moment; try again shortly');
