/**
 * When a booking's reminder is due, and what it may truly say. Pure: `now` is passed in.
 *
 * One text per purpose: a reminder is due `reminderLeadMinutes` before the start. It is not sent
 * when the hirer booked, moved or was approved inside that lead (they were just told: the job's
 * caller marks those), when the start has passed, or when the door code's text falls due with it
 * (within COLLAPSE_MS either side): the code text names the room, hub and time, so it is the
 * reminder. Otherwise the reminder says of the code only what is true when it goes: that it comes
 * later (and when), that it came already (and how to get it again), or nothing when the room has
 * no self-entry door.
 */
import { codeWindow } from './access.fns';

/** Two texts due this close together are one. */
export const COLLAPSE_MS = 60 * 60_000;

export interface ReminderInput {
  startsAt: Date;
  endsAt: Date;
  settings: { reminderLeadMinutes: number; codeLeadMinutes: number; earlyEntryMinutes: number; lateExitMinutes: number };
  now: Date;
  /** The room has a door that takes codes. */
  hasDoors: boolean;
  /** When the booking's live code was last queued to the hirer; null when it has not been. */
  codeQueuedAt: Date | null;
}

export type ReminderPlan =
  | { action: 'wait'; dueAt: Date }
  | { action: 'skip'; reason: 'started' | 'code_text' }
  | { action: 'send'; code: { state: 'coming'; at: Date } | { state: 'sent'; from: Date } | { state: 'none' } };

export function reminderDueAt(startsAt: Date, reminderLeadMinutes: number): Date {
  return new Date(startsAt.getTime() - reminderLeadMinutes * 60_000);
}

/** The latest start whose reminder is due at `now`: the job reads bookings starting in (now, this]. */
export function reminderWindowEnd(now: Date, reminderLeadMinutes: number): Date {
  return new Date(now.getTime() + reminderLeadMinutes * 60_000);
}

/** Whether a change made at `at` (a booking made, moved or approved) falls inside the reminder lead: the hirer needs no reminder then. */
export function insideReminderLead(startsAt: Date, reminderLeadMinutes: number, at: Date): boolean {
  return at.getTime() >= reminderDueAt(startsAt, reminderLeadMinutes).getTime();
}

export function reminderPlan(i: ReminderInput): ReminderPlan {
  const dueAt = reminderDueAt(i.startsAt, i.settings.reminderLeadMinutes);
  const now = i.now.getTime();
  if (now < dueAt.getTime()) return { action: 'wait', dueAt };
  if (now >= i.startsAt.getTime()) return { action: 'skip', reason: 'started' };
  if (!i.hasDoors) return { action: 'send', code: { state: 'none' } };
  const w = codeWindow({ startsAt: i.startsAt, endsAt: i.endsAt, ...i.settings });
  if (i.codeQueuedAt) {
    // The code came long before the reminder: remind, and say how to get the code again.
    if (i.codeQueuedAt.getTime() < dueAt.getTime() - COLLAPSE_MS) return { action: 'send', code: { state: 'sent', from: w.validFrom } };
    return { action: 'skip', reason: 'code_text' };
  }
  // The code is due now or soon: its text is the reminder.
  if (w.issueAt.getTime() <= now + COLLAPSE_MS) return { action: 'skip', reason: 'code_text' };
  return { action: 'send', code: { state: 'coming', at: w.issueAt } };
}
