import { z } from 'zod';
import { dateTimeInput, localDate } from '../../http/schemas';
import { SHIFT_ROLES } from '../../db/schema/rota';

export const roleEnum = z.enum(SHIFT_ROLES);

const recurrence = z
  .object({
    weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7),
    until: localDate.optional(),
    count: z.number().int().min(1).max(104).optional(),
  })
  .strict()
  .refine((r) => (r.until === undefined) !== (r.count === undefined), { message: 'give exactly one of until and count', path: ['until'] });

export const shiftBody = z
  .object({
    role: roleEnum,
    startsAt: dateTimeInput,
    endsAt: dateTimeInput,
    volunteersNeeded: z.number().int().min(1).max(100),
    title: z.string().trim().min(1).max(200).optional(),
    notes: z.string().trim().max(2000).optional(),
    recurrence: recurrence.optional(),
  })
  .strict();

export const shiftPatchBody = shiftBody
  .omit({ recurrence: true })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'send at least one field');

export const reasonBody = z.object({ reason: z.string().trim().min(1).max(500) }).strict();
export const userBody = z.object({ userId: z.uuid() }).strict();
export const attendanceBody = z
  .object({ userId: z.uuid(), status: z.enum(['attended', 'no_show', 'excused']), minutes: z.number().int().min(0).max(24 * 60).optional() })
  .strict();
export const volunteerBody = z
  .object({ trainedRoles: z.array(roleEnum).max(5), notes: z.string().trim().max(2000).nullable().optional(), clearNoShows: z.boolean().optional() })
  .strict();

export const shiftsQuery = z.object({
  from: dateTimeInput.optional(),
  to: dateTimeInput.optional(),
  open: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  role: roleEnum.optional(),
});
export const rangeQuery = z.object({ from: dateTimeInput.optional(), to: dateTimeInput.optional() });

const attendanceEnum = z.enum(['attended', 'no_show', 'excused']);

export const placeView = z.object({
  id: z.uuid(),
  shiftId: z.uuid(),
  userId: z.uuid(),
  status: z.enum(['confirmed', 'waitlisted', 'withdrawn', 'removed', 'replaced']),
  waitlistPosition: z.number().int().nullable(),
  coverRequested: z.boolean(),
  attendance: attendanceEnum.nullable(),
  attendedMinutes: z.number().int().nullable(),
  createdAt: z.string(),
});
export const assignedView = placeView.extend({ overrideRules: z.array(z.string()).describe('the rules staff overrode, recorded on the place') });

export const shiftView = z.object({
  id: z.uuid(),
  hubId: z.uuid(),
  seriesId: z.uuid().nullable(),
  role: roleEnum,
  title: z.string().nullable(),
  notes: z.string().nullable(),
  startsAt: z.string(),
  endsAt: z.string(),
  timezone: z.string(),
  volunteersNeeded: z.number().int(),
  filled: z.number().int(),
  status: z.enum(['open', 'full', 'cancelled']),
  source: z.enum(['staff', 'booking']),
  bookingIds: z.array(z.uuid()),
  cancelReason: z.string().nullable(),
  waitlistLength: z.number().int(),
  lookingForCover: z.number().int().describe('places on it put up for cover'),
  volunteers: z.array(
    z.object({
      userId: z.uuid().optional().describe('staff only'),
      name: z.string().describe('full name to staff, first name to volunteers'),
      attendance: attendanceEnum.nullable().optional(),
      overrideRules: z.array(z.string()).nullable().optional(),
      coverRequested: z.boolean(),
    }),
  ),
  waitlist: z.array(z.object({ userId: z.uuid(), name: z.string() })).optional().describe('staff only'),
  myPlace: placeView.nullable(),
}).meta({ id: 'Shift' });

export const seriesView = z.object({
  series: z.object({ id: z.uuid(), hubId: z.uuid(), rule: z.record(z.string(), z.unknown()) }),
  shifts: z.array(shiftView),
});

export const myShiftsView = z.object({
  items: z.array(
    z.object({
      place: placeView,
      hubName: z.string(),
      shift: shiftView,
      access: z
        .object({ accessCodeId: z.uuid(), status: z.string(), validFrom: z.string(), validUntil: z.string(), sentAt: z.string().nullable(), code: z.string().optional().describe('inside the code window only') })
        .nullable(),
    }),
  ),
});

export const hoursView = z.object({
  from: z.string(),
  to: z.string(),
  totalMinutes: z.number().int(),
  totalHours: z.number(),
  items: z.array(z.object({ hubId: z.uuid(), hubName: z.string(), role: roleEnum, month: z.string(), minutes: z.number().int(), hours: z.number() })),
});

export const volunteersView = z.object({
  items: z.array(
    z.object({
      userId: z.uuid(),
      name: z.string(),
      email: z.string(),
      phone: z.string().nullable(),
      trainedRoles: z.array(roleEnum),
      notes: z.string().nullable(),
      upcomingPlaces: z.number().int(),
      attendedMinutes: z.number().int(),
      hours: z.number(),
      noShows: z.number().int(),
      signupBlocked: z.boolean(),
    }),
  ),
});
export const volunteerView = z.object({ hubId: z.uuid(), userId: z.uuid(), trainedRoles: z.array(roleEnum), notes: z.string().nullable(), noShowsClearedAt: z.string().nullable() });

export const onSiteView = z.object({
  at: z.string(),
  volunteers: z.array(z.object({ userId: z.uuid(), name: z.string(), phone: z.string().nullable(), shiftId: z.uuid(), role: roleEnum, startsAt: z.string(), endsAt: z.string() })),
  bookings: z.array(z.object({ bookingId: z.uuid(), title: z.string(), roomName: z.string(), contactPhone: z.string().nullable(), startsAt: z.string(), endsAt: z.string() })),
});

export const uncoveredView = z.object({
  date: z.string(),
  items: z.array(
    z.object({
      bookingId: z.uuid(),
      title: z.string(),
      roomName: z.string(),
      startsAt: z.string(),
      endsAt: z.string(),
      shifts: z.array(z.object({ id: z.uuid(), role: roleEnum, volunteersNeeded: z.number().int(), filled: z.number().int() })),
      covered: z.boolean(),
      needsCover: z.boolean(),
    }),
  ),
});
export const calendarUrlView = z.object({ url: z.string() });
