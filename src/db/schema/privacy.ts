import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './people';

/** What an erasure removed and kept, with its reason: the record that a person's data was erased, and why. */
export interface ErasureSummary {
  removed: { item: string; count: number }[];
  kept: { item: string; count: number; why: string }[];
}

/**
 * One row per erasure (docs/privacy.md). It names the anonymised user row (no name, email or
 * phone survive there), who asked (the person or an admin) and the reason given, so a hub can show
 * a regulator when and why a person's data went.
 */
export const erasures = pgTable(
  'erasures',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The admin who erased them; null when the person erased their own account. */
    erasedBy: uuid('erased_by').references(() => users.id, { onDelete: 'set null' }),
    reason: text('reason').notNull(),
    summary: jsonb('summary').$type<ErasureSummary>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('erasures_user_idx').on(t.userId), index('erasures_erased_by_idx').on(t.erasedBy)],
);
