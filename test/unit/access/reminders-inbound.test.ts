import { FixedClock } from '../../../src/lib/clock';
import { createInboundSmsService } from '../../../src/modules/access/inbound-sms.service';
import { createRemindersService } from '../../../src/modules/access/reminders.service';
import { HELP_TEXT } from '../../../src/modules/notifications/texts';
import { code, outbox } from './fakes';

const clock = new FixedClock('2026-03-02T09:00:00Z');

describe('reminders service', () => {
  const booking = { id: 'b-1', hubId: 'hub-1', roomId: 'r-1', title: 'Choir', contactPhone: '+447700900001', startsAt: new Date('2026-03-03T20:00:00Z'), endsAt: new Date('2026-03-03T22:00:00Z') };
  /** A fake of the repository: the booking is due until it is marked. */
  const fakeAccess = (doors: number) => {
    let marked = false;
    return {
      hubsWithRemindersDue: async () => [{ id: 'hub-1', name: 'Elm Hub', timezone: 'Europe/London', settings: {} }],
      bookingsToRemind: async () => (marked ? [] : [{ booking, roomName: 'Hall' }]),
      markReminded: async () => (marked ? false : (marked = true)),
      doorsForRoom: async () => Array.from({ length: doors }, (_, i) => ({ id: `d-${i}` })),
      codesForBooking: async () => [],
    };
  };
  const db = { transaction: async <T>(fn: (tx: never) => Promise<T>) => fn(undefined as never) };

  it('queues one reminder per booking, and none on a second run', async () => {
    const ob = outbox();
    const svc = createRemindersService({ db: db as never, access: fakeAccess(1) as never, outbox: ob, clock });
    expect(await svc.sendReminders()).toBe(1);
    expect(ob.queued[0]).toMatchObject({ kind: 'reminder', to: '+447700900001' });
    expect(ob.queued[0].body).toBe('Reminder: Choir in Hall, Elm Hub, Tue 3 Mar 20:00 to 22:00. Your door code comes by text Mon 2 Mar 20:00.');
    expect(await svc.sendReminders()).toBe(0);
  });

  it('says nothing of a door code when the room has no self-entry door', async () => {
    const ob = outbox();
    await createRemindersService({ db: db as never, access: fakeAccess(0) as never, outbox: ob, clock }).sendReminders();
    expect(ob.queued[0].body).toBe('Reminder: Choir in Hall, Elm Hub, Tue 3 Mar 20:00 to 22:00.');
  });
});

describe('inbound SMS service', () => {
  const messages = { compose: async () => ({ body: 'Door code for Hall: 123456.', moved: false }) };
  /** A keypad with the given doors waiting for the code, recording what it lifted. */
  const keypadWith = (names: string[] = []) => {
    const lifted: string[] = [];
    return {
      lifted,
      liftGraceSeconds: 120,
      liftableDoors: async () => names.map((name) => ({ id: `d-${name}`, name })) as never,
      liftFor: async (_c: unknown, doors: Array<{ name: string }>) => void lifted.push(...doors.map((d) => d.name)),
    };
  };

  it('ignores a sender that is not a phone number', async () => {
    const ob = outbox();
    const svc = createInboundSmsService({ access: { liveCodesForPhone: async () => [] } as never, outbox: ob, messages, keypad: keypadWith(), clock });
    expect(await svc.handleInboundSms('Hubkey', 'CODE')).toBe('ignored');
    expect(ob.queued).toHaveLength(0);
  });

  it('resends a live code to the phone it was sent to', async () => {
    const ob = outbox();
    const svc = createInboundSmsService({ access: { liveCodesForPhone: async () => [code()] } as never, outbox: ob, messages, keypad: keypadWith(), clock });
    expect(await svc.handleInboundSms('+447700900001', ' code ')).toBe('code');
    expect(ob.queued).toEqual([expect.objectContaining({ kind: 'access_code_resend', to: '+447700900001' })]);
  });

  it('answers anything else, or CODE without a live code, with help', async () => {
    const ob = outbox();
    const svc = createInboundSmsService({ access: { liveCodesForPhone: async () => [] } as never, outbox: ob, messages, keypad: keypadWith(), clock });
    expect(await svc.handleInboundSms('+447700900001', 'CODE')).toBe('help');
    expect(ob.queued[0]).toMatchObject({ kind: 'reply' });
  });

  it('lifts the waiting doors of a live code on OPEN and says which', async () => {
    const ob = outbox();
    const keypad = keypadWith(['Garden door']);
    const svc = createInboundSmsService({ access: { liveCodesForPhone: async () => [code()] } as never, outbox: ob, messages, keypad, clock });
    expect(await svc.handleInboundSms('+447700900001', 'open ')).toBe('open');
    expect(keypad.lifted).toEqual(['Garden door']);
    expect(ob.queued).toEqual([expect.objectContaining({ kind: 'door_open', to: '+447700900001', body: expect.stringMatching(/^Hubkey: Garden door: enter your door code now \(within 2 min\)/) })]);
  });

  it('answers OPEN with the neutral help, lifting nothing, without a live code or a waiting door', async () => {
    for (const [codes, doors] of [[[], ['Garden door']], [[code()], []]] as const) {
      const ob = outbox();
      const keypad = keypadWith([...doors]);
      const svc = createInboundSmsService({ access: { liveCodesForPhone: async () => [...codes] } as never, outbox: ob, messages, keypad, clock });
      expect(await svc.handleInboundSms('+447700900001', 'OPEN')).toBe('help');
      expect(keypad.lifted).toEqual([]);
      expect(ob.queued).toEqual([expect.objectContaining({ kind: 'reply', body: HELP_TEXT })]);
    }
  });
});
