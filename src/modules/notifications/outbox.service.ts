import type { SmsSender } from '../../adapters/sms/sms';
import { type DbOrTx, isDatabaseUnavailable, retryWhileUnavailable } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { DomainError } from '../../lib/errors';
import { fitSegments } from '../../lib/sms-segments';
import { MINUTE } from '../../lib/time';
import type { NewOutboxRow, OutboxRepository, OutboxRow } from './outbox.repository';
import { maskBody, SECRET_PLACEHOLDER } from './texts';

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

const DAY_MS = 24 * 60 * MINUTE;

/** A text cut to two SMS segments at most; a placeholder cut in half is dropped. */
const fitBody = (body: string) => fitSegments(body).replace(/\{\{[a-z]*\.\.\.$/, '...');

/**
 * What a caller can make Hubkey text (docs/security.md, "Texts"): moves, resends, invitations and the replies to OPEN.
 * Counted over the last 24 hours in the outbox itself, so the limits hold across processes.
 */
export const TEXT_LIMITS = {
  /** Texts of these kinds about one booking. */
  perBooking: 5,
  /** Texts of these kinds to one phone number. */
  perPhone: 10,
  /** Texts of these kinds from one hub; reaching it alerts the hub's staff once that day. */
  perHub: 300,
  windowMs: DAY_MS,
} as const;

/**
 * The kinds a caller's request triggers (approvals are sent once per booking by their dedupe key, so
 * need no limit). `door_open` answers OPEN and carries the lift of a door's wait: past the limits, no lift.
 */
export const LIMITED_KINDS = ['access_code_moved', 'booking_moved', 'access_code_resend', 'invitation', 'door_open'] as const;
const limited = new Set<string>(LIMITED_KINDS);

/** A text refused by the limits: when to try again. */
export class TextLimitError extends DomainError {
  constructor(
    readonly retryAt: Date,
    readonly scope: 'booking' | 'phone' | 'hub',
    now: Date,
  ) {
    const seconds = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000));
    super('too_many', 'text_limit', `Hubkey has sent as many texts ${scope === 'booking' ? 'about this booking' : scope === 'phone' ? 'to this phone number' : 'for this hub'} as it sends in a day; try again after ${retryAt.toISOString()}`, {
      retryAt: retryAt.toISOString(),
      retryAfterSeconds: seconds,
      limit: scope,
    });
  }
}

/** A message to queue; `secret` (an invitation's token) is kept encrypted and replaces SECRET_PLACEHOLDER only when sent. */
export type OutgoingText = NewOutboxRow & { secret?: string };

export interface EnqueueOptions {
  /**
   * For the limited kinds, when a limit is reached: `refuse` throws TextLimitError (nothing is
   * queued; in a transaction, nothing else is kept either); `defer` queues the text to go when the
   * limit allows (the change that caused it still happens).
   */
  overLimit?: 'refuse' | 'defer';
}

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
  /**
   * renderBody for a claimed batch at once (one read of its codes), by outbox row id; undefined for
   * a row whose code is gone or unreadable. Without it, each row is rendered by renderBody.
   */
  renderBodies?: (rows: OutboxRow[]) => Promise<Map<string, string | undefined>>;
  /** Told what became of a message that carries a door code (accepted, delivered, undelivered, failed). */
  onDelivery?: (row: OutboxRow, report: DeliveryReport) => Promise<void>;
  /**
   * onDelivery's `accepted` for all the code-carrying texts of a sent batch at once (one statement),
   * told after the batch; without it, onDelivery is told after each text.
   */
  onAccepted?: (rows: OutboxRow[], at: Date) => Promise<void>;
  /** Encrypts and decrypts a text's secret (the code cipher). */
  secrets?: { encrypt(plain: string): string; decrypt(token: string): string };
}) {
  const { outbox, sms, clock } = deps;
  const policy: OutboxPolicy = { ...DEFAULT_OUTBOX_POLICY, ...deps.policy };

  /** The text as it goes to the phone: the door code (rendered already, or by renderBody) and the secret rendered in. */
  const render = async (row: OutboxRow, codeRendered?: { body: string | undefined }): Promise<string | undefined> => {
    const body = !row.accessCodeId ? row.body : codeRendered ? codeRendered.body : deps.renderBody ? await deps.renderBody(row) : row.body;
    if (body === undefined || !row.secretCipher) return body;
    if (!deps.secrets) return undefined;
    return body.split(SECRET_PLACEHOLDER).join(deps.secrets.decrypt(row.secretCipher));
  };

  /**
   * The door codes of a claimed batch, rendered with one read (renderBodies). A database that is
   * away is thrown (the rows wait out their lease); any other failure leaves each row to renderBody.
   */
  async function renderCodes(rows: OutboxRow[]): Promise<Map<string, string | undefined> | undefined> {
    const coded = rows.filter((r) => r.accessCodeId);
    if (!coded.length || !deps.renderBodies) return undefined;
    try {
      return await deps.renderBodies(coded);
    } catch (err) {
      if (isDatabaseUnavailable(err)) throw err;
      return undefined;
    }
  }

  /**
   * Whether a limited text may go now: undefined, or when it may (the n-th newest text in the
   * window ageing out frees a place). Reaching the hub's cap alerts its staff once a day.
   */
  async function limitReached(msg: NewOutboxRow, tx?: DbOrTx): Promise<{ retryAt: Date; scope: 'booking' | 'phone' | 'hub' } | undefined> {
    if (!limited.has(msg.kind)) return undefined;
    const now = clock.now();
    const since = new Date(now.getTime() - TEXT_LIMITS.windowMs);
    type Scope = ['booking' | 'phone' | 'hub', Parameters<OutboxRepository['nthNewestSince']>[0], number];
    const scopes: Scope[] = [['phone', { to: msg.to }, TEXT_LIMITS.perPhone]];
    if (msg.bookingId) scopes.unshift(['booking', { bookingId: msg.bookingId }, TEXT_LIMITS.perBooking]);
    if (msg.hubId) scopes.push(['hub', { hubId: msg.hubId }, TEXT_LIMITS.perHub]);
    let worst: { retryAt: Date; scope: 'booking' | 'phone' | 'hub' } | undefined;
    for (const [scope, where, n] of scopes) {
      const nth = await outbox.nthNewestSince(where, LIMITED_KINDS, since, n, tx);
      if (!nth) continue;
      const retryAt = new Date(Math.max(nth.getTime() + TEXT_LIMITS.windowMs, now.getTime() + 1000));
      if (!worst || retryAt > worst.retryAt) worst = { retryAt, scope };
      if (scope === 'hub') {
        await alertStaff(
          msg.hubId!,
          `Hubkey: this hub reached its limit of ${TEXT_LIMITS.perHub} texts a day that people's requests trigger (moves, resends, invitations, replies to OPEN). Further ones wait or are refused until ${retryAt.toISOString().slice(11, 16)} UTC. Check recent moves, resends and OPEN texts.`,
          `text-cap:${msg.hubId}:${now.toISOString().slice(0, 10)}`,
          tx,
        );
      }
    }
    return worst;
  }

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
  async function sendOne(row: OutboxRow, leaseEnds: number, batch?: { codes?: Map<string, string | undefined>; accepted: OutboxRow[] }): Promise<'sent' | 'retry' | 'failed'> {
    const finish = (values: Parameters<OutboxRepository['finish']>[2]) => retryWhileUnavailable(() => outbox.finish(row.id, row.attempts, values), leaseEnds);
    // A code that can no longer be read (gone, or a rotated key) is never sent with the placeholder in.
    // A database that is away while the code is read is not that: the row waits out its lease and is sent later.
    const body = await render(row, batch?.codes ? { body: batch.codes.get(row.id) } : undefined).catch((err: unknown) => {
      if (isDatabaseUnavailable(err)) throw err;
      return undefined;
    });
    if (body === undefined) {
      await finish({ status: 'failed', lastError: row.accessCodeId ? 'the door code this text carried is gone or no longer works' : 'the secret this text carried cannot be read', secretCipher: null });
      return 'failed';
    }
    try {
      const result = await sms.send({ to: row.to, body, masked: maskBody(row.body) });
      await finish({
        status: 'sent',
        providerId: result.providerId,
        providerStatus: result.status,
        sentAt: clock.now(),
        lastError: null,
        secretCipher: null,
      });
      if (row.accessCodeId && batch && deps.onAccepted) batch.accepted.push(row);
      else if (row.accessCodeId) await deps.onDelivery?.(row, { status: 'accepted', at: clock.now() });
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
      await finish({ status: 'failed', lastError: message, secretCipher: null });
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

  /**
   * Queues a text, cut to two SMS segments at most. Returns the row, or undefined when one with
   * the same dedupeKey exists. The limited kinds (TEXT_LIMITS) are deferred past a reached limit,
   * or refused with `overLimit: 'refuse'`.
   */
  async function enqueue(msg: OutgoingText, tx?: DbOrTx, opts: EnqueueOptions = {}) {
    const { secret, ...row } = msg;
    const body = fitBody(row.body);
    if (secret !== undefined && !deps.secrets) throw new Error('outbox: a text with a secret needs the secrets cipher');
    const secretCipher = secret !== undefined ? deps.secrets!.encrypt(secret) : undefined;
    const insert = (t: DbOrTx | undefined, over?: { retryAt: Date }) =>
      outbox.enqueue({ ...row, body, ...(secretCipher ? { secretCipher } : {}) }, clock.now(), t, over?.retryAt);
    if (!limited.has(row.kind)) return insert(tx);
    // Counted and queued under one lock per hub (per phone for a text of no hub), so two
    // requests at once cannot both take a limit's last place.
    return outbox.withLimitLock(row.hubId ?? row.to, tx, async (t) => {
      const over = await limitReached(row, t);
      if (over && opts.overLimit === 'refuse') throw new TextLimitError(over.retryAt, over.scope, clock.now());
      return insert(t, over);
    });
  }

  return {
    policy,
    enqueue,

    /**
     * Queues many texts at once (a batch of door codes): one statement for those of kinds without
     * limits; a limited kind, or one with a secret, goes through enqueue one by one. Returns how many were queued.
     */
    async enqueueMany(msgs: OutgoingText[], tx?: DbOrTx): Promise<number> {
      const plain: NewOutboxRow[] = [];
      let n = 0;
      for (const msg of msgs) {
        if (limited.has(msg.kind) || msg.secret !== undefined) {
          if (await enqueue(msg, tx)) n++;
        } else {
          plain.push({ ...msg, body: fitBody(msg.body) });
        }
      }
      return n + (await outbox.enqueueMany(plain, clock.now(), tx)).length;
    },

    /** Whether a limited text of this kind could be queued now (for requests that check before they change anything). */
    async checkLimit(msg: Pick<NewOutboxRow, 'kind' | 'to' | 'hubId' | 'bookingId' | 'body'>, tx?: DbOrTx) {
      const over = await limitReached(msg as NewOutboxRow, tx);
      if (over) throw new TextLimitError(over.retryAt, over.scope, clock.now());
    },

    alertStaff,
    render,

    /** A queued text that must no longer go (see the repository's withdraw): true when it was still waiting. */
    withdraw: (dedupeKey: string, reason: string, tx?: DbOrTx) => outbox.withdraw(dedupeKey, reason, tx),

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
        const batchState = { codes: await renderCodes(rows), accepted: [] as OutboxRow[] };
        try {
          for (const row of rows) if ((await sendOne(row, leaseEnds, batchState)) === 'sent') sent++;
        } finally {
          // The texts the provider took are recorded on their codes even when a later one threw.
          if (batchState.accepted.length) await deps.onAccepted!(batchState.accepted, clock.now());
        }
      }
      return sent;
    },

    list: outbox.list,
    get: outbox.get,
  };
}
export type OutboxService = ReturnType<typeof createOutboxService>;
