import type { HubSettings } from '../venues/venues.types';

/**
 * The share of the price refunded when a hirer cancels `noticeMs` before the start: the first
 * rule, most notice first, whose notice is met. No rule met, nothing back. Staff cancelling
 * refund in full (the caller passes byStaff).
 */
export function refundPercent(policy: HubSettings['cancellationPolicy'], noticeMs: number, byStaff: boolean): number {
  if (byStaff) return 100;
  const hours = noticeMs / 3_600_000;
  const rules = [...policy].sort((a, b) => b.minNoticeHours - a.minNoticeHours);
  return rules.find((r) => hours >= r.minNoticeHours)?.refundPercent ?? 0;
}

/** Integer pence, rounded down: a refund never exceeds its share. */
export const refundAmount = (pricePence: number, percent: number) => Math.floor((pricePence * percent) / 100);
