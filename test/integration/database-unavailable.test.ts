import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { buildApp, type App } from '../../src/app';
import { type Container, createContainer } from '../../src/container';
import { openDatabase, waitForDatabase } from '../../src/db/client';
import { FixedClock } from '../../src/lib/clock';
import { silentLogger } from '../../src/lib/logger';
import { TEST_NOW, testConfig } from '../helpers/app';

/**
 * The API with PostgreSQL out of reach (nothing listens on port 1): every route that needs the
 * database answers 503 problem+json `database_unavailable` with Retry-After, never 500, and
 * `/ready` says so. (The fault test in postgres-only/ takes a real server away under load.)
 */
let app: App;
let container: Container;
let http: ReturnType<typeof request>;
let token: string;

beforeAll(async () => {
  const database = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/unreachable', connectTimeoutMs: 1000 });
  container = await createContainer(testConfig(), { database, clock: new FixedClock(TEST_NOW), logger: silentLogger });
  app = await buildApp(container);
  http = request(app.server);
  token = app.jwt.sign({ sub: randomUUID() });
});
afterAll(async () => {
  await app.close();
  await container.close();
});

const expectUnavailable = (res: request.Response) => {
  expect({ status: res.status, code: res.body.code }).toEqual({ status: 503, code: 'database_unavailable' });
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.headers['retry-after']).toBe('5');
};

describe('with the database unreachable', () => {
  it('/ready answers 503 database_unavailable while /health stays 200', async () => {
    expectUnavailable(await http.get('/ready'));
    expect((await http.get('/health')).status).toBe(200);
  });

  it('answers 503 for reads, logins, authenticated calls and bookings', async () => {
    const auth = { authorization: `Bearer ${token}` };
    expectUnavailable(await http.get('/hubs'));
    expectUnavailable(await http.post('/auth/login').send({ email: 'someone@example.org', password: 'whatever-it-is' }));
    expectUnavailable(await http.get('/me').set(auth));
    expectUnavailable(await http.get('/bookings').set(auth));
    expectUnavailable(
      await http
        .post('/bookings')
        .set(auth)
        .send({ roomId: randomUUID(), organisationId: randomUUID(), startsAt: '2026-03-10T10:00:00Z', endsAt: '2026-03-10T11:00:00Z', title: 'Choir', attendees: 5 }),
    );
  });

  it('never answers 500 on any documented route; every 503 carries Retry-After', async () => {
    const doc = (await http.get('/docs/json')).body as { paths: Record<string, Record<string, unknown>> };
    const failures: string[] = [];
    let unavailable = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (path.startsWith('/docs')) continue;
      for (const method of Object.keys(methods)) {
        const url = path.replace(/\{[^}]+\}/g, randomUUID());
        let req = (http as unknown as Record<string, (u: string) => request.Test>)[method](url).set({ authorization: `Bearer ${token}` });
        if (method !== 'get' && method !== 'delete') req = req.send({});
        const res = await req;
        if (res.status === 503 && res.body.code === 'database_unavailable') {
          unavailable++;
          if (res.headers['retry-after'] !== '5') failures.push(`${method} ${path}: no Retry-After`);
        } else if (res.status >= 500 && res.body.code !== 'payments_unavailable') {
          failures.push(`${method.toUpperCase()} ${path} → ${res.status} ${res.body.code}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // Every route that gets past input validation needs the database: most of them do with {}.
    expect(unavailable).toBeGreaterThan(20);
  });

  it('waitForDatabase keeps trying, logs each try, and stops when told to', async () => {
    const warnings: object[] = [];
    const controller = new AbortController();
    const log = { info: () => undefined, warn: (o: object) => void (warnings.push(o), warnings.length === 2 && controller.abort()) };
    expect(await waitForDatabase(container.database, log, controller.signal)).toBe(false);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({ attempt: 1, retryInMs: 500, err: { code: 'ECONNREFUSED' } });
    expect(warnings[1]).toMatchObject({ attempt: 2, retryInMs: 1000 });
  });
});
