import { z } from 'zod';
import { dateTimeInput, phoneInput } from '../../http/schemas';
import { leadingYearInDomain, YEARS_MESSAGE } from '../../lib/limits';

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
  statusReason: z
    .string()
    .nullable()
    .describe('A stable code: tier_review, approval_required, cancelled_by_hirer, cancelled_by_staff, declined_by_staff, hub_closed, hours_changed, request_expired, payment_session_expired, payment_failed'),
  reason: z.string().nullable().describe('The free text a person gave with the change (a cancellation or decline reason, a closure notice)'),
  requestExpiresAt: z.string().nullable().describe('A requested booking lapses (expired) if staff have not decided by then'),
  holdExpiresAt: z.string().nullable().describe('A booking awaiting payment is freed (expired) if it is not paid by then'),
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
}).meta({ id: 'Booking' });

export const bookingBody = z.object({
  roomId: z.uuid(),
  organisationId: z.uuid(),
  startsAt: dateTimeInput,
  endsAt: dateTimeInput,
  title: z.string().trim().min(1).max(200),
  attendees: z.number().int().min(1).max(10000),
  contactPhone: phoneInput.optional(),
  recurrence: z
    .object({
      weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7).describe('ISO weekdays, 1 = Monday'),
      until: z.iso.date().refine(leadingYearInDomain, YEARS_MESSAGE).optional().describe('The last local date a booking may start on, inclusive'),
      count: z.number().int().min(1).max(104).optional().describe('How many dates'),
      startLater: z
        .boolean()
        .default(false)
        .describe("When startsAt's local weekday is not in weekdays, start on the next date that is (otherwise refused with series_start_not_in_weekdays)"),
    })
    .refine((r) => (r.until === undefined) !== (r.count === undefined), { message: 'give exactly one of until and count', path: ['until'] })
    .optional()
    .describe('Makes a weekly series, expanded in the hub\'s local time (at most 104 dates)'),
  skipConflicts: z.boolean().default(false).describe('Create every free date of a series and report the rest, instead of refusing the whole series'),
});

export const seriesConflict = z.object({
  date: z.string().describe('The local date, YYYY-MM-DD'),
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
  reason: z.string().describe('booked, closed, nonexistent_local_time, or the rule refused (too_far_ahead, outside_opening_hours, ...)'),
  detail: z.string(),
});

export const seriesView = z.object({
  id: z.uuid(),
  roomId: z.uuid(),
  organisationId: z.uuid(),
  rule: z.object({ weekdays: z.array(z.number().int()), until: z.string().nullable(), count: z.number().int().nullable(), timezone: z.string() }),
  skipped: z.array(seriesConflict),
  bookedDates: z.array(z.string()).describe('The local dates (YYYY-MM-DD) booked, in order'),
});

export const seriesResult = z.object({ series: seriesView, bookings: z.array(bookingView) });

export const cancelBody = z
  .object({
    reason: z.string().trim().max(500).optional(),
    scope: z.enum(['this', 'following']).default('this').describe('following: this booking and every later one of its series'),
  })
  .default({ scope: 'this' });

export const refundView = z.object({
  id: z.uuid(),
  bookingId: z.uuid(),
  amountPence: z.number().int(),
  percent: z.number().int(),
  status: z.enum(['pending', 'succeeded', 'failed', 'canceled', 'owed']),
});

export const cancelResult = bookingView.extend({
  cancelledBookingIds: z.array(z.uuid()).describe('Every booking this call cancelled (more than one for scope=following)'),
  skippedBookingIds: z.array(z.uuid()).describe('Later dates of the series the caller may not cancel (moved to a hub they do not staff); left as they are'),
  refunds: z.array(refundView).describe('Refunds started for what was paid, by the hub\'s cancellation policy (in full when staff cancel)'),
});

export const moveBody = z.object({ startsAt: dateTimeInput, endsAt: dateTimeInput, roomId: z.uuid().optional() });

export const statusQuery = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean)))
  .pipe(z.array(z.enum(STATUSES)).optional());
