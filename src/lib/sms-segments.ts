/**
 * How many SMS segments a text costs (3GPP TS 23.038). A text written only in the GSM 03.38 basic
 * set (each character one septet) or its extension table (two septets: escape plus the character)
 * goes as GSM-7: 160 septets in one segment, 153 per segment when it is split (the rest is the
 * concatenation header). Any other character sends the whole text as UCS-2: 70 UTF-16 code units
 * in one segment, 67 per segment when split. Providers bill per segment, so Hubkey keeps every
 * text to at most two.
 */

/** The GSM 03.38 basic character set (the escape 0x1B excluded). */
const GSM_BASIC = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
);
/** The extension table: each costs two septets. */
const GSM_EXTENSION = new Set(Array.from('\f^{}\\[~]|€'));

export interface SegmentCount {
  encoding: 'GSM-7' | 'UCS-2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

export const MAX_SEGMENTS = 2;

export function smsSegments(text: string): SegmentCount {
  let septets = 0;
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXTENSION.has(ch)) septets += 2;
    else {
      const units = text.length;
      return { encoding: 'UCS-2', units, segments: units === 0 ? 0 : units <= 70 ? 1 : Math.ceil(units / 67) };
    }
  }
  return { encoding: 'GSM-7', units: septets, segments: septets === 0 ? 0 : septets <= 160 ? 1 : Math.ceil(septets / 153) };
}

/** Typographic characters people paste into names and titles, as their GSM-7 look-alikes: one stray ’ would make a text UCS-2 and more than double its cost. */
const LOOKALIKES: Record<string, string> = {
  '‘': "'",
  '’': "'",
  '‚': "'",
  '‛': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '–': '-',
  '—': '-',
  '‐': '-',
  '‑': '-',
  '…': '...',
  '\u00a0': ' ',
  '\u2009': ' ',
  '\u202f': ' ',
  '\t': ' ',
};

/** The text with look-alikes replaced by GSM-7 characters (other characters, e.g. emoji or non-Latin names, stay: they are someone's words). */
export function toGsmLookalikes(text: string): string {
  let out = '';
  for (const ch of text) out += LOOKALIKES[ch] ?? ch;
  return out;
}

/**
 * The text cut to fit `maxSegments` (with "..." where it was cut), after look-alikes are made
 * GSM-7. Cuts never split a surrogate pair.
 */
export function fitSegments(text: string, maxSegments = MAX_SEGMENTS): string {
  const t = toGsmLookalikes(text);
  if (smsSegments(t).segments <= maxSegments) return t;
  const chars = Array.from(t);
  let lo = 0;
  let hi = chars.length;
  // The longest prefix that still fits with the marker: fitting is monotone in the prefix length.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (smsSegments(chars.slice(0, mid).join('').trimEnd() + '...').segments <= maxSegments) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join('').trimEnd() + '...';
}

/** A name or title shortened to `max` characters (with "..." when cut), for the variable parts of a text. */
export function clip(value: string, max: number): string {
  const t = toGsmLookalikes(value).replace(/\s+/g, ' ').trim();
  const chars = Array.from(t);
  return chars.length <= max ? t : chars.slice(0, Math.max(1, max - 3)).join('').trimEnd() + '...';
}
