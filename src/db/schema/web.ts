import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './people';

/** What a web session carries besides who is signed in: the CSRF secret, a one-off message, a booking in progress. */
export interface WebSessionData {
  /** @fastify/csrf-protection's secret (its `sessionKey`). */
  _csrf?: string;
  /** A message shown once on the next page (after a redirect). */
  flash?: { kind: 'success' | 'info'; title: string; body?: string };
  /** The booking being made, question by question. */
  draft?: Record<string, unknown>;
  /** After inviting someone to a group: the one-time link, for the confirmation page to show once. */
  invited?: { organisationId: string; email: string; phone?: string; texted: boolean; link: string; expiresAt: string };
  /** The hub a staff member or admin is looking at in the staff pages (/staff). */
  staffHubId?: string;
  /**
   * After a person deleted their account: what was erased and kept, for the confirmation page. It
   * rides in a fresh signed-out session (no user, nothing else) and names nobody.
   */
  erased?: { erasedAt: string; removed: { item: string; count: number }[]; kept: { item: string; count: number; why: string }[] };
}

/**
 * Server-side sessions of the web pages. The cookie holds a random token; only its SHA-256 is
 * stored, so a copy of this table signs nobody in. Signing out deletes the row.
 */
export const webSessions = pgTable(
  'web_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    data: jsonb('data').$type<WebSessionData>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('web_sessions_user_idx').on(t.userId), index('web_sessions_expires_idx').on(t.expiresAt)],
);
