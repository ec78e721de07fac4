import type { FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { DomainError } from '../lib/errors';
import { inDomainYears } from '../lib/limits';
import type { Actor } from '../modules/auth/actor';
import { NETWORK_ZONE } from '../modules/organisations/organisations.service';
import { formatDate, formatTime } from './format';

/**
 * Form helpers shared by every audience's pages: reading fields, dates from GOV.UK date inputs,
 * times from selects, phone numbers, and the error summary's list.
 */

export type Fields = Record<string, unknown>;
export type FieldErrors = Record<string, string>;

/** One text value of a field (the first, if the field came more than once), trimmed. */
export function text(fields: Fields | undefined, name: string): string {
  const v = fields?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first.trim() : '';
}

/** Every value of a field that may repeat (checkboxes). */
export function many(fields: Fields | undefined, name: string): string[] {
  const v = fields?.[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string' && x.length > 0);
}

/** The error summary's items, in the order the fields appear on the page. */
export function errorList(errors: FieldErrors, hrefs: Record<string, string> = {}) {
  return Object.entries(errors).map(([field, message]) => ({ text: message, href: `#${hrefs[field] ?? field}` }));
}

/** The date of a GOV.UK date input named `prefix` (fields prefix-day, prefix-month, prefix-year). */
export function readDate(fields: Fields | undefined, prefix: string): { value: { day: string; month: string; year: string }; iso?: string; error?: string } {
  const value = { day: text(fields, `${prefix}-day`), month: text(fields, `${prefix}-month`), year: text(fields, `${prefix}-year`) };
  if (!value.day && !value.month && !value.year) return { value, error: 'missing' };
  if (![value.day, value.month, value.year].every((p) => /^\d+$/.test(p)) || value.year.length !== 4) return { value, error: 'invalid' };
  const d = DateTime.fromObject({ year: Number(value.year), month: Number(value.month), day: Number(value.day) }, { zone: 'UTC' });
  // Outside the years every service accepts (lib/limits), a date is as unusable as 30 February.
  if (!d.isValid || !inDomainYears(d.year)) return { value, error: 'invalid' };
  return { value, iso: d.toISODate()! };
}

/** A date input's value from an ISO date. */
export function dateParts(iso: string | undefined) {
  if (!iso) return { day: '', month: '', year: '' };
  const [year, month, day] = iso.split('-');
  return { day: String(Number(day)), month: String(Number(month)), year };
}

/** Half-hour times a hub room can start or end at, for a select: 7am to 11:30pm. */
export const TIME_CHOICES: string[] = Array.from({ length: 34 }, (_, i) => {
  const minutes = 7 * 60 + i * 30;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
});

export function timeLabel(hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number);
  if (h === 12 && m === 0) return 'midday';
  const hour = h % 12 === 0 ? 12 : h % 12;
  return `${hour}${m ? `:${String(m).padStart(2, '0')}` : ''}${h < 12 ? 'am' : 'pm'}`;
}

/** The items of a govukSelect of times, with a first "Choose a time" option. */
export function timeItems(selected: string | undefined) {
  return [{ value: '', text: 'Choose a time', selected: !selected }, ...TIME_CHOICES.map((t) => ({ value: t, text: timeLabel(t), selected: t === selected }))];
}

export const isTime = (v: string) => TIME_CHOICES.includes(v);

/** A UK or international phone number as E.164 (+447700900123), or undefined when it is not one. */
export function toE164(raw: string): string | undefined {
  const compact = raw.replace(/[\s()-]/g, '');
  if (/^\+[1-9]\d{6,14}$/.test(compact)) return compact;
  if (/^0\d{9,10}$/.test(compact)) return `+44${compact.slice(1)}`;
  if (/^00[1-9]\d{6,14}$/.test(compact)) return `+${compact.slice(2)}`;
  return undefined;
}

export const isEmail = (v: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) && v.length <= 254;

/** A path inside this site to go back to after signing in; anything else (a repeated ?next=, say) goes home. */
export function safeNext(next: unknown, fallback = '/'): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : fallback;
}

/** The signed-in person, or a redirect to the sign-in page that comes back here. */
export function signedIn(request: FastifyRequest, reply: FastifyReply): Actor | undefined {
  if (request.actor) return request.actor;
  void reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303);
  return undefined;
}

/** Shows a message once, on the page the next redirect leads to. */
export function flash(request: FastifyRequest, title: string, body?: string, kind: 'success' | 'info' = 'success', opts: { secret?: boolean } = {}) {
  // A message carrying a secret (a one-time link) is sealed in the session row (session.ts).
  if (opts.secret) request.session.setSealed('flash', { kind, title, body });
  else request.session.set('flash', { kind, title, body });
}

/** An instant as the invitation pages say it: "14:05 on Tuesday 1 December", in the network's zone. */
export const lapseWords = (at: string | Date, now: Date) => `${formatTime(at, NETWORK_ZONE)} on ${formatDate(at, NETWORK_ZONE, { now })}`;

/**
 * What to tell someone whose invitation could not be texted because the texting limits were
 * reached (outbox TextLimitError, `text_limit`): the link can still be sent by hand. Undefined for
 * any other error.
 */
export function textLimitWords(err: unknown, now: Date): string | undefined {
  if (!(err instanceof DomainError) || err.code !== 'text_limit') return undefined;
  return `Hubkey has sent as many texts ${err.extra.limit === 'hub' ? 'as it may' : 'to this number as it may'} for today. Leave the mobile number empty and send them the link yourself, or try again after ${lapseWords(String(err.extra.retryAt), now)}`;
}
