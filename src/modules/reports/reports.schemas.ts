import { z } from 'zod';
import { localDate } from '../../http/schemas';

export const usageQuery = z.object({
  from: localDate.describe('First local date of the period (YYYY-MM-DD), in the hub\'s zone'),
  to: localDate.describe('Last local date of the period, inclusive; a period covers at most 366 days'),
  format: z.enum(['json', 'csv']).optional().describe('csv gives the same figures as a spreadsheet file (or send Accept: text/csv)'),
});
export const networkUsageQuery = usageQuery.extend({ hubId: z.uuid().optional().describe('Only this hub') });

const measures = {
  bookings: z.number().int().describe('Confirmed or completed bookings that start in the period'),
  hours: z.number().describe('Hours used by confirmed and completed bookings inside the period (2 decimals)'),
  minutes: z.number().int().describe('The same, in whole minutes'),
  incomePence: z.number().int().describe('Money charged for those hours'),
  privateRatePence: z.number().int().describe('What the same hours would have cost at the private rate'),
  subsidyPence: z.number().int().describe('privateRatePence minus incomePence'),
  organisations: z.number().int().describe('Different organisations that used rooms'),
  cancellations: z.number().int().describe('Cancelled bookings that would have started in the period'),
  noShows: z.number().int().describe('Ended bookings whose keypad door code never opened a door (counted only where a keypad door leads to the room)'),
};
const space = {
  bookableHours: z.number().describe('Opening hours minus closures, summed over the rooms'),
  occupancy: z.number().min(0).max(1).describe('Used hours over bookable hours'),
};
const tierMeasures = z.object({ tier: z.string(), ...measures });

export const usageReportView = z.object({
  scope: z.enum(['hub', 'network']),
  from: z.string(),
  to: z.string(),
  currency: z.literal('GBP'),
  generatedAt: z.string(),
  totals: z.object({ ...measures, ...space }),
  byTier: z.array(tierMeasures),
  byMonth: z.array(z.object({ month: z.string().describe('YYYY-MM, local'), ...measures, ...space, byTier: z.array(tierMeasures) })),
  byRoom: z.array(
    z.object({ hubId: z.uuid(), hubName: z.string(), roomId: z.uuid(), roomName: z.string(), bookableHours: z.number(), bookedHours: z.number(), occupancy: z.number() }),
  ),
  byHub: z.array(
    z.object({ hubId: z.uuid(), hubName: z.string(), timezone: z.string(), startsAt: z.string(), endsAt: z.string(), ...measures, ...space }),
  ),
  volunteers: z.object({
    hours: z.number(),
    minutes: z.number().int(),
    volunteers: z.number().int(),
    valuePence: z.number().int().describe('Attended hours at the hub\'s stated hourly value; not money charged'),
    hourValuePence: z.number().int().nullable().describe('settings.reports.volunteerHourValuePence (hub reports; per hub in byHub)'),
    valuationNote: z.string().nullable().describe('settings.reports.valuationNote: the method the hub states'),
    byRole: z.array(z.object({ role: z.string(), hours: z.number(), minutes: z.number().int(), volunteers: z.number().int(), valuePence: z.number().int() })),
    byHub: z.array(
      z.object({
        hubId: z.uuid(),
        hubName: z.string(),
        hourValuePence: z.number().int(),
        valuationNote: z.string(),
        hours: z.number(),
        minutes: z.number().int(),
        volunteers: z.number().int(),
        valuePence: z.number().int(),
      }),
    ),
    byMonth: z.array(z.object({ month: z.string().describe('YYYY-MM, local'), hours: z.number(), minutes: z.number().int() })).describe('Attended hours in each month of the period'),
    note: z.string().nullable(),
  }),
});
