import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem } from '../helpers/factories';

/**
 * Rate limits key on the client's address. Behind one proxy, only the address that proxy added
 * (the last X-Forwarded-For entry) is believed: rotating the entries a client writes itself
 * cannot buy it fresh attempts.
 */
// An empty body: the limit counts it (it runs first) and no password is hashed, so the test stays quick.
const login = (t: TestApp, xff: string) => t.http.post('/auth/login').set('X-Forwarded-For', xff).send({});

describe('TRUST_PROXY', () => {
  let apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.close()));
    apps = [];
  });

  it('with one trusted hop, a client rotating its own X-Forwarded-For entries is still limited', async () => {
    const t = await createTestApp({ env: { TRUST_PROXY: '1', LOGIN_RATE_LIMIT: '3' } });
    apps.push(t);
    for (let i = 0; i < 3; i++) expect((await login(t, `203.0.113.${i}, 198.51.100.7`)).status).toBe(400);
    expectProblem(await login(t, '203.0.113.99, 198.51.100.7'), 429, 'rate_limited');
    // Another client behind the same proxy has its own allowance.
    expect((await login(t, '203.0.113.1, 198.51.100.8')).status).toBe(400);
  });

  it('with a list of proxy addresses, only hops from those proxies are believed', async () => {
    const t = await createTestApp({ env: { TRUST_PROXY: '127.0.0.1,::1,::ffff:127.0.0.1', LOGIN_RATE_LIMIT: '2' } });
    apps.push(t);
    // The test client connects from loopback (a listed proxy); the entry before it is the client, unless it is a listed proxy too.
    expect((await login(t, '198.51.100.20')).status).toBe(400);
    expect((await login(t, '198.51.100.20')).status).toBe(400);
    expectProblem(await login(t, '198.51.100.20'), 429, 'rate_limited');
    expect((await login(t, '198.51.100.21')).status).toBe(400);
  });

  it('off (the default), X-Forwarded-For is ignored altogether', async () => {
    const t = await createTestApp({ env: { LOGIN_RATE_LIMIT: '2' } });
    apps.push(t);
    expect((await login(t, '203.0.113.1')).status).toBe(400);
    expect((await login(t, '203.0.113.2')).status).toBe(400);
    expectProblem(await login(t, '203.0.113.3'), 429, 'rate_limited');
  });
});
