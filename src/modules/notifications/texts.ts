/**
 * The words of the texts Hubkey sends hirers about their bookings and invitations: one builder
 * per purpose, pure. Names and titles are clipped so that every text fits two SMS segments
 * (test/unit/notifications/texts.test.ts counts them with long names); the outbox cuts anything
 * longer as a last resort (fitSegments).
 */
import { clip } from '../../lib/sms-segments';

/** Stands for the digits of a door code in a stored text; the outbox renders it at send time. */
export const CODE_PLACEHOLDER = '{{code}}';
/** Stands for a secret (an invitation token) kept encrypted beside the text; rendered at send time. */
export const SECRET_PLACEHOLDER = '{{secret}}';

/** Longest a variable part may be. */
const NAME = 28;
const TITLE = 32;
const DOORS = 60;

export interface CodeTextInput {
  kind: 'booking' | 'shift';
  moved: boolean;
  hubName: string;
  roomName?: string;
  /** "Tue 3 Mar 09:45 to 12:15" */
  when: string;
  doorNames: string[];
}

/** A door code (with the placeholder); a booking's also serves as its reminder when the two fall due together. */
export function codeText(i: CodeTextInput): string {
  const doors = clip(i.doorNames.join(', '), DOORS);
  if (i.kind === 'shift') return `Shift door code for ${clip(i.hubName, NAME)}: ${CODE_PLACEHOLDER}. Works ${i.when} on: ${doors || 'no door'}.`;
  return `${i.moved ? 'Your booking has moved. New door' : 'Door'} code for ${clip(i.roomName ?? 'your room', NAME)}, ${clip(i.hubName, NAME)}: ${CODE_PLACEHOLDER}. Works ${i.when} on: ${doors || 'no working door: call the hub'}. Text CODE to get it again, OPEN if the keypad makes you wait.`;
}

/** A moved booking whose new code is not due yet. */
export function movedText(i: { hubName: string; roomName: string; when: string; codeAt: string }): string {
  return `${clip(i.hubName, NAME)}: your booking of ${clip(i.roomName, NAME)} has moved to ${i.when}. Your old door code no longer works; the new one comes by text ${i.codeAt}.`;
}

/**
 * A booking's reminder. What it says of the door code is true when it is sent: it comes later
 * (`codeAt`), it was sent already (text CODE from `codeFrom` to get it again), or the room has no
 * self-entry door (nothing said).
 */
export function reminderText(i: { title: string; roomName: string; hubName: string; when: string; code: { state: 'coming'; at: string } | { state: 'sent'; from: string } | { state: 'none' } }): string {
  const code = i.code.state === 'coming' ? ` Your door code comes by text ${i.code.at}.` : i.code.state === 'sent' ? ` Your door code came by text; text CODE from ${i.code.from} to get it again.` : '';
  return `Reminder: ${clip(i.title, TITLE)} in ${clip(i.roomName, NAME)}, ${clip(i.hubName, NAME)}, ${i.when}.${code}`;
}

/** A card booking's hold is about to lapse. */
export function holdLapsingText(i: { hubName: string; title: string; count: number; until: string }): string {
  const what = i.count > 1 ? `${i.count} bookings ("${clip(i.title, TITLE)}" and others)` : `"${clip(i.title, TITLE)}"`;
  return `Hubkey: ${clip(i.hubName, NAME)} holds ${what} for you until ${i.until}. Pay before then or the room is freed.`;
}

/** A card booking's hold lapsed: the room is free again. */
export function holdLapsedText(i: { hubName: string; title: string; count: number; when: string }): string {
  const what = i.count > 1 ? `${i.count} bookings ("${clip(i.title, TITLE)}" and others)` : `"${clip(i.title, TITLE)}" on ${i.when}`;
  return `Hubkey: ${clip(i.hubName, NAME)} held ${what} for payment, which did not come in time, so the room is free again. Book again if you still need it.`;
}

/** An invitation: the link's token is the secret placeholder. */
export function invitationText(i: { inviterName: string; what: string; days: number; linkBase: string }): string {
  return `${clip(i.inviterName, NAME)} invited you to ${clip(i.what, 48)} on Hubkey. Accept within ${i.days} days: ${i.linkBase}${SECRET_PLACEHOLDER}`;
}

/**
 * The answer to an inbound text that is not CODE or OPEN, or that Hubkey has nothing to do for (CODE
 * with no live code, OPEN with no waiting door): the same words whoever sends it, so it tells a
 * stranger nothing about bookings or doors.
 */
export const HELP_TEXT =
  'Hubkey: text CODE during your booking (from shortly before it starts) to get your door code again, or OPEN if the keypad makes you wait. For anything else, call your hub.';

/** The answer to OPEN from a booked group's phone when its doors were waiting after wrong codes. */
export function openText(i: { doorNames: string[]; minutes: number }): string {
  return `Hubkey: ${clip(i.doorNames.join(', '), DOORS)}: enter your door code now (within ${i.minutes} min). A wrong code makes the door wait again.`;
}

/** What a stored body shows people (the staff messages list, the log sender): placeholders masked. */
export function maskBody(body: string): string {
  return body.split(CODE_PLACEHOLDER).join('••••').split(SECRET_PLACEHOLDER).join('••••');
}
