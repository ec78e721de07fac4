import type { SmsSender } from '../../adapters/sms/sms';
import { type DbOrTx, retryWhileUnavailable } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { MINUTE } from '../../lib/time';
import type { NewOutboxRow, OutboxRepository } from './outbox.repository';

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
export function createOutboxService(deps: {
  outbox: OutboxRepository;
  sms: SmsSender;
  clock: Clock;
  policy?: Partial<OutboxPolicy>;
}) {
  const { outbox, sms, clock } = deps;
  const policy: OutboxPolicy = { ...DEFAULT_OUTBOX_POLICY, ...deps.policy };

  /**
   * `leaseEnds` (epoch ms, real time): the claim's lease. If the database goes away after the
   * provider took the text, recording it is retried until then, so the text is not sent again.
   */
  async function sendOne(row: Awaited<ReturnType<OutboxRepository['claimDue']>>[number], leaseEnds: number): Promise<'sent' | 'retry' | 'failed'> {
    const finish = (values: Parameters<OutboxRepository['finish']>[2]) => retryWhileUnavailable(() => outbox.finish(row.id, row.attempts, values), leaseEnds);
    try {
      const result = await sms.send({ to: row.to, body: row.body });
      await finish({
        status: 'sent',
        providerId: result.providerId,
        providerStatus: result.status,
        sentAt: clock.now(),
        lastError: null,
      });
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
      return 'failed';
    }
  }

  return {
    policy,

    /** Queues a text. Returns the row, or undefined when one with the same dedupeKey exists. */
    enqueue(msg: NewOutboxRow, tx?: DbOrTx) {
      const body = msg.body.length > MAX_BODY ? msg.body.slice(0, MAX_BODY - 1) + '…' : msg.body;
      return outbox.enqueue({ ...msg, body }, clock.now(), tx);
    },

    /** Queues the same alert to every staff member of the hub who has a phone. */
    async alertStaff(hubId: string, body: string, dedupeKey: string, tx?: DbOrTx): Promise<number> {
      const phones = await outbox.staffPhones(hubId, tx);
      let n = 0;
      for (const to of phones) {
        if (await outbox.enqueue({ kind: 'staff_alert', to, body, hubId, dedupeKey: `${dedupeKey}:${to}` }, clock.now(), tx)) n++;
      }
      return n;
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
