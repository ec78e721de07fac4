import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from '../helpers/app';
import { makeWorld } from '../helpers/factories';
import { type FakeStripe, startFakeStripe } from '../fakes/fake-stripe';

/**
 * "No input makes the server answer 5xx": every route in the OpenAPI document, called by an admin,
 * a hirer and nobody, with path ids that exist, do not exist or are not ids, and bodies and queries
 * of the wrong shape, NUL bytes and dates PostgreSQL cannot hold, and a signed token naming no user id.
 * Stripe is configured (a local fake), so payment routes get past their guard.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let stripe: FakeStripe;
beforeAll(async () => {
  stripe = await startFakeStripe();
  t = await createTestApp({ env: { STRIPE_SECRET_KEY: 'sk_test_no5xx', STRIPE_WEBHOOK_SECRET: 'whsec_no5xx', STRIPE_API_BASE: stripe.url } });
  w = await makeWorld(t);
});
afterAll(async () => {
  await t.close();
  await stripe.close();
});

const JUNK_BODIES: unknown[] = [
  {},
  { startsAt: 42, endsAt: [], roomId: {}, organisationId: null, email: 7, tier: 'gold', code: { $ne: 1 } },
  { startsAt: '9999-99-99T99:99', endsAt: '2026-13-45T25:61:00+99:00', attendees: 1e308, capacity: -1 },
  { name: 'x'.repeat(100_000) },
  [1, 2, 3],
  'just a string',
  { email: 'a\u0000@b.c', password: 'pass\u0000word', name: '\u0000', title: 'x\u0000', reason: '\u0000', evidence: '\u0000', startsAt: '2026-03-10T10:00:00Z\u0000' },
  { startsAt: '0000-01-01T00:00:00Z', endsAt: '9999-12-31T23:59:59Z', effectiveFrom: '0000-01-01', recheckOn: '9999-12-31', until: '9999-12-31' },
];
const JUNK_QUERIES: Record<string, string>[] = [
  {},
  { from: 'yesterday', to: '2026-02-30T10:00', limit: '-5', cursor: '%%%', status: 'lost', capacity: 'many', features: ',,,', organisationId: 'x' },
  { from: '2026-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z', startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-01T00:00:00Z', limit: '100000' },
  { from: '0000-01-01T00:00:00Z', to: '9999-12-31T00:00:00Z', startsAt: 'x\u0000', cursor: '\u0000', status: '\u0000' },
];

describe('no input answers 5xx', () => {
  it('holds for every documented route', async () => {
    const doc = (await t.http.get('/docs/json')).body as { paths: Record<string, Record<string, unknown>> };
    const ids = [w.hub.id, w.room.id, w.org.id, randomUUID(), 'not-an-id', '../../etc'];
    // The last caller's token is correctly signed but names no user id.
    const callers = [w.admin.auth, w.hirer.auth, {}, { Authorization: `Bearer ${t.app.jwt.sign({ sub: 'admin' })}` }];
    const failures: string[] = [];
    let calls = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (path.startsWith('/docs')) continue;
      for (const method of Object.keys(methods)) {
        for (const id of ids) {
          const url = path.replace(/\{[^}]+\}/g, encodeURIComponent(id));
          for (const auth of callers) {
            // The forged caller is turned away before its body or query is read: one of each is enough.
            const forged = auth === callers[3];
            const bodies = method === 'get' || method === 'delete' ? [undefined] : forged ? JUNK_BODIES.slice(0, 1) : JUNK_BODIES;
            for (const body of bodies) {
              for (const query of method === 'get' && !forged ? JUNK_QUERIES : [{}]) {
                let req = (t.http as unknown as Record<string, (u: string) => import('supertest').Test>)[method](url).set(auth).query(query);
                if (body !== undefined) req = req.send(body as object);
                const res = await req;
                calls++;
                if (res.status >= 500) failures.push(`${method.toUpperCase()} ${url} ${JSON.stringify(body)?.slice(0, 80)} → ${res.status} ${res.body?.code}`);
              }
            }
          }
        }
      }
    }
    expect(calls).toBeGreaterThan(500);
    expect(failures).toEqual([]);
  }, 600_000);
});
