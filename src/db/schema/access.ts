import { sql } from 'drizzle-orm';
import { type AnyPgColumn, boolean, check, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { bookings } from './bookings';
import { users } from './people';
import { hubs, rooms } from './venues';

export const doorProvider = pgEnum('door_provider', ['keypad', 'seam', 'none']);

/** A door of a hub and its lock. A keypad door's device key is kept only as a SHA-256 hash. */
export const doors = pgTable(
  'doors',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    provider: doorProvider('provider').notNull(),
    /** The lock provider's device id (Seam's device_id). */
    providerDeviceId: text('provider_device_id'),
    deviceKeyHash: text('device_key_hash'),
    /** Exact code lengths the lock takes, when it reported them. */
    codeLengths: integer('code_lengths').array(),
    active: boolean('active').notNull().default(true),
    /** When staff last cleared the door's wrong-code count: only wrong codes after it slow the door down. */
    lockoutClearedAt: timestamp('lockout_cleared_at', { withTimezone: true }),
    lockoutClearedBy: uuid('lockout_cleared_by').references(() => users.id, { onDelete: 'set null' }),
    /**
     * When a booked group (or a volunteer on shift) last texted OPEN from the phone its live code was
     * sent to while the door waited: the door checks codes again for LIFT_GRACE_SECONDS from then,
     * until the first wrong code. The code whose phone it was (the audit of who lifted it).
     */
    lockoutLiftedAt: timestamp('lockout_lifted_at', { withTimezone: true }),
    lockoutLiftedBy: uuid('lockout_lifted_by').references((): AnyPgColumn => accessCodes.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('doors_hub_idx').on(t.hubId), index('doors_lockout_cleared_by_idx').on(t.lockoutClearedBy), index('doors_lockout_lifted_by_idx').on(t.lockoutLiftedBy)],
);

/** Which rooms a door leads to. */
export const doorRooms = pgTable(
  'door_rooms',
  {
    doorId: uuid('door_id')
      .notNull()
      .references(() => doors.id, { onDelete: 'cascade' }),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.doorId, t.roomId] }), index('door_rooms_room_idx').on(t.roomId)],
);

export const accessCodeStatus = pgEnum('access_code_status', ['active', 'replaced', 'revoked', 'expired']);
export const accessCodeKind = pgEnum('access_code_kind', ['booking', 'shift']);

/**
 * A door code: for a booking, or for a volunteer's shift. The code itself is only ever stored
 * encrypted (`codeCipher`); each door it works on has a keyed lookup hash in access_code_doors.
 */
/** What became of a code's last text: in the outbox, accepted by the provider, on the phone, or not. */
export type CodeDeliveryStatus = 'queued' | 'accepted' | 'delivered' | 'undelivered' | 'failed';

export const accessCodes = pgTable(
  'access_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    kind: accessCodeKind('kind').notNull(),
    bookingId: uuid('booking_id').references(() => bookings.id, { onDelete: 'cascade' }),
    /** A shift code's volunteer. */
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** The rota's shift id, when the rota module issues the code. */
    shiftRef: text('shift_ref'),
    /** The booking's room, start and end when issued: a move shows up as a difference. */
    roomId: uuid('room_id').references(() => rooms.id, { onDelete: 'set null' }),
    bookingStartsAt: timestamp('booking_starts_at', { withTimezone: true }),
    bookingEndsAt: timestamp('booking_ends_at', { withTimezone: true }),
    codeCipher: text('code_cipher').notNull(),
    codeLength: integer('code_length').notNull(),
    validFrom: timestamp('valid_from', { withTimezone: true }).notNull(),
    validUntil: timestamp('valid_until', { withTimezone: true }).notNull(),
    status: accessCodeStatus('status').notNull().default('active'),
    /** Where the code is sent (E.164). */
    phone: text('phone'),
    /** Last time the code's text was queued in the outbox; null until it first is. */
    queuedAt: timestamp('queued_at', { withTimezone: true }),
    /** When the SMS provider last accepted the code's text (not when it was queued); null until it does. */
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** How the last text of the code fared: queued, accepted, delivered, undelivered or failed (null: never texted). */
    deliveryStatus: text('delivery_status').$type<CodeDeliveryStatus>(),
    /** Why the last text was not delivered (the provider's error). */
    deliveryError: text('delivery_error'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: uuid('revoked_by').references(() => users.id, { onDelete: 'set null' }),
    revokeReason: text('revoke_reason'),
    /** The first granted entry with the code, kept when the entry log itself is deleted (retention), so reports still know the booking was used. */
    enteredAt: timestamp('entered_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('access_codes_booking_idx').on(t.bookingId),
    index('access_codes_user_idx').on(t.userId),
    index('access_codes_hub_idx').on(t.hubId, t.validFrom),
    index('access_codes_room_idx').on(t.roomId),
    index('access_codes_revoked_by_idx').on(t.revokedBy),
    index('access_codes_active_until_idx').on(t.status, t.validUntil),
    index('access_codes_phone_idx').on(t.phone),
    // Retention finds codes whose phone is due to be cleared without reading the others.
    index('access_codes_phone_until_idx').on(t.validUntil).where(sql`${t.phone} IS NOT NULL`),
    check('access_codes_window', sql`${t.validUntil} > ${t.validFrom}`),
  ],
);

export const lockCodeState = pgEnum('lock_code_state', ['none', 'pending', 'unset', 'setting', 'set', 'failed', 'removing', 'removed']);

/**
 * The doors a code works on. `codeHash` is HMAC(door id, code): the keypad looks codes up by it.
 * `active` is cleared when the code stops working on that door (revoked, replaced, a failed lock);
 * the exclusion constraint in migrations/ keeps two active codes with the same digits from
 * overlapping in time on one door.
 */
export const accessCodeDoors = pgTable(
  'access_code_doors',
  {
    accessCodeId: uuid('access_code_id')
      .notNull()
      .references(() => accessCodes.id, { onDelete: 'cascade' }),
    doorId: uuid('door_id')
      .notNull()
      .references(() => doors.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    validFrom: timestamp('valid_from', { withTimezone: true }).notNull(),
    validUntil: timestamp('valid_until', { withTimezone: true }).notNull(),
    active: boolean('active').notNull().default(true),
    /** Smart locks only: the provider's code id and what the lock last reported. */
    providerCodeId: text('provider_code_id'),
    lockState: lockCodeState('lock_state').notNull().default('none'),
    lockError: text('lock_error'),
    lockCheckedAt: timestamp('lock_checked_at', { withTimezone: true }),
    alertedAt: timestamp('alerted_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.accessCodeId, t.doorId] }),
    index('access_code_doors_lookup_idx').on(t.doorId, t.codeHash),
    index('access_code_doors_lock_idx').on(t.lockState),
  ],
);

export const entryResult = pgEnum('entry_result', ['granted', 'unknown_code', 'outside_window', 'revoked', 'locked_out', 'expired']);

/** Every keypad attempt. A wrong code is kept only as its keyed hash, never readable. */
export const doorEntries = pgTable(
  'door_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    doorId: uuid('door_id')
      .notNull()
      .references(() => doors.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
    granted: boolean('granted').notNull(),
    result: entryResult('result').notNull(),
    accessCodeId: uuid('access_code_id').references(() => accessCodes.id, { onDelete: 'set null' }),
    codeHash: text('code_hash'),
  },
  (t) => [
    index('door_entries_hub_at_idx').on(t.hubId, t.at),
    index('door_entries_door_at_idx').on(t.doorId, t.at),
    // A door's wrong codes of the last 24 hours, read on every keypad verify: only those, not
    // every entry of a busy door's day.
    index('door_entries_wrong_codes_idx').on(t.doorId, t.at).where(sql`${t.result} = 'unknown_code'`),
    index('door_entries_code_idx').on(t.accessCodeId),
    // Retention deletes the oldest entries of every hub at once.
    index('door_entries_at_idx').on(t.at),
  ],
);
