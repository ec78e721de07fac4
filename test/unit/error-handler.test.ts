import Fastify from 'fastify';
import { registerErrorHandling } from '../../src/http/errors';

/** A driver error as node-postgres or PGlite raises it, wrapped as drizzle wraps it. */
const exclusion = (constraint: string) =>
  Object.assign(new Error('Failed query: insert ...'), { cause: Object.assign(new Error('conflicting key value violates exclusion constraint'), { code: '23P01', constraint }) });

async function answer(err: Error) {
  const app = Fastify({ logger: false });
  registerErrorHandling(app);
  app.get('/boom', async () => {
    throw err;
  });
  const res = await app.inject({ method: 'GET', url: '/boom' });
  await app.close();
  return { status: res.statusCode, type: res.headers['content-type'], body: res.json() as { code: string; detail: string } };
}

describe('the error handler under the repositories: exclusion violations', () => {
  it("answers booking_conflict for the bookings' own constraint", async () => {
    const res = await answer(exclusion('bookings_no_overlap'));
    expect(res).toMatchObject({ status: 409, body: { code: 'booking_conflict' } });
    expect(res.type).toMatch(/^application\/problem\+json/);
  });

  it('answers a plain conflict for any other exclusion constraint, never "the room is booked"', async () => {
    const res = await answer(exclusion('access_code_doors_no_clash'));
    expect(res).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect(res.body.detail).not.toMatch(/booked/);
    expect(JSON.stringify(res.body)).not.toContain('access_code_doors_no_clash');
  });

  it('answers a plain conflict when the driver names no constraint', async () => {
    const res = await answer(Object.assign(new Error('x'), { code: '23P01' }));
    expect(res).toMatchObject({ status: 409, body: { code: 'conflict' } });
  });
});
