import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeHub, makeUser, addRole, makeOrg } from '../helpers/factories';
import { eq, like } from 'drizzle-orm';
import { randomBytes, randomUUID, scryptSync } from 'node:crypto';
import { users } from '../../src/db/schema';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const email = () => `reg-${randomUUID().slice(0, 8)}@Test.example`;

describe('POST /auth/register', () => {
  it('creates an account and returns a token that works on /me', async () => {
    const e = email();
    const res = await t.http.post('/auth/register').send({ email: e, password: 'long enough pw', name: 'Rita', phone: '+447700900321' });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: e, name: 'Rita', phone: '+447700900321' });
    expect(res.body.user.passwordHash).toBeUndefined();
    const me = await t.http.get('/me').set('Authorization', `Bearer ${res.body.token}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: e, isAdmin: false, roles: [], organisations: [] });
  });

  it('refuses a second account with the same email, whatever its case', async () => {
    const e = email();
    expect((await t.http.post('/auth/register').send({ email: e, password: 'long enough pw', name: 'A' })).status).toBe(201);
    const res = await t.http.post('/auth/register').send({ email: e.toLowerCase(), password: 'long enough pw', name: 'B' });
    expectProblem(res, 409, 'email_taken');
  });

  it.each([
    [{ email: 'not-an-email', password: 'long enough pw', name: 'A' }, 'body.email'],
    [{ email: 'a@b.example', password: 'short', name: 'A' }, 'body.password'],
    [{ email: 'a@b.example', password: 'long enough pw', name: '' }, 'body.name'],
    [{ email: 'a@b.example', password: 'long enough pw', name: 'A', phone: '07700' }, 'body.phone'],
    [{ password: 'long enough pw', name: 'A' }, 'body.email'],
  ])('refuses bad input %# with the field at fault', async (body, path) => {
    const res = await t.http.post('/auth/register').send(body);
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it.each([
    ['ten spaces', ' '.repeat(10)],
    ['a common password', 'password1'],
    ['a common password in capitals', 'QWERTYUIOP'],
    ['seven characters', 'plumkit'],
  ])('refuses %s as a password, creating no account', async (_label, password) => {
    const e = email();
    const res = await t.http.post('/auth/register').send({ email: e, password, name: 'Rita' });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((x: { path: string }) => x.path)).toContain('body.password');
    expectProblem(await t.http.post('/auth/login').send({ email: e, password }), 401, 'invalid_credentials');
  });

  it('accepts eight characters with no composition rules, and a long passphrase', async () => {
    expect((await t.http.post('/auth/register').send({ email: email(), password: 'plumkite', name: 'P' })).status).toBe(201);
    expect((await t.http.post('/auth/register').send({ email: email(), password: 'a quiet harbour lane at dusk '.repeat(4), name: 'Q' })).status).toBe(201);
  });

  it('answers malformed JSON with a 400 problem, not a 500', async () => {
    const res = await t.http.post('/auth/register').set('content-type', 'application/json').send('{"email":');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });
});

describe('POST /auth/login', () => {
  it('re-hashes a password stored with older scrypt parameters at the next sign-in', async () => {
    const salt = randomBytes(16);
    const old = `scrypt$16384$8$1$${salt.toString('base64url')}$${scryptSync('an old password', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')}`;
    const e = email();
    const [u] = await t.container.database.db.insert(users).values({ email: e, name: 'Old', passwordHash: old }).returning();
    expectProblem(await t.http.post('/auth/login').send({ email: e, password: 'wrong password' }), 401, 'invalid_credentials');
    const still = await t.container.database.db.select().from(users).where(eq(users.id, u.id));
    expect(still[0].passwordHash).toBe(old);
    expect((await t.http.post('/auth/login').send({ email: e, password: 'an old password' })).status).toBe(200);
    const [after] = await t.container.database.db.select().from(users).where(eq(users.id, u.id));
    expect(after.passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect((await t.http.post('/auth/login').send({ email: e, password: 'an old password' })).status).toBe(200);
  });

  it('logs in with the right password and not with a wrong one', async () => {
    const e = email();
    await t.http.post('/auth/register').send({ email: e, password: 'long enough pw', name: 'L' });
    const ok = await t.http.post('/auth/login').send({ email: e.toUpperCase(), password: 'long enough pw' });
    expect(ok.status).toBe(200);
    expect(typeof ok.body.token).toBe('string');
    expectProblem(await t.http.post('/auth/login').send({ email: e, password: 'wrong password' }), 401, 'invalid_credentials');
    expectProblem(await t.http.post('/auth/login').send({ email: 'nobody@x.example', password: 'whatever pw' }), 401, 'invalid_credentials');
  });
});

describe('GET /me', () => {
  it('lists roles per hub and organisations with their tier', async () => {
    const u = await makeUser(t);
    const hub = await makeHub(t);
    await addRole(t, hub.id, u.id, 'staff');
    const org = await makeOrg(t, [u.id], { claimedTier: 'community' });
    const res = await t.http.get('/me').set(u.auth);
    expect(res.status).toBe(200);
    expect(res.body.roles).toEqual([{ hubId: hub.id, role: 'staff' }]);
    expect(res.body.organisations).toEqual([{ id: org.id, name: org.name, tier: 'community', claimedTier: 'community', verified: false }]);
  });

  it('refuses no token, a bad token and an expired one', async () => {
    expectProblem(await t.http.get('/me'), 401, 'unauthenticated');
    expectProblem(await t.http.get('/me').set('Authorization', 'Bearer nonsense'), 401, 'unauthenticated');
    const u = await makeUser(t);
    const expired = t.app.jwt.sign({ sub: u.id }, { expiresIn: -10 } as never);
    expectProblem(await t.http.get('/me').set('Authorization', `Bearer ${expired}`), 401, 'unauthenticated');
    const forged = t.app.jwt.sign({ sub: randomUUID() });
    expectProblem(await t.http.get('/me').set('Authorization', `Bearer ${forged}`), 401, 'unauthenticated');
  });
});

describe('login rate limit', () => {
  it('answers 429 problem+json once the limit is passed', async () => {
    const limited = await createTestApp({ env: { LOGIN_RATE_LIMIT: '3' } });
    try {
      for (let i = 0; i < 3; i++) expect((await limited.http.post('/auth/login').send({ email: 'x@y.example', password: 'nope nope' })).status).toBe(401);
      expectProblem(await limited.http.post('/auth/login').send({ email: 'x@y.example', password: 'nope nope' }), 429, 'rate_limited');
    } finally {
      await limited.close();
    }
  });
});

describe('register rate limit', () => {
  it('limits registering per client like signing in, so testing which emails have an account is slow (docs/security.md)', async () => {
    const limited = await createTestApp({ env: { LOGIN_RATE_LIMIT: '3' } });
    try {
      const body = (email: string) => ({ email, password: 'a fine long password', name: 'Probe' });
      const taken = `taken-${Date.now()}@example.org`;
      expect((await limited.http.post('/auth/register').send(body(taken))).status).toBe(201);
      expectProblem(await limited.http.post('/auth/register').send(body(taken)), 409, 'email_taken');
      expectProblem(await limited.http.post('/auth/register').send({ email: 'not-an-email', password: 'x', name: '' }), 400, 'validation_failed');
      // The fourth call from this client in the minute: refused before anything is looked up.
      const fourth = await limited.http.post('/auth/register').send(body(`new-${taken}`));
      expectProblem(fourth, 429, 'rate_limited');
      expect(fourth.headers['retry-after']).toBeDefined();
      const rows = await limited.container.database.db.select({ email: users.email }).from(users).where(like(users.email, `%${taken}`));
      expect(rows.map((u) => u.email)).toEqual([taken]);
      // Signing in has its own allowance.
      expect((await limited.http.post('/auth/login').send({ email: taken, password: 'a fine long password' })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('service routes', () => {
  it('answers /health, /ready and the OpenAPI document', async () => {
    expect((await t.http.get('/health')).body).toEqual({ status: 'ok' });
    const ready = await t.http.get('/ready');
    expect(ready.status).toBe(200);
    expect(['pglite', 'postgres']).toContain(ready.body.database);
    const doc = await t.http.get('/docs/json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/bookings', '/rooms/{roomId}/availability', '/search/rooms', '/auth/login']));
  });
  it('answers an unknown route with a 404 problem', async () => {
    expectProblem(await t.http.get('/nope'), 404, 'route_not_found');
  });
});
