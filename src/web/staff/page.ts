import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../../http/schemas';
/** Route options of every staff page: HTML only, left out of the API's OpenAPI document. */
export const STAFF_PAGE = { schema: { hide: true } };
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Keyset paging on a staff list page (?cursor=, as the API's lists page): where the page asked
 * for starts (undefined on the first page, and when the cursor is not one a page gave out, which
 * `bad` says), and links to the first page and to the page after a row, keeping the other filters.
 */
export function pageCursor(path: string, query: Record<string, string | undefined>) {
  const raw = decodeCursor(query.cursor, 2);
  const valid = raw !== undefined && z.iso.datetime().safeParse(raw[0]).success && UUID.test(raw[1]);
  const kept = Object.entries(query).filter((e): e is [string, string] => e[0] !== 'cursor' && typeof e[1] === 'string' && e[1] !== '');
  const link = (cursor?: string[]) => {
    const q = new URLSearchParams(kept);
    if (cursor) q.set('cursor', encodeCursor(cursor));
    return q.size ? `${path}?${q}` : path;
  };
  return {
    after: valid ? { at: raw[0], id: raw[1] } : undefined,
    bad: Boolean(query.cursor) && !valid,
    later: Boolean(query.cursor) && valid,
    firstPage: link(),
    pageAfter: (cursor: string[]) => link(cursor),
  };
}
