import { stringify } from 'csv-stringify/sync';
import { strToU8, zipSync } from 'fflate';
import { toZonedIso } from '../../lib/time';

/**
 * A phone number with all but its first and last three characters hidden ("+44•••••••123"), the
 * same as retention's SQL writes (privacy.retention.ts): enough for a person to recognise their own.
 */
export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return null;
  const chars = [...phone];
  if (chars.length <= 6) return '•'.repeat(chars.length);
  return `${chars.slice(0, 3).join('')}${'•'.repeat(chars.length - 6)}${chars.slice(-3).join('')}`;
}

/** What is left of a text once retention or an erasure clears it: its kind and length, never its words. */
export function messageSummary(kind: string, body: string): string {
  const chars = [...body].length;
  return `[${kind} text of ${chars} character${chars === 1 ? '' : 's'}, body cleared]`;
}

/** A value as an export shows it: times in the network's zone to the second, arrays and objects as they are. */
export function exportValue(v: unknown, zone: string): unknown {
  if (v instanceof Date) return toZonedIso(v, zone);
  if (Array.isArray(v)) return v.map((x) => exportValue(x, zone));
  return v;
}

/** A row as an export shows it, without the columns that are secrets (hashes, ciphertexts), times zoned. */
export function exportRow(row: Record<string, unknown>, omit: readonly string[], zone: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (!omit.includes(k)) out[k] = exportValue(v, zone);
  return out;
}

/** A cell of the CSV: text as it is, objects and arrays as JSON, null as empty. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * The CSV of one section: a header of every column any row has (first seen first), a BOM so
 * spreadsheets read UTF-8, and cells that would start a formula escaped. An empty section is a
 * header-less empty file.
 */
export function sectionCsv(rows: Record<string, unknown>[]): string {
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  if (columns.length === 0) return '';
  const records = rows.map((r) => columns.map((c) => csvCell(r[c])));
  return stringify(records, { header: true, columns, bom: true, escape_formulas: true, record_delimiter: 'windows' });
}

/** snake_case of a section name: the CSV file's name (shiftSignups → shift_signups.csv). */
export const fileNameOf = (section: string) => `${section.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}.csv`;

/** The zip of an export: README.txt, then one CSV per section, stamped with the export's time. */
export function exportZip(sections: Record<string, Record<string, unknown>[]>, readme: string, at: Date): Uint8Array {
  const files: Record<string, [Uint8Array, { mtime: Date }]> = { 'README.txt': [strToU8(readme), { mtime: at }] };
  for (const [name, rows] of Object.entries(sections)) files[fileNameOf(name)] = [strToU8(sectionCsv(rows)), { mtime: at }];
  return zipSync(files, { level: 6 });
}
