import { z } from 'zod';

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a local time HH:mm (24:00 closes at midnight)');

export const openingSpanSchema = z
  .object({ opens: hhmm, closes: hhmm })
  .refine((s) => s.opens < s.closes, { message: 'opens must be before closes', path: ['closes'] });

const daySchema = z.array(openingSpanSchema).max(6);

function noOverlaps(hours: Partial<Record<Weekday, { opens: string; closes: string }[]>>, ctx: z.RefinementCtx) {
  for (const d of WEEKDAYS) {
    const spans = [...(hours[d] ?? [])].sort((a, b) => a.opens.localeCompare(b.opens));
    for (let i = 1; i < spans.length; i++) {
      if (spans[i].opens < spans[i - 1].closes) {
        ctx.addIssue({ code: 'custom', path: [d], message: 'opening spans overlap' });
      }
    }
  }
}

export const openingHoursSchema = z
  .object(Object.fromEntries(WEEKDAYS.map((d) => [d, daySchema.default([])])) as Record<Weekday, z.ZodDefault<typeof daySchema>>)
  .strict()
  .superRefine(noOverlaps);

/** A change of opening hours: the days named replace those days; days not named stay as they are. */
export const openingHoursPatchSchema = z
  .object(Object.fromEntries(WEEKDAYS.map((d) => [d, daySchema.optional()])) as Record<Weekday, z.ZodOptional<typeof daySchema>>)
  .strict()
  .superRefine(noOverlaps);
export type OpeningHoursPatch = z.infer<typeof openingHoursPatchSchema>;

export type OpeningHours = Record<Weekday, { opens: string; closes: string }[]>;

/** Open `opens` to `closes` on the given days (every day by default), closed on the rest. */
export function openOn(opens: string, closes: string, days: readonly Weekday[] = WEEKDAYS): OpeningHours {
  return Object.fromEntries(WEEKDAYS.map((d) => [d, days.includes(d) ? [{ opens, closes }] : []])) as OpeningHours;
}

export const cancellationRuleSchema = z.object({
  minNoticeHours: z.number().int().min(0).max(24 * 365),
  refundPercent: z.number().int().min(0).max(100),
});

export const reportSettingsSchema = z
  .object({
    volunteerHourValuePence: z.number().int().min(0).max(100_000).default(1271),
    valuationNote: z.string().trim().min(1).max(500).default('National Living Wage from April 2026 (£12.71 an hour)'),
  })
  .strict();

export const approvalModeSchema = z.enum(['none', 'first_time', 'all']);

/**
 * The one definition of each limit a hub setting has; the settings schema and the functions that
 * use a setting (the code window in access.fns) both read them from here.
 */
export const SETTING_LIMITS = {
  minNoticeMinutes: { min: 0, max: 60 * 24 * 90 },
  maxAdvanceDays: { min: 1, max: 3 * 366 },
  holdMinutes: { min: 5, max: 60 * 24 * 7 },
  codeLeadMinutes: { min: 0, max: 60 * 24 * 7 },
  earlyEntryMinutes: { min: 0, max: 240 },
  lateExitMinutes: { min: 0, max: 240 },
  reminderLeadMinutes: { min: 0, max: 60 * 24 * 30 },
  invoiceDueDays: { min: 0, max: 120 },
  requestExpiryHours: { min: 1, max: 24 * 60 },
  maxRequestedHoursUnderReview: { min: 0, max: 24 * 366 },
} as const;
const limited = (name: keyof typeof SETTING_LIMITS) => z.number().int().min(SETTING_LIMITS[name].min).max(SETTING_LIMITS[name].max);
/** The rota's rules for a hub (see docs/rota.md); every field has a default. */
export const rotaSettingsSchema = z
  .object({
    /** A volunteer may withdraw until this many hours before the start; later they ask for cover. */
    withdrawHours: z.number().int().min(0).max(24 * 30).default(48),
    /** Least time between two of a volunteer's shifts (back-to-back shifts are one stint). */
    minRestHours: z.number().int().min(0).max(48).default(1),
    /** Most hours of shifts a volunteer takes on one local day. */
    maxHoursPerDay: z.number().int().min(1).max(24).default(8),
    /** Unexcused no-shows (since staff last cleared them) that block sign-up. */
    maxNoShows: z.number().int().min(1).max(50).default(3),
    /** Volunteers take only the roles staff recorded them as trained for. */
    trainedRolesOnly: z.boolean().default(false),
    /** The reminder text goes this long before a shift. */
    reminderLeadMinutes: z.number().int().min(0).max(60 * 24 * 14).default(60 * 24),
    /** Staff and eligible volunteers are texted once when a shift is still short this long before it. */
    unfilledAlertHours: z.number().int().min(0).max(24 * 30).default(48),
    /** A booking outside staffed hours needs someone this long before it starts... */
    coverBeforeMinutes: z.number().int().min(5).max(240).default(30),
    /** ...and this long after it ends. */
    coverAfterMinutes: z.number().int().min(5).max(240).default(30),
    /** An opener before and a closer after, or one caretaker throughout. */
    coverRole: z.enum(['opener_closer', 'caretaker']).default('opener_closer'),
  })
  .strict();
export type RotaSettings = z.infer<typeof rotaSettingsSchema>;

export const hubSettingsSchema = z
  .object({
    minNoticeMinutes: limited('minNoticeMinutes').default(60),
    maxAdvanceDays: limited('maxAdvanceDays').default(365),
    holdMinutes: limited('holdMinutes').default(30),
    /**
     * What happens to a booking awaiting card payment when `holdMinutes` run out: `lapse` (it
     * expires and the room is free again) or `wait_for_staff` (it stays held until staff record
     * the payment taken at the hub, or cancel it).
     */
    unpaidHolds: z.enum(['lapse', 'wait_for_staff']).default('lapse'),
    codeLeadMinutes: limited('codeLeadMinutes').default(60 * 24),
    earlyEntryMinutes: limited('earlyEntryMinutes').default(15),
    lateExitMinutes: limited('lateExitMinutes').default(15),
    reminderLeadMinutes: limited('reminderLeadMinutes').default(60 * 48),
    invoiceDueDays: limited('invoiceDueDays').default(30),
    approval: approvalModeSchema.default('none'),
    /** A requested booking staff have not decided lapses this many hours after it was made (never after its start). */
    requestExpiryHours: limited('requestExpiryHours').default(72),
    /** The requested hours an organisation whose tier claim awaits review may hold at this hub at once. */
    maxRequestedHoursUnderReview: limited('maxRequestedHoursUnderReview').default(40),
    /** Refund share by notice given, most notice first; the first rule whose notice is met applies. */
    cancellationPolicy: z
      .array(cancellationRuleSchema)
      .max(10)
      .default([
        { minNoticeHours: 168, refundPercent: 100 },
        { minNoticeHours: 48, refundPercent: 50 },
        { minNoticeHours: 0, refundPercent: 0 },
      ]),
    /** Hours when staff or volunteers are on site; bookings outside them may need caretaker shifts. */
    staffedHours: openingHoursSchema.optional(),
    /** Funders' reports: what an hour of volunteering is valued at, and the method the hub states. */
    reports: reportSettingsSchema.prefault({}),
    rota: rotaSettingsSchema.prefault({}),
  })
  .strict();
export type HubSettings = z.infer<typeof hubSettingsSchema>;

export const DEFAULT_SETTINGS: HubSettings = hubSettingsSchema.parse({});

/**
 * A change of settings: exactly the settings named, each checked as in hubSettingsSchema but with
 * no default filled in (zod's .partial() would fill every default and reset what was not named).
 */
export const hubSettingsPatchSchema = patchOf(hubSettingsSchema) as unknown as z.ZodType<DeepPartial<HubSettings>>;
export type HubSettingsPatch = DeepPartial<HubSettings>;
type DeepPartial<T> = { [K in keyof T]?: T[K] extends unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/**
 * The patch form of a schema: defaults removed (ZodDefault and ZodPrefault unwrapped) and every
 * field of an object, nested objects included, optional, so a patch names only what it changes.
 * The merged result is checked by the full schema.
 */
function patchOf(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) return patchOf(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodOptional) return patchOf(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodObject) {
    return z.strictObject(Object.fromEntries(Object.entries(schema.shape as Record<string, z.ZodType>).map(([k, v]) => [k, patchOf(v).optional()])));
  }
  return schema;
}

/** Merges a patch into what is stored: nested objects field by field, anything else (arrays too) replaced. */
export function mergePatch<T extends Record<string, unknown>>(stored: T, patch: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...stored };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    const cur = out[k];
    const plain = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = plain(v) && plain(cur) ? mergePatch(cur, v) : v;
  }
  return out as T;
}
