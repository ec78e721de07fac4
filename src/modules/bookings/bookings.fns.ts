import { MINUTE } from '../../lib/time';
import { bookingHorizon } from '../venues/availability.fns';
import type { HubSettings } from '../venues/venues.types';

export type InitialStatus = 'requested' | 'awaiting_payment' | 'confirmed';

/**
 * Where a new booking starts. Staff making a booking are the approvers, so theirs needs no approval.
 * Otherwise an unverified community claim, a hub that approves everything, or a first-time hirer
 * at a hub that checks first-timers waits for staff. Then: free, invoiced or unpriced hires are
 * confirmed at once; the rest wait for payment.
 */
export function initialStatus(f: {
  byStaff: boolean;
  needsReview: boolean;
  approval: HubSettings['approval'];
  firstTimeAtHub: boolean;
  amountPence: number | null;
  paysByInvoice: boolean;
}): InitialStatus {
  if (!f.byStaff && (f.needsReview || f.approval === 'all' || (f.approval === 'first_time' && f.firstTimeAtHub))) return 'requested';
  return afterApproval(f);
}

/** The status an approved booking moves to. */
export function afterApproval(f: { amountPence: number | null; paysByInvoice: boolean }): Exclude<InitialStatus, 'requested'> {
  if (f.amountPence === null || f.amountPence === 0 || f.paysByInvoice) return 'confirmed';
  return 'awaiting_payment';
}

export interface RuleInput {
  startsAt: Date;
  endsAt: Date;
  now: Date;
  attendees: number;
  capacity: number;
  minBookingMinutes: number;
  maxBookingMinutes: number;
  settings: Pick<HubSettings, 'minNoticeMinutes' | 'maxAdvanceDays'>;
  byStaff: boolean;
  /** Walks the opening hours day by day: asked only after every O(1) rule has passed. */
  withinOpeningHours: () => boolean;
}

export interface RuleBreach {
  code: string;
  detail: string;
}

/** The domain rules a booking's time and size must meet, in the order a hirer would want to hear them. */
export function checkBookingRules(r: RuleInput): RuleBreach | undefined {
  const minutes = (r.endsAt.getTime() - r.startsAt.getTime()) / MINUTE;
  if (r.startsAt.getTime() < r.now.getTime()) return { code: 'in_the_past', detail: 'The booking would start in the past' };
  if (r.attendees > r.capacity) return { code: 'over_capacity', detail: `The room holds ${r.capacity} people; ${r.attendees} were asked for` };
  if (minutes < r.minBookingMinutes) return { code: 'too_short', detail: `Bookings of this room last at least ${r.minBookingMinutes} minutes` };
  if (minutes > r.maxBookingMinutes) return { code: 'too_long', detail: `Bookings of this room last at most ${r.maxBookingMinutes} minutes` };
  const horizon = bookingHorizon(r.settings, r.now, r.byStaff);
  if (r.startsAt.getTime() < horizon.earliest.getTime()) {
    return { code: 'too_little_notice', detail: `Book at least ${r.settings.minNoticeMinutes} minutes ahead` };
  }
  if (r.startsAt.getTime() > horizon.latest.getTime()) {
    return { code: 'too_far_ahead', detail: `Book at most ${r.settings.maxAdvanceDays} days ahead` };
  }
  if (!r.withinOpeningHours()) return { code: 'outside_opening_hours', detail: 'The hub is not open for the whole of that time' };
  return undefined;
}

/** The amount a booking was priced at, in pence; 0 when it is unpriced. */
export const priceOf = (b: { price: { amountPence: number } | null }) => b.price?.amountPence ?? 0;
