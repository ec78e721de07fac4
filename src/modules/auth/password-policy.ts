import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * Password rules after NIST SP 800-63B §3.1.1.2 (memorized secrets chosen by the user):
 * at least 8 characters, at most 200 (NIST asks that at least 64 be allowed), any characters
 * (spaces and emoji too, compared after Unicode NFC), no composition rules, and refused when it is
 * a commonly used or breached password, or one about this service or this person.
 *
 * The list of common passwords is @zxcvbn-ts/language-common's `passwords-common` (about 49,000
 * passwords ranked by how often they appear in breach corpora; the zxcvbn-ts project,
 * https://github.com/zxcvbn-ts/zxcvbn), compared case-insensitively.
 */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 200;

const COMMON = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
const SERVICE_WORDS = ['hubkey', 'hub key', 'hubkey123', 'hubkeypassword'];

/** Why a chosen password is refused (a sentence for the person), or undefined when it is fine. */
export function passwordProblem(password: string, context: { email?: string; name?: string } = {}): string | undefined {
  const pw = password.normalize('NFC');
  const length = [...pw].length;
  if (length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters`;
  if (pw.trim() === '') return 'A password cannot be only spaces';
  const lower = pw.toLowerCase();
  const squeezed = lower.replace(/\s+/g, '');
  if (COMMON.has(lower) || COMMON.has(squeezed)) return 'That password is one of the most commonly used; choose another';
  if (new Set([...pw]).size === 1) return 'A password cannot repeat one character';
  const personal = [context.email?.toLowerCase(), context.email?.split('@')[0]?.toLowerCase(), context.name?.trim().toLowerCase(), ...SERVICE_WORDS].filter(
    (w): w is string => Boolean(w && w.length >= 3),
  );
  if (personal.some((w) => lower === w || squeezed === w.replace(/\s+/g, ''))) return 'Do not use your name, email or the name of this service as your password';
  return undefined;
}
