import { COLLAPSE_MS, insideReminderLead, reminderDueAt, reminderPlan, type ReminderInput } from '../../../src/modules/access/reminders.fns';

const H = 3_600_000;
const start = new Date('2026-03-10T18:00:00Z');
const end = new Date('2026-03-10T20:00:00Z');
const base = (o: Partial<ReminderInput> & { lead?: number; codeLead?: number; hoursBefore: number }): ReminderInput => ({
  startsAt: start,
  endsAt: end,
  settings: { reminderLeadMinutes: o.lead ?? 48 * 60, codeLeadMinutes: o.codeLead ?? 24 * 60, earlyEntryMinutes: 15, lateExitMinutes: 15 },
  now: new Date(start.getTime() - o.hoursBefore * H),
  hasDoors: o.hasDoors ?? true,
  codeQueuedAt: o.codeQueuedAt ?? null,
});

describe('reminderDueAt and insideReminderLead', () => {
  it('is the lead before the start; a change at or after it is inside the lead', () => {
    expect(reminderDueAt(start, 120).toISOString()).toBe('2026-03-10T16:00:00.000Z');
    expect(insideReminderLead(start, 120, new Date('2026-03-10T15:59:59Z'))).toBe(false);
    expect(insideReminderLead(start, 120, new Date('2026-03-10T16:00:00Z'))).toBe(true);
    expect(insideReminderLead(start, 0, new Date('2026-03-10T17:59:00Z'))).toBe(false);
  });
});

describe('reminderPlan', () => {
  it.each<[string, Parameters<typeof base>[0], ReturnType<typeof reminderPlan>]>([
    ['waits until the lead', { hoursBefore: 49 }, { action: 'wait', dueAt: new Date('2026-03-08T18:00:00Z') }],
    ['sends at the lead, the code coming a day later', { hoursBefore: 48 }, { action: 'send', code: { state: 'coming', at: new Date('2026-03-09T18:00:00Z') } }],
    ['is not sent once the booking started', { hoursBefore: 0 }, { action: 'skip', reason: 'started' }],
    ['says nothing of a code when the room has no door', { hoursBefore: 2, hasDoors: false }, { action: 'send', code: { state: 'none' } }],
    // Same lead: the code text is due with the reminder, and is the one text.
    ['is the code text when both fall due together', { hoursBefore: 24, lead: 24 * 60 }, { action: 'skip', reason: 'code_text' }],
    ['is the code text when the code is due within the hour', { hoursBefore: 24.5, lead: 24 * 60 + 30 }, { action: 'skip', reason: 'code_text' }],
    ['still reminds when the code is due later than that', { hoursBefore: 26, lead: 26 * 60 }, { action: 'send', code: { state: 'coming', at: new Date('2026-03-09T18:00:00Z') } }],
    // The code went out days before the reminder (a long code lead): remind, saying how to get it again.
    [
      'says the code came when it was sent long before',
      { hoursBefore: 48, codeLead: 7 * 24 * 60, codeQueuedAt: new Date('2026-03-03T18:00:00Z') },
      { action: 'send', code: { state: 'sent', from: new Date('2026-03-10T17:45:00Z') } },
    ],
    ['is the code text when the code was just sent', { hoursBefore: 47.5, codeLead: 48 * 60, codeQueuedAt: new Date(start.getTime() - 48 * H) }, { action: 'skip', reason: 'code_text' }],
  ])('%s', (_name, input, plan) => {
    expect(reminderPlan(base(input))).toEqual(plan);
  });

  it('collapses texts due within COLLAPSE_MS of each other', () => {
    expect(COLLAPSE_MS).toBe(H);
    const edge = base({ hoursBefore: 25, lead: 25 * 60 });
    expect(reminderPlan(edge)).toEqual({ action: 'skip', reason: 'code_text' });
    const past = base({ hoursBefore: 25.01, lead: 25.01 * 60 });
    expect(reminderPlan(past).action).toBe('send');
  });
});
