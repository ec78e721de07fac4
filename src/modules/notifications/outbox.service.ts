import type { SmsSender } from '../../adapters/sms/sms';
import { type DbOrTx, isDatabaseUnavailable, retryWhileUnavailable } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { MINUTE } from '../../lib/time';
import type { NewOutboxRow, OutboxRepository, OutboxRow } from './outbox.repository';

export interface OutboxPolicy {
  /** Rows claimed per round. */
  batchSize: number;
  /** How long a claimed row is ours; after that another sender may take it (the first died). */
  leaseMs: number;
  /** Attempts before a message that keeps failing transiently is given up as failed. */
  maxAttempts: number;
  /** Backoff after the n-th failed attempt: baseMs * 2^(n-1), at most maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_OUTBOX_POLICY: OutboxPolicy = {
  batchSize: 20,
  leaseMs: 2 * MINUTE,
  maxAttempts: 8,
  baseBackoffMs: 30_000,
  maxBackoffMs: 60 * MINUTE,
};

export function backoffMs(attempt: number, p: Pick<OutboxPolicy, 'baseBackoffMs' | 'maxBackoffMs'> = DEFAULT_OUTBOX_POLICY): number {
  return Math.min(p.maxBackoffMs, p.baseBackoffMs * 2 ** Math.max(0, attempt - 1));
}

/** SMS bodies stay one or two segments. */
const MAX_BODY = 320;

/**
 * The outbox: everything that sends a text queues it here (in the caller's transaction when it
 * has one), and the sender job delivers it. Queueing with a dedupeKey is idempotent.
 */
/** What became of a text, as the sender or a delivery report learnt it. */
export interface DeliveryReport {
  status: 'accepted' | 'delivered' | 'undelivered' | 'failed';
  at: Date;
  /** The provider's reason, for undelivered and failed. */
  error?: string;
}

/** Provider statuses a delivery report may carry that end a message's journey. */
const FINAL_REPORTS: Record<string, DeliveryReport['status']> = { delivered: 'delivered', undelivered: 'undelivered', failed: 'failed' };

export function createOutboxService(deps: {
  outbox: OutboxRepository;
  sms: SmsSender;
  clock: Clock;
  policy?: Partial<OutboxPolicy>;
  /**
   * Renders a body that carries a door code (row.accessCodeId) from the encrypted code, at send
   * time only; the stored body keeps the placeholder. Undefined when the code is gone.
   */
  renderBody?: (row: OutboxRow) => Promise<string | undefined>;
  /** Told what became of a message that carries a door code (accepted, delivered, undelivered, failed). */
  onDelivery?: (row: OutboxRow, report: DeliveryReport) => Promise<void>;
}) {
  const { outbox, sms, clock } = deps;
  const policy: OutboxPolicy = { ...DEFAULT_OUTBOX_POLICY, ...deps.policy };

  /** The text as it goes to the phone. */
  const render = async (row: OutboxRow) => (row.accessCodeId && deps.renderBody ? await deps.renderBody(row) : row.body);

  /**
   * A text failed for good: staff of its hub are told once per cause a day (not once per message),
   * and whoever waits on it (a door code) hears of it. Alerts themselves never raise alerts.
   */
  async function failedForGood(row: OutboxRow, cause: string, error: string) {
    if (row.accessCodeId) await deps.onDelivery?.(row, { status: 'failed', at: clock.now(), error });
    if (!row.hubId || row.kind === 'staff_alert') return;
    const day = clock.now().toISOString().slice(0, 10);
    await alertStaff(
      row.hubId,
      `Hubkey: texts to hirers are failing (${error.slice(0, 120)}). ${row.accessCodeId ? 'A door code did not reach its hirer: check the booking\'s contact phone and let them in.' : 'Check the phone numbers on recent bookings.'}`,
      `sms-failed:${cause}:${day}`,
    );
  }

  /**
   * `leaseEnds` (epoch ms, real time): the claim's lease. If the database goes away after the
   * provider took the text, recording it is retried until then, so the text is not sent again.
   */
  async function sendOne(row: OutboxRow, leaseEnds: number): Promise<'sent' | 'retry' | 'failed'> {
    const finish = (values: Parameters<OutboxRepository['finish']>[2]) => retryWhileUnavailable(() => outbox.finish(row.id, row.attempts, values), leaseEnds);
    // A code that can no longer be read (gone, or a rotated key) is never sent with the placeholder in.
    // A database that is away while the code is read is not that: the row waits out its lease and is sent later.
    const body = await render(row).catch((err: unknown) => {
      if (isDatabaseUnavailable(err)) throw err;
      return undefined;
    });
    if (body === undefined) {
      await finish({ status: 'failed', lastError: 'the door code this text carried is gone' });
      return 'failed';
    }
    try {
      const result = await sms.send({ to: row.to, body });
      await finish({
        status: 'sent',
        providerId: result.providerId,
        providerStatus: result.status,
        sentAt: clock.now(),
        lastError: null,
      });
      if (row.accessCodeId) await deps.onDelivery?.(row, { status: 'accepted', at: clock.now() });
      return 'sent';
    } catch (err) {
      const retryable = (err as { retryable?: unknown }).retryable === true;
      const message = String((err as Error).message ?? err).slice(0, 500);
      if (retryable && row.attempts < policy.maxAttempts) {
        await finish({
          status: 'pending',
          nextAttemptAt: new Date(clock.now().getTime() + backoffMs(row.attempts, policy)),
          lastError: message,
        });
        return 'retry';
      }
      await finish({ status: 'failed', lastError: message });
      const code = (err as { providerCode?: unknown }).providerCode;
      await failedForGood(row, retryable ? 'retries_exhausted' : code !== undefined ? `provider_${String(code)}` : 'refused', message);
      return 'failed';
    }
  }

  /** Queues the same alert to every staff member of the hub who has a phone. */
  async function alertStaff(hubId: string, body: string, dedupeKey: string, tx?: DbOrTx): Promise<number> {
    const phones = await outbox.staffPhones(hubId, tx);
    let n = 0;
    for (const to of phones) {
      if (await outbox.enqueue({ kind: 'staff_alert', to, body, hubId, dedupeKey: `${dedupeKey}:${to}` }, clock.now(), tx)) n++;
    }
    return n;
  }

  return {
    policy,

    /** Queues a text. Returns the row, or undefined when one with the same dedupeKey exists. */
    enqueue(msg: NewOutboxRow, tx?: DbOrTx) {
      const body = msg.body.length > MAX_BODY ? msg.body.slice(0, MAX_BODY - 1) + '…' : msg.body;
      return outbox.enqueue({ ...msg, body }, clock.now(), tx);
    },

    alertStaff,
    render,

    /**
     * A signed delivery report from the provider (Twilio's StatusCallback): records the status on
     * the message; a delivered or undelivered door code is recorded on the code, and an undelivered
     * one alerts staff (once per cause a day). Unknown messages are ignored.
     */
    async recordStatus(providerId: string, providerStatus: string, errorCode?: string): Promise<'recorded' | 'ignored'> {
      const row = await outbox.byProviderId(providerId);
      if (!row) return 'ignored';
      const final = FINAL_REPORTS[providerStatus];
      const error = final && final !== 'delivered' ? `${providerStatus}${errorCode ? ` (error ${errorCode})` : ''}` : null;
      await outbox.setProviderStatus(row.id, providerStatus, error);
      if (!final) return 'recorded';
      if (final === 'delivered') {
        if (row.accessCodeId) await deps.onDelivery?.(row, { status: 'delivered', at: clock.now() });
      } else {
        if (row.accessCodeId) await deps.onDelivery?.(row, { status: 'undelivered', at: clock.now(), error: error! });
        if (row.hubId && row.kind !== 'staff_alert') {
          await alertStaff(
            row.hubId,
            `Hubkey: texts to hirers are not arriving (${error}). ${row.accessCodeId ? 'A door code did not reach its hirer: check the booking\'s contact phone and let them in.' : 'Check the phone numbers on recent bookings.'}`,
            `sms-undelivered:${errorCode ?? providerStatus}:${clock.now().toISOString().slice(0, 10)}`,
          );
        }
      }
      return 'recorded';
    },

    /**
     * Worker job: sends every due message, batch by batch, until none is left. Safe with any
     * number of senders at once (each row is claimed by one). Returns how many were sent.
     */
    async sendDue(opts: { maxBatches?: number } = {}): Promise<number> {
      let sent = 0;
      for (let batch = 0; batch < (opts.maxBatches ?? 50); batch++) {
        const now = clock.now();
        const rows = await outbox.claimDue(now, new Date(now.getTime() + policy.leaseMs), policy.batchSize);
        if (rows.length === 0) break;
        const leaseEnds = Date.now() + policy.leaseMs - 5_000;
        for (const row of rows) if ((await sendOne(row, leaseEnds)) === 'sent') sent++;
      }
      return sent;
    },

    list: outbox.list,
    get: outbox.get,
  };
}
export type OutboxService = ReturnType<typeof createOutboxService>;
