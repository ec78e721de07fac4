import { z } from 'zod';
import { dateTimeInput } from '../../http/schemas';

export const STATUSES = ['requested', 'awaiting_payment', 'confirmed', 'completed', 'cancelled', 'declined', 'expired'] as const;

export const priceView = z
  .object({
    amountPence: z.number().int(),
    currency: z.literal('GBP'),
    tier: z.string(),
    subsidyPence: z.number().int(),
    lines: z.array(z.unknown()),
  })
  .passthrough();

export const bookingView = z.object({
  id: z.uuid(),
  status: z.enum(STATUSES),
  statusReason: z.string().nullable(),
  roomId: z.uuid(),
  hubId: z.uuid(),
  organisationId: z.uuid(),
  seriesId: z.uuid().nullable(),
  title: z.string(),
  attendees: z.number().int(),
  contactPhone: z.string().nullable(),
  startsAt: z.string(),
  endsAt: z.string(),
  timezone: z.string(),
  price: priceView.nullable(),
  createdAt: z.string(),
  roomName: z.string().optional(),
  hubName: z.string().optional(),
  organisationName: z.string().optional(),
});

export const bookingBody = z.object({
  roomId: z.uuid(),
  organisationId: z.uuid(),
  startsAt: dateTimeInput,
  endsAt: dateTimeInput,
  title: z.string().trim().min(1).max(200),
  attendees: z.number().int().min(1).max(10000),
  contactPhone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number, e.g. +447700900123')
    .optional(),
});

export const moveBody = z.object({ startsAt: dateTimeInput, endsAt: dateTimeInput, roomId: z.uuid().optional() });

export const statusQuery = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean)))
  .pipe(z.array(z.enum(STATUSES)).optional());
