/**
 * Bar charts drawn on the server as SVG: no JavaScript chart library, nothing to load in the
 * browser. Each chart is an image with an accessible name (its <title>, by aria-labelledby) and a
 * short description (<desc>); the page gives the same numbers as a table beside it.
 */

export interface Bar {
  label: string;
  value: number;
  /** The value as the page writes it ("£1,234.00", "42%"). */
  text: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Horizontal bars, one a row, the label above its bar and the value at its end: readable when scaled down to a phone. */
export function barChart(opts: { id: string; title: string; description: string; bars: Bar[]; width?: number }): string {
  const width = opts.width ?? 640;
  const row = 46;
  const top = 8;
  const height = top + Math.max(1, opts.bars.length) * row + 4;
  const max = Math.max(0, ...opts.bars.map((b) => b.value));
  const room = width - 150; // space for the value's text after the longest bar
  const parts = opts.bars.map((b, i) => {
    const y = top + i * row;
    const w = max > 0 ? Math.max(b.value > 0 ? 2 : 0, Math.round((b.value / max) * room)) : 0;
    return (
      `<text x="0" y="${y + 14}" class="hk-chart__label">${esc(b.label)}</text>` +
      `<rect x="0" y="${y + 20}" width="${w}" height="18" class="hk-chart__bar"/>` +
      `<text x="${w + 8}" y="${y + 34}" class="hk-chart__value">${esc(b.text)}</text>`
    );
  });
  if (!opts.bars.length) parts.push(`<text x="0" y="${top + 20}" class="hk-chart__label">Nothing to show for this period</text>`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="hk-chart" id="${esc(opts.id)}" role="img" viewBox="0 0 ${width} ${height}" aria-labelledby="${esc(opts.id)}-title" aria-describedby="${esc(opts.id)}-desc" focusable="false">` +
    `<title id="${esc(opts.id)}-title">${esc(opts.title)}</title>` +
    `<desc id="${esc(opts.id)}-desc">${esc(opts.description)}</desc>` +
    `<line x1="0.5" y1="${top}" x2="0.5" y2="${height - 2}" class="hk-chart__axis"/>` +
    parts.join('') +
    `</svg>`
  );
}
