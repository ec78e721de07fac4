import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema';
import { createLogger, scrubError, scrubUrl } from '../../src/lib/logger';
import { createTestApp, type TestApp } from '../helpers/app';
import { makeOrg, makeWorld } from '../helpers/factories';

/**
 * "No secret, hash, code or token reaches a log line": the app logs at trace level into memory
 * while people register, fail and succeed to sign in, use their tokens, get a door code and open
 * a door with it; then the captured log is searched for every secret that passed through.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});
const JWT_SECRET = 'log-test-jwt-secret-that-is-long-enough-0123456789';
const ACCESS_CODE_KEY = 'ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100';

beforeAll(async () => {
  t = await createTestApp({ log: true, env: { JWT_SECRET, ACCESS_CODE_KEY, LOG_LEVEL: 'trace' }, overrides: { logger: createLogger('trace', sink) } });
  w = await makeWorld(t);
});
afterAll(() => t.close());

describe('the captured log of register, sign-in and door codes', () => {
  it('holds none of the secrets that passed through', async () => {
    const secrets: string[] = [JWT_SECRET, ACCESS_CODE_KEY];
    const email = `log-${Date.now()}@test.example`;
    const password = 'a secret phrase for the log test';
    secrets.push(password);

    // Register: refused (common password, NUL byte), accepted, then taken.
    await t.http.post('/auth/register').send({ email, password: 'password1', name: 'Logan' });
    await t.http.post('/auth/register').send({ email, password: `${password}\u0000`, name: 'Logan' });
    const reg = await t.http.post('/auth/register').send({ email, password, name: 'Logan', phone: '+447700900777' });
    expect(reg.status).toBe(201);
    secrets.push(reg.body.token);
    await t.http.post('/auth/register').send({ email, password, name: 'Logan again' });
    const [row] = await t.container.database.db.select().from(users).where(eq(users.email, email));
    secrets.push(row.passwordHash, row.passwordHash.split('$')[5]);

    // Sign in: wrong, right; the token in a header and (wrongly, by a client) in a query string.
    await t.http.post('/auth/login').send({ email, password: 'not the right phrase' });
    const login = await t.http.post('/auth/login').send({ email, password });
    expect(login.status).toBe(200);
    secrets.push(login.body.token);
    await t.http.get('/me').set('Authorization', `Bearer ${login.body.token}`);
    await t.http.get(`/me?token=${login.body.token}&access_token=${login.body.token}`);
    await t.http.get('/me').set('Authorization', 'Bearer not.a.token');

    // A door, its device key, a booking inside the code window, its code, and a keypad check.
    const door = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Front', provider: 'keypad', roomIds: [w.room.id] });
    expect(door.status).toBe(201);
    secrets.push(door.body.deviceKey);
    const org = await makeOrg(t, [w.hirer.id], { paysByInvoice: true });
    const booking = await t.http
      .post('/bookings')
      .set(w.hirer.auth)
      .send({ roomId: w.room.id, organisationId: org.id, startsAt: '2026-03-02T12:00:00Z', endsAt: '2026-03-02T13:00:00Z', title: 'Choir', attendees: 4, contactPhone: '+447700900778' });
    expect(booking.status).toBe(201);
    const messages = await t.container.services.outbox.list({ to: '+447700900778' });
    // Code texts are stored with a placeholder and rendered from the encrypted code only to send.
    const bodies = await Promise.all(messages.map((m) => t.container.services.outbox.render(m)));
    const code = bodies.map((b) => /: (\d{4,12})\. Works/.exec(b ?? '')?.[1]).find(Boolean);
    expect(code).toBeDefined();
    secrets.push(code!);
    await t.http.get(`/bookings/${booking.body.id}/access`).set(w.hirer.auth);
    await t.http.post(`/doors/${door.body.id}/verify`).set('X-Device-Key', door.body.deviceKey).send({ code });
    await t.http.post(`/doors/${door.body.id}/verify`).set('X-Device-Key', door.body.deviceKey).send({ code: '000000' });
    await t.http.post(`/doors/${door.body.id}/verify?code=${code}`).set('X-Device-Key', 'wrong').send({ code });

    // An invitation: its link's token travels in the path of the accept request.
    const inv = await t.http.post(`/hubs/${w.hub.id}/invitations`).set(w.staff.auth).send({ email: `inv-${email}`, role: 'volunteer' });
    expect(inv.status).toBe(201);
    const invToken = inv.body.link.split('/').pop();
    secrets.push(invToken);
    const accepted = await t.http.post(`/invitations/${invToken}/accept`).send({ password: 'another secret phrase here', name: 'Ivy' });
    expect(accepted.status).toBe(200);
    secrets.push('another secret phrase here', accepted.body.token);

    const log = lines.join('\n');
    // The log did capture the requests (so the search below searched something).
    expect(lines.length).toBeGreaterThan(20);
    expect(log).toContain('/auth/login');
    expect(log).toContain('/verify');
    expect(log).toContain('/invitations/[REDACTED]/accept');
    const found = secrets.filter((s) => s && log.includes(s));
    expect(found).toEqual([]);
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/); // no JWT at all
    expect(log).not.toMatch(/scrypt\$/);
  });
});

describe('scrubbing', () => {
  it.each([
    ['/me?token=abc&x=1', '/me?token=[REDACTED]&x=1'],
    ['/a?access_token=abc&code=123456&key=k&password=p&Signature=s', '/a?access_token=[REDACTED]&code=[REDACTED]&key=[REDACTED]&password=[REDACTED]&Signature=[REDACTED]'],
    ['/invitations/Zm9vYmFyYmF6cXV4cXV1eHh5enp5/accept', '/invitations/[REDACTED]/accept'],
    ['/bookings/5f0c4a53-8b5d-4a51-9d4e-3a6c0b1f2e77/move', '/bookings/5f0c4a53-8b5d-4a51-9d4e-3a6c0b1f2e77/move'],
    ['/search/rooms?startsAt=2026-03-01T10:00:00Z&capacity=4', '/search/rooms?startsAt=2026-03-01T10:00:00Z&capacity=4'],
    ['/health', '/health'],
  ])('scrubUrl(%s)', (url, want) => expect(scrubUrl(url)).toBe(want));

  it('cuts a failed query’s parameters (a password hash, say) from the message and stack', () => {
    const err = new Error('Failed query: insert into "users" ("email", "password_hash") values ($1, $2)\nparams: a@b.c,scrypt$131072$8$1$salt$hash');
    err.stack = `${err.message}\n    at insert (db.ts:1:1)`;
    (err as Error & { cause?: unknown }).cause = Object.assign(new Error('duplicate key'), { code: '23505', detail: 'Key (email)=(a@b.c) already exists.' });
    const out = JSON.stringify(scrubError(err));
    expect(out).not.toContain('scrypt$');
    expect(out).not.toContain('a@b.c');
    expect(out).toContain('Failed query: insert into');
    expect(out).toContain('23505');
  });
});
