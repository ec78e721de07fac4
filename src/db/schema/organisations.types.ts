export const TIERS = ['community', 'national_charity', 'statutory', 'private'] as const;
export type Tier = (typeof TIERS)[number];
