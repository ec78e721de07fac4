import { z } from 'zod';
import { dateTimeInput } from '../../http/schemas';
import { approvalModeSchema, hubSettingsPatchSchema, hubSettingsSchema, openingHoursPatchSchema, openingHoursSchema } from './venues.types';

export const hubBody = z.object({
  name: z.string().trim().min(1).max(120),
  address: z.string().trim().min(1).max(500),
  timezone: z.string().max(64).default('Europe/London'),
  openingHours: openingHoursSchema,
  settings: hubSettingsSchema.partial().optional(),
});

const notice = z.string().trim().min(1).max(300).describe('With onBookings "cancel": the words texted to each hirer whose booking is cancelled');

export const hubPatch = z
  .object({
    name: z.string().trim().min(1).max(120),
    address: z.string().trim().min(1).max(500),
    timezone: z.string().max(64),
    openingHours: openingHoursPatchSchema.describe('The days named replace those days; days not named stay as they are'),
    settings: hubSettingsPatchSchema.describe('The settings named change; the rest keep their values'),
    onBookings: z
      .enum(['refuse', 'keep', 'cancel'])
      .describe(
        'When new opening hours (or time zone) leave upcoming bookings outside them: refuse (the default: 409 bookings_affected listing them, nothing changed), keep them (listed in bookingsOutsideHours), or cancel them with a full refund, texting notice',
      ),
    notice,
  })
  .partial()
  .refine((p) => Object.keys(p).some((k) => k !== 'onBookings' && k !== 'notice'), 'send at least one field to change');

/** A booking a closure or a change of opening hours displaces. */
export const displacedView = z.object({
  id: z.uuid(),
  roomId: z.uuid(),
  status: z.string(),
  title: z.string(),
  organisationId: z.uuid(),
  startsAt: z.string(),
  endsAt: z.string(),
});

export const hubView = z.object({
  id: z.uuid(),
  name: z.string(),
  address: z.string(),
  timezone: z.string(),
  openingHours: z.record(z.string(), z.array(z.object({ opens: z.string(), closes: z.string() }))),
  settings: z.record(z.string(), z.unknown()),
}).meta({ id: 'Hub' });

const feature = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9_]+$/, 'lower-case words joined by _, e.g. step_free_access');

export const KNOWN_FEATURES = ['step_free_access', 'hearing_loop', 'accessible_toilet', 'kitchen', 'projector', 'baby_changing', 'parking', 'garden', 'piano', 'sink'];

export const roomBody = z.object({
  name: z.string().trim().min(1).max(120),
  description: z.string().max(2000).nullable().optional(),
  capacity: z.number().int().min(1).max(10000),
  features: z.array(feature).max(30).default([]).describe(`Room features, e.g. ${KNOWN_FEATURES.join(', ')}`),
  bufferMinutes: z.number().int().min(0).max(240).default(0).describe('Set-up/clean-up time held after each booking'),
  minBookingMinutes: z.number().int().min(15).max(24 * 60).default(30),
  maxBookingMinutes: z.number().int().min(15).max(7 * 24 * 60).default(720),
  active: z.boolean().default(true),
  approval: approvalModeSchema.nullable().default(null).describe("Overrides the hub's approval setting for this room (none, first_time, all); null follows the hub"),
});

export const roomPatch = z
  .object({
    name: z.string().trim().min(1).max(120),
    description: z.string().max(2000).nullable(),
    capacity: z.number().int().min(1).max(10000),
    features: z.array(feature).max(30),
    bufferMinutes: z.number().int().min(0).max(240),
    minBookingMinutes: z.number().int().min(15).max(24 * 60),
    maxBookingMinutes: z.number().int().min(15).max(7 * 24 * 60),
    active: z.boolean(),
    approval: approvalModeSchema.nullable(),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'send at least one field');

export const roomView = z.object({
  id: z.uuid(),
  hubId: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  capacity: z.number().int(),
  features: z.array(z.string()),
  bufferMinutes: z.number().int(),
  minBookingMinutes: z.number().int(),
  maxBookingMinutes: z.number().int(),
  active: z.boolean(),
  approval: approvalModeSchema.nullable(),
}).meta({ id: 'Room' });

export const closureBody = z.object({
  startsAt: dateTimeInput,
  endsAt: dateTimeInput,
  roomId: z.uuid().optional(),
  reason: z.string().trim().min(1).max(500),
  onBookings: z
    .enum(['refuse', 'cancel'])
    .default('refuse')
    .describe('Bookings the closure would overlap: refuse (409 bookings_affected listing them, nothing closed), or cancel them with a full refund and a text'),
  notice: notice.optional().describe('With onBookings "cancel": the words texted to each hirer (default: the reason)'),
});

export const closureView = z.object({
  id: z.uuid(),
  hubId: z.uuid(),
  roomId: z.uuid().nullable(),
  startsAt: z.string(),
  endsAt: z.string(),
  reason: z.string(),
}).meta({ id: 'Closure' });

export const featuresQuery = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean)))
  .pipe(z.array(feature).max(30));
