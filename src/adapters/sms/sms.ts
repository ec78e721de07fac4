/**
 * Outgoing SMS. The outbox worker calls `send` and decides from the error class whether to retry:
 * TransientSendError (5xx, 429, timeouts, network) may succeed later; PermanentSendError (other 4xx:
 * bad number, bad credentials) never will, so the row is marked failed.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export interface SmsMessage {
  /** E.164, e.g. +447700900123. */
  to: string;
  body: string;
  /** The same text with door codes and secrets masked: what may be shown or logged. */
  masked?: string;
}

export interface SmsResult {
  /** The provider's id for the message (Twilio's SM… sid). */
  providerId: string;
  /** The provider's status at acceptance (Twilio: queued/accepted/sending…; log: logged). */
  status: string;
}

export interface SmsSender {
  send(msg: SmsMessage): Promise<SmsResult>;
}

abstract class SendError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    /** HTTP status, when the provider answered. */
    readonly status?: number,
    /** The provider's error code (Twilio's numeric code, e.g. 21211 invalid To). */
    readonly providerCode?: number | string,
  ) {
    super(message);
  }
}

/** Will never succeed as sent: do not retry. */
export class PermanentSendError extends SendError {
  readonly retryable = false;
  override name = 'PermanentSendError';
}

/** May succeed if tried again later. */
export class TransientSendError extends SendError {
  readonly retryable = true;
  override name = 'TransientSendError';
}

/** A phone number with its middle hidden, for logs: +44770•••0123. */
export const maskPhone = (to: string) => (to.length > 8 ? `${to.slice(0, 6)}•••${to.slice(-4)}` : '•••');

/**
 * Sends nothing: logs each text it would have sent (codes and secrets masked, the number partly
 * hidden), so a person trying the demo sees them. For development and tests.
 */
export function createLogSms(logger?: { info(obj: object, msg: string): void }): SmsSender {
  return {
    async send(msg: SmsMessage) {
      const providerId = `log-${randomUUID()}`;
      logger?.info({ sms: { to: maskPhone(msg.to), text: msg.masked ?? '(text not shown: it was given unmasked)' } }, 'text (SMS_PROVIDER=log: not sent)');
      return { providerId, status: 'logged' };
    },
  };
}

export interface TwilioSmsOptions {
  accountSid: string;
  authToken: string;
  /** A sender number in E.164, or a Messaging Service sid (MG…), sent as MessagingServiceSid. */
  from: string;
  /** Default https://api.twilio.com; tests point it at the fake. */
  apiBase?: string;
  /** Abort a request after this long (default 10 s); a timeout is transient. */
  timeoutMs?: number;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Where Twilio posts delivery reports (StatusCallback): queued, sent, delivered, undelivered, failed. */
  statusCallback?: string;
}

/** Statuses that are 4xx but worth retrying: request timeout and rate limiting. */
const RETRYABLE_4XX = new Set([408, 429]);

export function createTwilioSms(opts: TwilioSmsOptions): SmsSender {
  const { accountSid, authToken, from, apiBase = 'https://api.twilio.com', timeoutMs = 10_000 } = opts;
  const doFetch = opts.fetch ?? fetch;
  const url = `${apiBase.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
  const auth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const fromParam = /^MG[0-9a-fA-F]{32}$/.test(from) ? 'MessagingServiceSid' : 'From';

  return {
    async send(msg: SmsMessage): Promise<SmsResult> {
      const form = new URLSearchParams({ To: msg.to, [fromParam]: from, Body: msg.body, ...(opts.statusCallback ? { StatusCallback: opts.statusCallback } : {}) });
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: {
            authorization: auth,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: form.toString(),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new TransientSendError(`Twilio unreachable: ${(err as Error).message}`);
      }

      const text = await res.text().catch(() => '');
      let json: Record<string, unknown> = {};
      try {
        json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        // Not JSON (a proxy's error page): leave json empty and go by the status.
      }

      if (res.ok) {
        if (typeof json.sid !== 'string') {
          // Accepted but unreadable: retrying could send twice, so this is not retryable.
          throw new PermanentSendError('Twilio accepted the message but returned no sid', res.status);
        }
        return { providerId: json.sid, status: typeof json.status === 'string' ? json.status : 'queued' };
      }

      const detail = typeof json.message === 'string' ? json.message : res.statusText || 'error';
      const code = typeof json.code === 'number' || typeof json.code === 'string' ? json.code : undefined;
      const message = `Twilio ${res.status}${code !== undefined ? ` (${code})` : ''}: ${detail}`;
      if (res.status >= 500 || RETRYABLE_4XX.has(res.status)) throw new TransientSendError(message, res.status, code);
      throw new PermanentSendError(message, res.status, code);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Inbound webhook signatures (X-Twilio-Signature)

export interface TwilioSignatureInput {
  authToken: string;
  /** The full URL Twilio requested, exactly as configured in Twilio (scheme, host, path, query). */
  url: string;
  /** The form-encoded POST parameters (empty for GET). */
  params: Record<string, string>;
}

/**
 * Twilio's documented algorithm: the URL, then each POST parameter's name and value appended in
 * order of name, HMAC-SHA1 with the auth token, base64.
 */
export function twilioSignature({ authToken, url, params }: TwilioSignatureInput): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Whether `signature` (the X-Twilio-Signature header) is right for this request; constant-time. */
export function validateTwilioSignature(input: TwilioSignatureInput & { signature: string | undefined | null }): boolean {
  const { signature } = input;
  if (typeof signature !== 'string' || signature.length === 0) return false;
  const expected = Buffer.from(twilioSignature(input), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
