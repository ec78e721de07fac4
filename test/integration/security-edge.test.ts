import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import { authPlugin } from '../../src/http/auth';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeWorld, PASSWORD } from '../helpers/factories';

/**
 * The edge every route shares: security headers, no caching of answers, NUL bytes refused,
 * tokens whose subject is not a user id refused, and authentication before validation.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let doc: { paths: Record<string, Record<string, { security?: unknown[] }>> };
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
  doc = (await t.http.get('/docs/json')).body;
});
afterAll(() => t.close());

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
const call = (method: string, url: string) => (t.http as unknown as Record<Method, (u: string) => import('supertest').Test>)[method as Method](url);
const routes = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op, url: path.replace(/\{[^}]+\}/g, w.hub.id) })),
  );

describe('security headers', () => {
  it('sends a same-origin CSP, nosniff and no framing on API answers and errors alike, and no HSTS outside production', async () => {
    for (const res of [await t.http.get('/health'), await t.http.get('/nope'), await t.http.post('/auth/login').send({})]) {
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('marks answers carrying tokens and personal data no-store', async () => {
    const login = await t.http.post('/auth/login').send({ email: w.hirer.email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.headers['cache-control']).toBe('no-store');
    expect((await t.http.get('/me').set(w.hirer.auth)).headers['cache-control']).toBe('no-store');
    expect((await t.http.get(`/organisations/${w.org.id}`).set(w.hirer.auth)).headers['cache-control']).toBe('no-store');
  });

  it('in production sends HSTS and turns /docs off (DOCS_ENABLED can turn it back on)', async () => {
    const prod = { NODE_ENV: 'production', DATABASE_URL: 'postgres://unused@127.0.0.1:5432/unused' };
    const p = await createTestApp({ env: prod });
    try {
      const health = await p.http.get('/health');
      expect(health.headers['strict-transport-security']).toMatch(/max-age=31536000/);
      expectProblem(await p.http.get('/docs/json'), 404, 'route_not_found');
      expectProblem(await p.http.get('/docs'), 404, 'route_not_found');
    } finally {
      await p.close();
    }
    const on = await createTestApp({ env: { ...prod, DOCS_ENABLED: 'true' } });
    try {
      expect((await on.http.get('/docs/json')).status).toBe(200);
    } finally {
      await on.close();
    }
  });
});

describe('NUL bytes', () => {
  it('are refused with 400 on register and login, and nothing is created', async () => {
    const email = `nul-${randomUUID().slice(0, 8)}@test.example`;
    expectProblem(await t.http.post('/auth/register').send({ email, password: 'a long enough pass', name: 'Nul\u0000Name' }), 400, 'validation_failed');
    expectProblem(await t.http.post('/auth/register').send({ email, password: 'pass\u0000word-long', name: 'Nul' }), 400, 'validation_failed');
    expectProblem(await t.http.post('/auth/login').send({ email: `a\u0000${email}`, password: 'x' }), 400, 'validation_failed');
    expectProblem(await t.http.post('/auth/login').send({ email, password: 'x\u0000' }), 400, 'validation_failed');
    expectProblem(await t.http.post('/auth/login').send({ email, password: 'a long enough pass' }), 401, 'invalid_credentials');
  });

  it('are refused with 400 validation_failed in any body, query or path of every route', async () => {
    const failures: string[] = [];
    for (const r of routes()) {
      if (r.path.startsWith('/webhooks/') || r.path.startsWith('/docs')) continue; // signed raw bodies: their own checks
      const withQuery = await call(r.method, r.url).set(w.admin.auth).query({ q: 'a\u0000b' });
      const withBody = ['get', 'delete'].includes(r.method)
        ? withQuery
        : await call(r.method, r.url).set(w.admin.auth).send({ name: 'x\u0000', title: '\u0000', email: 'a\u0000@b.c', password: '\u0000', nested: { reason: ['ok', 'bad\u0000'] } });
      const checks = [['query', withQuery], ['body', withBody]] as Array<[string, typeof withQuery]>;
      if (r.path.includes('{')) checks.push(['path', await call(r.method, r.path.replace(/\{[^}]+\}/g, encodeURIComponent('a\u0000b'))).set(w.admin.auth)]);
      for (const [what, res] of checks) {
        if (res.status !== 400 || res.body.code !== 'validation_failed') failures.push(`${r.method.toUpperCase()} ${r.path} (${what}) → ${res.status} ${res.body.code}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('tokens', () => {
  it('whose subject is not a user id are 401, never 500', async () => {
    for (const sub of ['admin', '', '1 or 1=1', 'x'.repeat(300), `${w.admin.id}\u0000`]) {
      const token = t.app.jwt.sign({ sub });
      expectProblem(await t.http.get('/me').set('Authorization', `Bearer ${token}`), 401, 'unauthenticated');
      expectProblem(await t.http.get(`/bookings`).set('Authorization', `Bearer ${token}`), 401, 'unauthenticated');
    }
    const numeric = t.app.jwt.sign({ sub: 42 as unknown as string });
    expectProblem(await t.http.get('/me').set('Authorization', `Bearer ${numeric}`), 401, 'unauthenticated');
  });
});

describe('authentication before validation', () => {
  it('answers 401 (not 400) to an anonymous caller with a bad body or query on every protected route', async () => {
    const failures: string[] = [];
    let protectedRoutes = 0;
    for (const r of routes()) {
      // Protected: a bearer token is required (no empty alternative, which marks optional sign-in).
      const sec = (r.op.security ?? []) as object[];
      if (!sec.some((s) => Object.keys(s).includes('bearer')) || sec.some((s) => Object.keys(s).length === 0)) continue;
      protectedRoutes++;
      const res = ['get', 'delete'].includes(r.method)
        ? await call(r.method, r.url.replace(w.hub.id, 'not-an-id')).query({ limit: 'many', from: 'yesterday' })
        : await call(r.method, r.url.replace(w.hub.id, 'not-an-id')).send({ startsAt: 42, roomId: [], tier: 'gold' });
      if (res.status !== 401) failures.push(`${r.method.toUpperCase()} ${r.path} → ${res.status} ${res.body.code}`);
    }
    expect(protectedRoutes).toBeGreaterThan(30);
    expect(failures).toEqual([]);
  });

  it('refuses to start an app whose route authenticates after validation', async () => {
    const app = Fastify();
    await app.register(authPlugin, { secret: 'x'.repeat(40), expiresIn: '1h', loadActor: async () => undefined });
    expect(() => app.get('/late', { preHandler: app.authenticate }, async () => 'ok')).toThrow(/onRequest/);
    await app.close();
  });
});
