import { z } from 'zod';

export const providerEnum = z.enum(['keypad', 'seam', 'none']);
const lockState = z.enum(['none', 'pending', 'unset', 'setting', 'set', 'failed', 'removing', 'removed']);

export const doorBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    provider: providerEnum,
    roomIds: z.array(z.uuid()).max(100),
    providerDeviceId: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const doorView = z.object({
  id: z.uuid(),
  hubId: z.uuid(),
  name: z.string(),
  provider: providerEnum,
  roomIds: z.array(z.uuid()),
  providerDeviceId: z.string().nullable(),
  codeLengths: z.array(z.number().int()).nullable(),
  active: z.boolean(),
  createdAt: z.string(),
}).meta({ id: 'Door' });

export const doorCreatedView = doorView.extend({
  deviceKey: z.string().optional().describe('keypad doors only: the controller\'s key, shown this once and stored hashed'),
});

export const accessView = z.object({
  bookingId: z.uuid(),
  accessCodeId: z.uuid().nullable(),
  status: z.enum(['active', 'replaced', 'revoked', 'expired', 'scheduled', 'pending', 'none']).describe('scheduled: the code is issued at issueAt; none: no door with a lock leads to the room, or the booking is not confirmed'),
  validFrom: z.string(),
  validUntil: z.string(),
  issueAt: z.string(),
  sentAt: z.string().nullable().describe('when the SMS provider accepted the code\'s last text (not when it was queued)'),
  deliveryStatus: z
    .enum(['queued', 'accepted', 'delivered', 'undelivered', 'failed'])
    .nullable()
    .describe('what became of the code\'s last text: undelivered or failed means the hirer does not have the code'),
  deliveryError: z.string().nullable().describe('the provider\'s reason when the text was not delivered'),
  doors: z.array(z.object({ id: z.uuid(), name: z.string(), provider: providerEnum, works: z.boolean(), lockStatus: lockState })),
  code: z.string().optional().describe("only to members of the booking's organisation, only inside [validFrom, validUntil)"),
});

export const verifyBody = z.object({ code: z.string().regex(/^\d{4,12}$/, '4 to 12 digits') }).strict();
export const verifyView = z.object({
  granted: z.boolean(),
  reason: z
    .enum(['granted', 'unknown_code', 'outside_window', 'revoked', 'expired', 'locked_out'])
    .describe('outside_window: a known code whose window has not opened; expired: its window is over; revoked: staff ended it or it was replaced; locked_out: the door is waiting after wrong codes (or retired) and checked nothing'),
  retryAfter: z.string().optional().describe('when the door checks codes again (it is waiting after wrong codes)'),
});

export const revokeView = z.object({ id: z.uuid(), status: z.string(), revokedAt: z.string(), bookingId: z.uuid().nullable() });

export const entryView = z.object({
  id: z.uuid(),
  doorId: z.uuid(),
  doorName: z.string(),
  at: z.string(),
  granted: z.boolean(),
  result: z.enum(['granted', 'unknown_code', 'outside_window', 'revoked', 'expired', 'locked_out']),
  accessCodeId: z.uuid().nullable(),
  bookingId: z.uuid().nullable(),
  kind: z.enum(['booking', 'shift']).nullable(),
});

export const lockoutClearView = z.object({
  doorId: z.uuid(),
  clearedAt: z.string(),
  failuresCleared: z.number().int().describe('wrong codes that were counting against the door'),
  wasWaitingUntil: z.string().nullable().describe('when the door would have checked codes again; null if it was not waiting'),
});
