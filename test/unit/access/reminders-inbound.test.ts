import { FixedClock } from '../../../src/lib/clock';
import { createInboundSmsService } from '../../../src/modules/access/inbound-sms.service';
import { createRemindersService } from '../../../src/modules/access/reminders.service';
import { code, outbox } from './fakes';

const clock = new FixedClock('2026-03-02T09:00:00Z');

describe('reminders service', () => {
  const booking = { id: 'b-1', hubId: 'hub-1', title: 'Choir', contactPhone: '+447700900001', startsAt: new Date('2026-03-03T10:00:00Z'), endsAt: new Date('2026-03-03T12:00:00Z') };
  const access = { bookingsToRemind: async () => [{ booking, roomName: 'Hall', hubName: 'Elm Hub', timezone: 'Europe/London' }] as never };

  it('queues one reminder per booking, and none on a second run', async () => {
    const ob = outbox();
    const svc = createRemindersService({ access: access as never, outbox: ob, clock });
    expect(await svc.sendReminders()).toBe(1);
    expect(ob.queued[0]).toMatchObject({ kind: 'reminder', to: '+447700900001' });
    expect(ob.queued[0].body).toContain('Choir in Hall, Elm Hub, Tue 3 Mar 10:00 to 12:00');
    expect(await svc.sendReminders()).toBe(0);
  });
});

describe('inbound SMS service', () => {
  const messages = { compose: async () => ({ body: 'Door code for Hall: 123456.', moved: false }) };

  it('ignores a sender that is not a phone number', async () => {
    const ob = outbox();
    const svc = createInboundSmsService({ access: { liveCodesForPhone: async () => [] } as never, outbox: ob, messages, clock });
    expect(await svc.handleInboundSms('Hubkey', 'CODE')).toBe('ignored');
    expect(ob.queued).toHaveLength(0);
  });

  it('resends a live code to the phone it was sent to', async () => {
    const ob = outbox();
    const svc = createInboundSmsService({ access: { liveCodesForPhone: async () => [code()] } as never, outbox: ob, messages, clock });
    expect(await svc.handleInboundSms('+447700900001', ' code ')).toBe('code');
    expect(ob.queued).toEqual([expect.objectContaining({ kind: 'access_code_resend', to: '+447700900001' })]);
  });

  it('answers anything else, or CODE without a live code, with help', async () => {
    const ob = outbox();
    const svc = createInboundSmsService({ access: { liveCodesForPhone: async () => [] } as never, outbox: ob, messages, clock });
    expect(await svc.handleInboundSms('+447700900001', 'CODE')).toBe('help');
    expect(ob.queued[0]).toMatchObject({ kind: 'reply' });
  });
});
