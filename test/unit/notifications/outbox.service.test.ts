import { PermanentSendError, TransientSendError, type SmsSender } from '../../../src/adapters/sms/sms';
import { FixedClock } from '../../../src/lib/clock';
import type { OutboxRow } from '../../../src/modules/notifications/outbox.repository';
import { createOutboxService, type DeliveryReport } from '../../../src/modules/notifications/outbox.service';

/** An outbox repository over an array; claims every due pending row. */
function memoryOutbox() {
  const rows: OutboxRow[] = [];
  return {
    rows,
    async enqueue(row: Partial<OutboxRow>, now: Date) {
      if (row.dedupeKey && rows.some((r) => r.dedupeKey === row.dedupeKey)) return undefined;
      const created = { id: `o${rows.length + 1}`, channel: 'sms', hubId: null, bookingId: null, accessCodeId: null, dedupeKey: null, leaseUntil: null, lastError: null, providerId: null, providerStatus: null, sentAt: null, ...row, status: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now } as OutboxRow;
      rows.push(created);
      return created;
    },
    async claimDue(now: Date) {
      const due = rows.filter((r) => r.status === 'pending' && r.nextAttemptAt <= now);
      for (const r of due) Object.assign(r, { status: 'sending', attempts: r.attempts + 1 });
      return due.map((r) => ({ ...r }));
    },
    async finish(id: string, _attempt: number, values: Partial<OutboxRow>) {
      Object.assign(rows.find((r) => r.id === id)!, values);
      return true;
    },
    staffPhones: async () => ['+447700900501'],
    byProviderId: async (sid: string) => rows.find((r) => r.providerId === sid),
    setProviderStatus: async (id: string, providerStatus: string) => void Object.assign(rows.find((r) => r.id === id)!, { providerStatus }),
    list: async () => rows,
    get: async (id: string) => rows.find((r) => r.id === id),
  };
}

function wire(sms: SmsSender) {
  const clock = new FixedClock('2026-03-02T09:00:00Z');
  const repo = memoryOutbox();
  const reports: { codeId: string | null; report: DeliveryReport }[] = [];
  const svc = createOutboxService({
    outbox: repo as never,
    sms,
    clock,
    policy: { maxAttempts: 2, baseBackoffMs: 1000 },
    renderBody: async (row) => row.body.replace('{{code}}', '123456'),
    onDelivery: async (row, report) => void reports.push({ codeId: row.accessCodeId, report }),
  });
  return { clock, repo, reports, svc };
}

const codeText = (n: number) => ({ kind: 'access_code', to: `+44770090010${n}`, body: 'Door code: {{code}}.', hubId: 'hub-1', accessCodeId: `code-${n}` });

describe('outbox service', () => {
  it('sends the rendered code but keeps the stored body masked, and reports the code accepted', async () => {
    const sent: string[] = [];
    const w = wire({ send: async (m) => (sent.push(m.body), { providerId: 'SM1', status: 'queued' }) });
    await w.svc.enqueue(codeText(1));
    expect(await w.svc.sendDue()).toBe(1);
    expect(sent).toEqual(['Door code: 123456.']);
    expect(w.repo.rows[0].body).toBe('Door code: {{code}}.');
    expect(w.reports).toEqual([{ codeId: 'code-1', report: { status: 'accepted', at: w.clock.now() } }]);
  });

  it('a database away while a code is read leaves the text to be sent later, never failed; a code that is gone fails it', async () => {
    const sent: string[] = [];
    const clock = new FixedClock('2026-03-02T09:00:00Z');
    const repo = memoryOutbox();
    let reading: 'down' | 'gone' = 'down';
    const svc = createOutboxService({
      outbox: repo as never,
      sms: { send: async (m) => (sent.push(m.body), { providerId: 'SM1', status: 'queued' }) },
      clock,
      renderBody: async () => {
        if (reading === 'down') throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        return undefined;
      },
    });
    await svc.enqueue(codeText(1));
    await expect(svc.sendDue()).rejects.toThrow(/ECONNREFUSED/);
    expect(repo.rows[0].status).toBe('sending');
    expect(sent).toEqual([]);
    reading = 'gone';
    Object.assign(repo.rows[0], { status: 'pending' }); // its lease ran out
    await svc.sendDue();
    expect(repo.rows[0]).toMatchObject({ status: 'failed', lastError: 'the door code this text carried is gone or no longer works' });
    expect(sent).toEqual([]);
  });

  it('a permanent failure marks the code failed; two failures of one cause alert staff once', async () => {
    const w = wire({
      send: async () => {
        throw new PermanentSendError('Twilio 400 (21211): invalid To', 400, 21211);
      },
    });
    await w.svc.enqueue(codeText(1));
    await w.svc.enqueue(codeText(2));
    await w.svc.sendDue({ maxBatches: 1 });
    expect(w.reports.map((r) => [r.codeId, r.report.status])).toEqual([
      ['code-1', 'failed'],
      ['code-2', 'failed'],
    ]);
    const alerts = w.repo.rows.filter((r) => r.kind === 'staff_alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].dedupeKey).toBe('sms-failed:provider_21211:2026-03-02:+447700900501');
  });

  it('a text that runs out of retries is failed and alerts staff; the alert itself never raises another', async () => {
    const w = wire({
      send: async () => {
        throw new TransientSendError('Twilio 503', 503);
      },
    });
    await w.svc.enqueue(codeText(1));
    await w.svc.sendDue({ maxBatches: 1 });
    expect(w.repo.rows[0].status).toBe('pending');
    w.clock.advance(2000);
    await w.svc.sendDue({ maxBatches: 1 });
    expect(w.repo.rows[0].status).toBe('failed');
    expect(w.reports.at(-1)!.report.status).toBe('failed');
    expect(w.repo.rows.filter((r) => r.kind === 'staff_alert').map((r) => r.dedupeKey)).toEqual(['sms-failed:retries_exhausted:2026-03-02:+447700900501']);
    w.clock.advance(60 * 60_000);
    await w.svc.sendDue(); // the alert fails too (the provider is down): no alert about the alert
    expect(w.repo.rows.filter((r) => r.kind === 'staff_alert')).toHaveLength(1);
  });

  it('records delivery reports: delivered on the code; undelivered on the code with one alert', async () => {
    const w = wire({ send: async () => ({ providerId: `SM${Math.random()}`, status: 'queued' }) });
    await w.svc.enqueue(codeText(1));
    await w.svc.sendDue();
    const sid = w.repo.rows[0].providerId!;
    expect(await w.svc.recordStatus('SMunknown', 'delivered')).toBe('ignored');
    expect(await w.svc.recordStatus(sid, 'delivered')).toBe('recorded');
    expect(await w.svc.recordStatus(sid, 'undelivered', '30003')).toBe('recorded');
    expect(w.reports.map((r) => r.report.status)).toEqual(['accepted', 'delivered', 'undelivered']);
    expect(w.repo.rows.filter((r) => r.kind === 'staff_alert')).toHaveLength(1);
  });
});
