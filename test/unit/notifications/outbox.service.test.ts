import { PermanentSendError, TransientSendError, type SmsSender } from '../../../src/adapters/sms/sms';
import { FixedClock } from '../../../src/lib/clock';
import type { OutboxRow } from '../../../src/modules/notifications/outbox.repository';
import { createOutboxService, TEXT_LIMITS, TextLimitError, type DeliveryReport } from '../../../src/modules/notifications/outbox.service';
import { smsSegments } from '../../../src/lib/sms-segments';

/** An outbox repository over an array; claims every due pending row. */
function memoryOutbox() {
  const rows: OutboxRow[] = [];
  return {
    rows,
    async enqueue(row: Partial<OutboxRow>, now: Date, _tx?: unknown, sendAt?: Date) {
      if (row.dedupeKey && rows.some((r) => r.dedupeKey === row.dedupeKey)) return undefined;
      const created = { id: `o${rows.length + 1}`, channel: 'sms', hubId: null, bookingId: null, accessCodeId: null, dedupeKey: null, leaseUntil: null, lastError: null, providerId: null, providerStatus: null, sentAt: null, secretCipher: null, ...row, status: 'pending', attempts: 0, nextAttemptAt: sendAt ?? now, createdAt: now } as OutboxRow;
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
    async nthNewestSince(scope: { bookingId?: string; to?: string; hubId?: string }, kinds: readonly string[], since: Date, n: number) {
      const hit = rows
        .filter((r) => kinds.includes(r.kind) && r.createdAt > since && (scope.bookingId ? r.bookingId === scope.bookingId : scope.to ? r.to === scope.to : r.hubId === scope.hubId))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      return hit[n - 1]?.createdAt;
    },
    // One process, no other writer: the lock is only the transaction it runs fn in.
    withLimitLock: async <T>(_key: string, tx: unknown, fn: (t: unknown) => Promise<T>) => fn(tx),
    byProviderId: async (sid: string) => rows.find((r) => r.providerId === sid),
    setProviderStatus: async (id: string, providerStatus: string) => void Object.assign(rows.find((r) => r.id === id)!, { providerStatus }),
    list: async () => rows,
    get: async (id: string) => rows.find((r) => r.id === id),
  };
}

/** A reversible stand-in for the code cipher. */
const secrets = { encrypt: (p: string) => `v1.${Buffer.from(p).toString('base64url')}`, decrypt: (c: string) => Buffer.from(c.slice(3), 'base64url').toString() };

function wire(sms: SmsSender) {
  const clock = new FixedClock('2026-03-02T09:00:00Z');
  const repo = memoryOutbox();
  const reports: { codeId: string | null; report: DeliveryReport }[] = [];
  const svc = createOutboxService({
    outbox: repo as never,
    sms,
    clock,
    secrets,
    policy: { maxAttempts: 2, baseBackoffMs: 1000 },
    renderBody: async (row) => row.body.replace('{{code}}', '123456'),
    onDelivery: async (row, report) => void reports.push({ codeId: row.accessCodeId, report }),
  });
  return { clock, repo, reports, svc };
}

const codeText = (n: number) => ({ kind: 'access_code', to: `+44770090010${n}`, body: 'Door code: {{code}}.', hubId: 'hub-1', accessCodeId: `code-${n}` });

describe('outbox service', () => {
  it('cuts a long text to two SMS segments when queued', async () => {
    const w = wire({ send: async () => ({ providerId: 'SM1', status: 'queued' }) });
    await w.svc.enqueue({ kind: 'reply', to: '+447700900100', body: `Hubkey: ${'word '.repeat(100)}` });
    expect(smsSegments(w.repo.rows[0].body)).toMatchObject({ encoding: 'GSM-7', segments: 2 });
    expect(w.repo.rows[0].body.length).toBeGreaterThan(300);
    expect(w.repo.rows[0].body.endsWith('word...')).toBe(true);
  });

  it('refuses a limited text past the per-phone limit, or defers it, naming when it may go', async () => {
    const w = wire({ send: async () => ({ providerId: 'SM1', status: 'queued' }) });
    const resend = (i: number) => ({ kind: 'access_code_resend', to: '+447700900100', body: 'Door code: {{code}}.', bookingId: `b-${i}`, accessCodeId: `code-${i}` });
    for (let i = 0; i < TEXT_LIMITS.perPhone; i++) {
      await w.svc.enqueue(resend(i));
      w.clock.advance(60_000);
    }
    const err = await w.svc.enqueue(resend(99), undefined, { overLimit: 'refuse' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TextLimitError);
    expect((err as TextLimitError).extra).toEqual({ retryAt: '2026-03-03T09:00:00.000Z', retryAfterSeconds: 24 * 3600 - 600, limit: 'phone' });
    const deferred = await w.svc.enqueue(resend(100));
    expect(deferred?.nextAttemptAt.toISOString()).toBe('2026-03-03T09:00:00.000Z');
    // Other kinds are not limited.
    expect((await w.svc.enqueue({ kind: 'reminder', to: '+447700900100', body: 'Reminder' }))?.nextAttemptAt).toEqual(w.clock.now());
  });

  it('keeps a secret encrypted beside the text, renders it only when sending, then drops it', async () => {
    const sent: Array<{ body: string; masked?: string }> = [];
    const w = wire({ send: async (m) => (sent.push({ body: m.body, masked: m.masked }), { providerId: 'SM1', status: 'queued' }) });
    await w.svc.enqueue({ kind: 'invitation', to: '+447700900100', body: 'Join: https://h.test/invitations/{{secret}}', secret: 'TOKEN123' });
    expect(JSON.stringify(w.repo.rows[0])).not.toContain('TOKEN123');
    await w.svc.sendDue();
    expect(sent).toEqual([{ body: 'Join: https://h.test/invitations/TOKEN123', masked: 'Join: https://h.test/invitations/••••' }]);
    expect(w.repo.rows[0]).toMatchObject({ status: 'sent', secretCipher: null, body: 'Join: https://h.test/invitations/{{secret}}' });
  });

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
