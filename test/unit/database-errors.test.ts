import { dbErrorSummary, isDatabaseUnavailable, retryWhileUnavailable } from '../../src/db/client';
import { DomainError } from '../../src/lib/errors';
import { schedulesFor } from '../../src/worker/scheduler';
import { JOBS } from '../../src/worker/jobs';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
/** How drizzle wraps a driver error. */
const drizzleWrapped = (cause: unknown) => Object.assign(new Error('Failed query: select 1\nparams: '), { cause });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', withCode('ECONNRESET', 'read ECONNRESET')],
    ['connect timed out', withCode('ETIMEDOUT')],
    ['host not found', withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND db')],
    ['admin shutdown (pg_ctl stop/restart -m fast)', withCode('57P01', 'terminating connection due to administrator command')],
    ['crash shutdown', withCode('57P02')],
    ['cannot connect now (starting up)', withCode('57P03', 'the database system is starting up')],
    ['too many connections', withCode('53300')],
    ['connection exception class 08', withCode('08006')],
    ['connection does not exist', withCode('08003')],
    ['protocol violation', withCode('08P01')],
    ['socket closed mid-query', new Error('Connection terminated unexpectedly')],
    ['connect timeout', new Error('Connection terminated due to connection timeout')],
    ['pool checkout timeout', new Error('timeout exceeded when trying to connect')],
    ['a broken client reused', new Error('Client has encountered a connection error and is not queryable')],
    ['wrapped by drizzle', drizzleWrapped(withCode('57P01'))],
    ['wrapped twice', drizzleWrapped(drizzleWrapped(new Error('Connection terminated unexpectedly')))],
    ['an AggregateError of IPv4 and IPv6 attempts', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], '')],
  ])('is true for %s', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation', drizzleWrapped(withCode('23505', 'duplicate key value'))],
    ['an exclusion violation', drizzleWrapped(withCode('23P01'))],
    ['a deadlock', withCode('40P01')],
    ['a syntax error', withCode('42601')],
    ['a wrong password', withCode('28P01', 'password authentication failed for user "x"')],
    ['a domain error', new DomainError('conflict', 'booking_conflict', 'taken')],
    ['a plain error', new Error('boom')],
    ['not an error at all', 'ECONNREFUSED'],
    ['nothing', undefined],
    ['a cause cycle', (() => { const e: Error & { cause?: unknown } = new Error('loop'); e.cause = e; return e; })()],
  ])('is false for %s', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });

  it('summarises the driver error under drizzle, without the query parameters', () => {
    expect(dbErrorSummary(drizzleWrapped(withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1')))).toEqual({ message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' });
    expect(dbErrorSummary(new Error('plain'))).toEqual({ message: 'plain' });
  });
});

describe('retryWhileUnavailable', () => {
  const failing = (errors: unknown[], result = 'recorded') => {
    let calls = 0;
    const fn = async () => {
      calls++;
      if (errors.length) throw errors.shift();
      return result;
    };
    return { fn, calls: () => calls };
  };

  it('tries again while the database is unreachable, then returns', async () => {
    const f = failing([withCode('ECONNREFUSED'), withCode('57P03')]);
    await expect(retryWhileUnavailable(f.fn, Date.now() + 60_000)).resolves.toBe('recorded');
    expect(f.calls()).toBe(3);
  });

  it('does not retry other errors', async () => {
    const f = failing([withCode('23505', 'duplicate key value')]);
    await expect(retryWhileUnavailable(f.fn, Date.now() + 60_000)).rejects.toThrow('duplicate key value');
    expect(f.calls()).toBe(1);
  });

  it('gives up once the deadline has passed, with the error', async () => {
    const f = failing([withCode('ECONNREFUSED', 'first'), withCode('ECONNREFUSED', 'second')]);
    await expect(retryWhileUnavailable(f.fn, Date.now() - 1)).rejects.toThrow('first');
    expect(f.calls()).toBe(1);
  });
});

describe('schedulesFor (JOB_SCHEDULES)', () => {
  it('keeps every job\'s own schedule when nothing is overridden', () => {
    expect(schedulesFor({})).toEqual(JOBS.map((j) => ({ name: j.name, schedule: j.schedule })));
  });

  it('replaces only the schedules named', () => {
    const s = schedulesFor({ 'notifications.send-outbox': '*/2 * * * * *' });
    expect(s.find((j) => j.name === 'notifications.send-outbox')?.schedule).toBe('*/2 * * * * *');
    const others = s.filter((j) => j.name !== 'notifications.send-outbox');
    expect(others).toEqual(JOBS.filter((j) => j.name !== 'notifications.send-outbox').map((j) => ({ name: j.name, schedule: j.schedule })));
  });

  it('refuses a name that is no job', () => {
    expect(() => schedulesFor({ 'notifications.send-outbx': '* * * * *' })).toThrow(/notifications\.send-outbx/);
  });
});
