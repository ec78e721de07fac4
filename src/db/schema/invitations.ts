import { sql } from 'drizzle-orm';
import { check, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organisations } from './organisations';
import { users } from './people';
import { hubs } from './venues';

export const invitationRole = pgEnum('invitation_role', ['staff', 'volunteer', 'member']);

/**
 * An invitation to a role at a hub (staff, volunteer) or to an organisation (member), which the
 * person accepts with a one-time link. Only the SHA-256 of the link's random token is kept.
 */
export const invitations = pgTable(
  'invitations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull(),
    email: text('email').notNull(),
    hubId: uuid('hub_id').references(() => hubs.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').references(() => organisations.id, { onDelete: 'cascade' }),
    role: invitationRole('role').notNull(),
    name: text('name'),
    phone: text('phone'),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    acceptedBy: uuid('accepted_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('invitations_token_hash_key').on(t.tokenHash),
    index('invitations_hub_idx').on(t.hubId),
    index('invitations_organisation_idx').on(t.organisationId),
    index('invitations_invited_by_idx').on(t.invitedBy),
    index('invitations_accepted_by_idx').on(t.acceptedBy),
    // Retention finds lapsed invitations nobody accepted.
    index('invitations_lapsed_idx').on(t.expiresAt).where(sql`${t.acceptedAt} IS NULL`),
    check('invitations_one_target', sql`(${t.hubId} is null) <> (${t.organisationId} is null)`),
    check('invitations_role_fits_target', sql`(${t.hubId} is not null) = (${t.role} <> 'member')`),
  ],
);
