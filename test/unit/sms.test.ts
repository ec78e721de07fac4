import {
  createLogSms,
  createTwilioSms,
  PermanentSendError,
  TransientSendError,
  twilioSignature,
  validateTwilioSignature,
  type SmsSender,
} from '../../src/adapters/sms/sms';
import { startFakeTwilio, type FakeTwilio } from '../fakes/fake-twilio';

const FROM = '+447700900001';
const TO = '+447700900123';

describe('createLogSms', () => {
  it('sends nothing and returns a log id', async () => {
    const sms = createLogSms();
    const a = await sms.send({ to: TO, body: 'Your code is 482913' });
    const b = await sms.send({ to: TO, body: 'Your code is 482913' });
    expect(a.status).toBe('logged');
    expect(a.providerId).toMatch(/^log-[0-9a-f-]{36}$/);
    expect(b.providerId).not.toBe(a.providerId);
  });

  it('logs each text it would send, masked, with the number partly hidden; never the rendered body', async () => {
    const lines: Array<{ obj: object; msg: string }> = [];
    const sms = createLogSms({ info: (obj, msg) => lines.push({ obj, msg }) });
    await sms.send({ to: '+447700900123', body: 'Door code for Hall: 482913. Works...', masked: 'Door code for Hall: ••••. Works...' });
    await sms.send({ to: '+447700900123', body: 'Your code is 482913' });
    expect(lines).toEqual([
      { obj: { sms: { to: '+44770•••0123', text: 'Door code for Hall: ••••. Works...' } }, msg: 'text (SMS_PROVIDER=log: not sent)' },
      { obj: { sms: { to: '+44770•••0123', text: '(text not shown: it was given unmasked)' } }, msg: 'text (SMS_PROVIDER=log: not sent)' },
    ]);
    expect(JSON.stringify(lines)).not.toContain('482913');
  });
});

describe('createTwilioSms against the fake Twilio', () => {
  let twilio: FakeTwilio;
  let sms: SmsSender;

  beforeEach(async () => {
    twilio = await startFakeTwilio();
    sms = createTwilioSms({ accountSid: twilio.accountSid, authToken: twilio.authToken, from: FROM, apiBase: twilio.url });
  });
  afterEach(() => twilio.close());

  it('posts To/From/Body with Basic auth and returns the sid and status', async () => {
    const res = await sms.send({ to: TO, body: 'Your Hubkey code for Main Hall is 482913 & works from 09:45' });
    expect(res.providerId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(res.status).toBe('queued');
    expect(twilio.messages).toHaveLength(1);
    expect(twilio.messages[0]).toMatchObject({
      sid: res.providerId,
      to: TO,
      from: FROM,
      body: 'Your Hubkey code for Main Hall is 482913 & works from 09:45',
    });
  });

  it('accepts an apiBase with a trailing slash', async () => {
    const s = createTwilioSms({ accountSid: twilio.accountSid, authToken: twilio.authToken, from: FROM, apiBase: `${twilio.url}/` });
    await expect(s.send({ to: TO, body: 'hi' })).resolves.toMatchObject({ status: 'queued' });
  });

  it('sends a Messaging Service sid as MessagingServiceSid', async () => {
    const mg = 'MG' + '0123456789abcdef'.repeat(2);
    const s = createTwilioSms({ accountSid: twilio.accountSid, authToken: twilio.authToken, from: mg, apiBase: twilio.url });
    await s.send({ to: TO, body: 'hi' });
    expect(twilio.messages[0]).toMatchObject({ from: null, messagingServiceSid: mg });
  });

  it('maps a 400 (invalid To number) to PermanentSendError with Twilio\'s code', async () => {
    const err = await sms.send({ to: '07700 900123', body: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentSendError);
    expect(err).toMatchObject({ status: 400, providerCode: 21211, retryable: false });
    expect(twilio.messages).toHaveLength(0);
  });

  it('maps wrong credentials (401) to PermanentSendError', async () => {
    const s = createTwilioSms({ accountSid: twilio.accountSid, authToken: 'wrong', from: FROM, apiBase: twilio.url });
    const err = await s.send({ to: TO, body: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentSendError);
    expect(err).toMatchObject({ status: 401, providerCode: 20003 });
  });

  it('maps a 500 to TransientSendError, then succeeds on retry', async () => {
    twilio.failWith(500, 1);
    const err = await sms.send({ to: TO, body: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientSendError);
    expect(err).toMatchObject({ status: 500, retryable: true });
    await expect(sms.send({ to: TO, body: 'hi' })).resolves.toMatchObject({ status: 'queued' });
    expect(twilio.messages).toHaveLength(1);
  });

  it('maps 503 and 429 to TransientSendError', async () => {
    twilio.failWith(503, 1);
    await expect(sms.send({ to: TO, body: 'hi' })).rejects.toBeInstanceOf(TransientSendError);
    twilio.failWith(429, 1);
    await expect(sms.send({ to: TO, body: 'hi' })).rejects.toBeInstanceOf(TransientSendError);
  });

  it('maps a dropped connection to TransientSendError', async () => {
    twilio.failWith(0, 1);
    await expect(sms.send({ to: TO, body: 'hi' })).rejects.toBeInstanceOf(TransientSendError);
  });

  it('maps a timeout to TransientSendError', async () => {
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      });
    const s = createTwilioSms({ accountSid: 'AC1', authToken: 't', from: FROM, apiBase: twilio.url, timeoutMs: 20, fetch: hanging });
    await expect(s.send({ to: TO, body: 'hi' })).rejects.toBeInstanceOf(TransientSendError);
  });

  it('honours failNext given at start', async () => {
    const t2 = await startFakeTwilio({ failNext: { status: 502, times: 2 } });
    try {
      const s = createTwilioSms({ accountSid: t2.accountSid, authToken: t2.authToken, from: FROM, apiBase: t2.url });
      await expect(s.send({ to: TO, body: 'a' })).rejects.toBeInstanceOf(TransientSendError);
      await expect(s.send({ to: TO, body: 'a' })).rejects.toBeInstanceOf(TransientSendError);
      await expect(s.send({ to: TO, body: 'a' })).resolves.toMatchObject({ status: 'queued' });
      expect(t2.requestCount()).toBe(3);
    } finally {
      await t2.close();
    }
  });
});

describe('Twilio webhook signatures', () => {
  // The example in Twilio's request-validation docs and helper-library snippets.
  const authToken = '12345';
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675309',
    Digits: '1234',
    From: '+14158675309',
    To: '+18005551212',
  };

  it("reproduces Twilio's documented signatures", () => {
    expect(twilioSignature({ authToken, url, params })).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    const params2 = { ...params, Caller: '+14158675310', From: '+14158675310' };
    expect(twilioSignature({ authToken, url, params: params2 })).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=');
  });

  it('accepts the documented signature whatever order the params arrive in', () => {
    const shuffled = { To: params.To, Digits: params.Digits, From: params.From, CallSid: params.CallSid, Caller: params.Caller };
    expect(validateTwilioSignature({ authToken, url, params: shuffled, signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' })).toBe(true);
  });

  it('rejects a changed param, URL, token, or signature', () => {
    const sig = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';
    expect(validateTwilioSignature({ authToken, url, params: { ...params, Digits: '1235' }, signature: sig })).toBe(false);
    expect(validateTwilioSignature({ authToken, url: url.replace('foo=1', 'foo=2'), params, signature: sig })).toBe(false);
    expect(validateTwilioSignature({ authToken: '54321', url, params, signature: sig })).toBe(false);
    expect(validateTwilioSignature({ authToken, url, params, signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8' })).toBe(false);
    expect(validateTwilioSignature({ authToken, url, params, signature: '' })).toBe(false);
    expect(validateTwilioSignature({ authToken, url, params, signature: undefined })).toBe(false);
  });

  it('round-trips an inbound "CODE" text signed with twilioSignature', () => {
    const inbound = { From: TO, To: FROM, Body: 'CODE', MessageSid: 'SM' + 'b'.repeat(32) };
    const hookUrl = 'https://hubkey.example.org/webhooks/sms';
    const signature = twilioSignature({ authToken: 'tok', url: hookUrl, params: inbound });
    expect(validateTwilioSignature({ authToken: 'tok', url: hookUrl, params: inbound, signature })).toBe(true);
    expect(validateTwilioSignature({ authToken: 'tok', url: hookUrl, params: {}, signature })).toBe(false);
  });
});
