/**
 * A local stand-in for Twilio's Messages API: POST /2010-04-01/Accounts/{sid}/Messages.json with a
 * form body and Basic auth, answering 201 with a message resource, or Twilio-shaped errors.
 * Listens on 127.0.0.1 on a free port.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface FakeTwilioMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  /** Where Twilio would post this message's delivery reports (StatusCallback), if asked to. */
  statusCallback: string | null;
  receivedAt: Date;
}

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  /** Fail the first requests: status 0 drops the connection (a network error). */
  failNext?: { status: number; times?: number };
}

export interface FakeTwilio {
  /** Base URL to pass as apiBase, e.g. http://127.0.0.1:41234 */
  url: string;
  accountSid: string;
  authToken: string;
  /** Messages accepted, in order. */
  messages: FakeTwilioMessage[];
  /** Every request seen, accepted or not. */
  requestCount(): number;
  /** Answer the next `times` requests with `status` (0 = drop the connection). */
  failWith(status: number, times?: number): void;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{6,14}$/;

function twilioError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeTwilio(opts: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const accountSid = opts.accountSid ?? 'AC' + 'a'.repeat(32);
  const authToken = opts.authToken ?? 'fake-auth-token';
  const messages: FakeTwilioMessage[] = [];
  let failing = opts.failNext ? { status: opts.failNext.status, times: opts.failNext.times ?? 1 } : null;
  let requests = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) twilioError(res, 500, 20500, 'Internal Server Error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requests++;
    const body = await readBody(req);

    if (failing && failing.times > 0) {
      const { status } = failing;
      failing.times--;
      if (failing.times === 0) failing = null;
      if (status === 0) {
        req.socket.destroy();
        return;
      }
      twilioError(res, status, status >= 500 ? 20500 : 20001, `Simulated failure ${status}`);
      return;
    }

    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (!m) return twilioError(res, 404, 20404, 'The requested resource was not found');
    if (req.method !== 'POST') return twilioError(res, 405, 20004, 'Method not allowed');

    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected || decodeURIComponent(m[1]) !== accountSid) {
      return twilioError(res, 401, 20003, 'Authenticate');
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return twilioError(res, 400, 21609, 'Expected a form-encoded body');
    }

    const form = new URLSearchParams(body);
    const to = form.get('To');
    const from = form.get('From');
    const mss = form.get('MessagingServiceSid');
    const text = form.get('Body');
    if (!to) return twilioError(res, 400, 21604, "A 'To' phone number is required.");
    if (!E164.test(to)) return twilioError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!from && !mss) return twilioError(res, 400, 21603, "A 'From' phone number is required.");
    if (!text) return twilioError(res, 400, 21602, 'Message body is required.');
    if (text.length > 1600) return twilioError(res, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');

    const sid = 'SM' + randomBytes(16).toString('hex');
    messages.push({ sid, accountSid, to, from, messagingServiceSid: mss, body: text, statusCallback: form.get('StatusCallback'), receivedAt: new Date() });
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        sid,
        account_sid: accountSid,
        status: 'queued',
        to,
        from,
        messaging_service_sid: mss,
        body: text,
        num_segments: String(Math.ceil(text.length / 153) || 1),
        date_created: new Date().toUTCString(),
        error_code: null,
        error_message: null,
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      }),
    );
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    messages,
    requestCount: () => requests,
    failWith(status: number, times = 1) {
      failing = { status, times };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
