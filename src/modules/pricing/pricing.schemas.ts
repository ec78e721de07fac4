import { z } from 'zod';
import { dateTimeInput } from '../../http/schemas';
import { TIERS } from './pricing.fns';

export { rateCardSchema } from './pricing.fns';

const tierRatesView = z.object(Object.fromEntries(TIERS.map((t) => [t, z.object({ hourlyPence: z.number().int() })])) as Record<(typeof TIERS)[number], z.ZodObject<{ hourlyPence: z.ZodNumber }>>);

export const rateCardView = z.object({
  id: z.uuid(),
  hubId: z.uuid(),
  roomId: z.uuid().nullable(),
  effectiveFrom: z.string(),
  tiers: tierRatesView,
  bands: z.array(z.object({ name: z.string(), weekdays: z.array(z.number().int()), from: z.string(), to: z.string(), tiers: tierRatesView })),
  minimumChargePence: z.number().int(),
  createdAt: z.string(),
  createdBy: z.uuid().nullable(),
  createdByName: z.string().nullable(),
});

const versions = {
  timezone: z.string(),
  current: rateCardView.nullable().describe('The version in force today'),
  upcoming: z.array(rateCardView).describe('Versions that take effect later, soonest first'),
  history: z.array(rateCardView).describe('Every version, newest first: who set it and when'),
};

export const hubRateCardView = z.object({ hubId: z.uuid(), ...versions });
export const roomRateCardView = z.object({
  roomId: z.uuid(),
  hubId: z.uuid(),
  ...versions,
  inForce: rateCardView.nullable().describe("What prices this room today: its own override, else the hub's card"),
});

export const priceLineView = z.object({
  description: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  minutes: z.number().int(),
  hourlyPence: z.number().int(),
  amountPence: z.number().int(),
  band: z.string().nullable(),
});

export const quoteView = z.object({
  amountPence: z.number().int(),
  currency: z.literal('GBP'),
  tier: z.enum(TIERS),
  subsidyPence: z.number().int(),
  lines: z.array(priceLineView),
  rateCardId: z.uuid(),
  rateCardEffectiveFrom: z.string(),
  rateCardScope: z.enum(['hub', 'room']),
});

export const quoteQuery = z.object({ organisationId: z.uuid(), startsAt: dateTimeInput, endsAt: dateTimeInput });
