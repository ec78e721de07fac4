import { z } from 'zod';
import { problemSchema } from './errors';

export const idParam = (name: string) => z.object({ [name]: z.uuid() });

/** ISO 8601 date-time; with an offset it is an instant, without one it is the hub's local time. */
export const dateTimeInput = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i, 'an ISO 8601 date-time, e.g. 2026-03-31T10:00:00+01:00');

export const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
};

/** Standard error responses, for the OpenAPI document. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, problemSchema])) as Record<number, typeof problemSchema>;

export const interval = z.object({ startsAt: z.string(), endsAt: z.string() });

export const encodeCursor = (parts: string[]) => Buffer.from(parts.join('|')).toString('base64url');
export function decodeCursor(cursor: string | undefined, n: number): string[] | undefined {
  if (!cursor) return undefined;
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  return parts.length === n ? parts : undefined;
}
