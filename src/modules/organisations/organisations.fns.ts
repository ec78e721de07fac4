import type { Tier } from '../../db/schema/organisations.types';

export interface TierFacts {
  claimedTier: Tier;
  verifiedTier: Tier | null;
  verificationStatus: 'unverified' | 'verified' | 'rejected';
  recheckOn: string | null;
}

export interface TierStanding {
  /** The tier to price at. */
  tier: Tier;
  /** Staff have verified it and the re-check date has not passed. */
  verified: boolean;
  /** Staff must look before a booking at this tier goes ahead (an unverified or lapsed claim of a tier cheaper than private). */
  needsReview: boolean;
}

/**
 * Which tier an organisation is priced at on `today` (a local date, YYYY-MM-DD).
 * Every tier but private is cheaper than the private rate, so a claim of community,
 * national_charity or statutory gets its price only with staff's review: until verified (or once
 * the re-check date has passed) its bookings wait for staff. A private claim needs no check.
 */
export function tierStanding(org: TierFacts, today: string): TierStanding {
  const current = org.verificationStatus === 'verified' && org.verifiedTier !== null && (org.recheckOn === null || org.recheckOn >= today);
  if (current) return { tier: org.verifiedTier!, verified: true, needsReview: false };
  return { tier: org.claimedTier, verified: false, needsReview: org.claimedTier !== 'private' };
}
