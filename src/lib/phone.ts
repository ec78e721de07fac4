import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Numbers written without a country code are read as UK numbers. */
export const DEFAULT_PHONE_REGION = 'GB';

/**
 * Ofcom keeps 07700 900000 to 07700 900999 for drama and examples: mobile numbers that are never
 * issued. libphonenumber (rightly) calls them invalid; Hubkey accepts them as UK mobiles so the
 * demo and examples can use numbers that reach nobody.
 */
const OFCOM_FICTION = /^\+447700900\d{3}$/;

export type PhoneProblem = 'not_a_phone_number' | 'cannot_receive_texts';

/**
 * A phone number as people write it (`07700 900123`, `+44 7700 900123`, `+1 201 555 0123`) in
 * E.164 (`+447700900123`), if it can receive texts: a mobile, or a number its country does not tell
 * apart from mobiles (fixed-line-or-mobile, as in the US). Landlines, freephone and premium-rate
 * numbers are refused: Hubkey's codes and reminders go by SMS.
 */
export function parseTextablePhone(input: string, region = DEFAULT_PHONE_REGION): { e164: string } | { problem: PhoneProblem } {
  const parsed = parsePhoneNumberFromString(input.trim(), { defaultCountry: region as 'GB', extract: false });
  if (!parsed) return { problem: 'not_a_phone_number' };
  if (OFCOM_FICTION.test(parsed.number)) return { e164: parsed.number };
  if (!parsed.isValid()) return { problem: 'not_a_phone_number' };
  const type = parsed.getType();
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return { problem: 'cannot_receive_texts' };
  return { e164: parsed.number };
}
