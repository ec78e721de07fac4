import { sql } from 'drizzle-orm';
import { boolean, date, index, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { TIERS } from './organisations.types';
import { users } from './people';

export const tier = pgEnum('tier', TIERS);
export const verificationStatus = pgEnum('verification_status', ['unverified', 'verified', 'rejected']);

export const organisations = pgTable(
  'organisations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    claimedTier: tier('claimed_tier').notNull(),
    /** The tier staff verified; null until someone has. */
    verifiedTier: tier('verified_tier'),
    verificationStatus: verificationStatus('verification_status').notNull().default('unverified'),
    charityNumber: text('charity_number'),
    /** The group's phone; null once cleared because it was an erased person's own number. */
    contactPhone: text('contact_phone'),
    evidence: text('evidence'),
    recheckOn: date('recheck_on', { mode: 'string' }),
    verifiedBy: uuid('verified_by').references(() => users.id, { onDelete: 'set null' }),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    paysByInvoice: boolean('pays_by_invoice').notNull().default(false),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('organisations_verified_by_idx').on(t.verifiedBy), index('organisations_created_by_idx').on(t.createdBy), index('organisations_name_idx').on(sql`lower(${t.name})`)],
);

export const organisationMembers = pgTable(
  'organisation_members',
  {
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.userId] }), index('organisation_members_user_idx').on(t.userId)],
);

/** Every verification decision, kept for audit. */
export const tierVerifications = pgTable(
  'tier_verifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    tier: tier('tier').notNull(),
    evidence: text('evidence').notNull(),
    recheckOn: date('recheck_on', { mode: 'string' }).notNull(),
    /** Whether the decision let the organisation pay by invoice (null: decisions recorded before this was kept). */
    paysByInvoice: boolean('pays_by_invoice'),
    verifiedBy: uuid('verified_by')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('tier_verifications_org_idx').on(t.organisationId), index('tier_verifications_by_idx').on(t.verifiedBy)],
);
