import { z } from 'zod';
import { invalid } from '../lib/errors';
import { parseTextablePhone } from '../lib/phone';
import { leadingYearInDomain, YEARS_MESSAGE } from '../lib/limits';
import { problemSchema } from './errors';

/** ISO 8601 date-time; with an offset it is an instant, without one it is the hub's local time. */
export const dateTimeInput = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i, 'an ISO 8601 date-time, e.g. 2026-03-31T10:00:00+01:00')
  .refine(leadingYearInDomain, YEARS_MESSAGE);

/**
 * A phone number that can receive texts, as people write it (`07700 900123` is a UK number);
 * stored and answered in E.164. Landlines and numbers that are not numbers are 400.
 */
export const phoneInput = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const parsed = parseTextablePhone(value);
    if ('e164' in parsed) return parsed.e164;
    ctx.addIssue({
      code: 'custom',
      message: parsed.problem === 'cannot_receive_texts' ? 'a number that can receive texts (a mobile), not a landline or service number' : 'a phone number, e.g. 07700 900123 or +447700900123',
    });
    return z.NEVER;
  })
  .describe('A mobile number that can receive texts, e.g. 07700 900123 (UK) or +447700900123; answered in E.164');

export const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD').refine(leadingYearInDomain, YEARS_MESSAGE);

/** The `from`/`to` of a range: an ISO 8601 date-time, or a plain date meaning that local day of the hub. */
export const dateOrTimeInput = z.union([localDate, dateTimeInput]).describe('An ISO 8601 date-time, or a date YYYY-MM-DD (the whole local day in the hub\'s zone)');

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
};

const ERROR_CODES = new WeakMap<object, string[]>();
/** The error codes a route named for one of its error responses (see errorResponses). */
export const errorCodesOf = (schema: unknown): string[] => (schema && typeof schema === 'object' ? (ERROR_CODES.get(schema) ?? []) : []);

/**
 * A route's error responses, for the OpenAPI document: statuses, and (in an object) the codes a
 * status can carry beyond the common ones, e.g. `errorResponses(400, 401, 404, { 409: ['checkout_in_progress'] })`.
 * src/http/openapi.ts documents each as application/problem+json naming its codes.
 */
export const errorResponses = (...entries: (number | Record<number, string[]>)[]) => {
  const out: Record<number, typeof problemSchema> = {};
  for (const e of entries) {
    if (typeof e === 'number') out[e] ??= problemSchema;
    else
      for (const [status, codes] of Object.entries(e)) {
        const schema = problemSchema.describe('RFC 9457 problem details');
        ERROR_CODES.set(schema, [...errorCodesOf(out[Number(status)]), ...codes]);
        out[Number(status)] = schema;
      }
  }
  return out;
};

export const interval = z.object({ startsAt: z.string(), endsAt: z.string() });

/**
 * Cursors are opaque to clients: base64url of a JSON array of the sort key values, then the id.
 * (JSON, so a `|` or any other character in a name cannot break one.)
 */
export const encodeCursor = (parts: string[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
export function decodeCursor(cursor: string | undefined, n: number): string[] | undefined {
  if (!cursor) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  let parts: unknown;
  try {
    parts = JSON.parse(text);
  } catch {
    return undefined;
  }
  return Array.isArray(parts) && parts.length === n && parts.every((p) => typeof p === 'string') ? parts : undefined;
}

/** Parts of a cursor, checked before they reach SQL. */
export const cursorPart = {
  text: z.string(),
  id: z.uuid(),
  /** An instant in UTC, to the microsecond (keyset.ts `exactTimestamp`) or the millisecond. */
  instant: z.iso.datetime(),
};

type CursorParts<S extends readonly z.ZodType[]> = { [K in keyof S]: S[K] extends z.ZodType ? z.output<S[K]> : never };

/**
 * The `cursor` query parameter of a list, checked part by part (the sort key values, then the id);
 * undefined when absent, 400 validation_failed when it is not one this API gave out.
 */
export function parseCursor<const S extends readonly z.ZodType[]>(cursor: string | undefined, parts: S): CursorParts<S> | undefined {
  if (!cursor) return undefined;
  const raw = decodeCursor(cursor, parts.length);
  const parsed = raw && z.tuple(parts as unknown as [z.ZodType, ...z.ZodType[]]).safeParse(raw);
  if (!parsed || !parsed.success) throw invalid('cursor is not one this API gave out', [{ path: 'querystring.cursor', message: 'unknown cursor' }]);
  return parsed.data as CursorParts<S>;
}

/** The response of a list: a page of items and the cursor of the next page (null on the last). */
export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** A service's page ({items, next: the sort key of the last item when more follow}) as the response. */
export const pageResult = <T>(p: { items: T[]; next?: string[] }) => ({ items: p.items, nextCursor: p.next ? encodeCursor(p.next) : null });
