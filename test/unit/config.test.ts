import { ConfigError, loadConfig } from '../../src/config/env';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  return '';
};

describe('loadConfig', () => {
  it('works with nothing set: embedded database, log SMS, development secrets', () => {
    const c = loadConfig({});
    expect(c.database).toMatchObject({ embedded: true, dataDir: './data' });
    expect(c.sms.provider).toBe('log');
    expect(c.jwt.generated).toBe(true);
    expect(c.jwt.secret).toHaveLength(64);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.stripe.enabled).toBe(false);
  });

  it('reads every documented variable', () => {
    const c = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/hubkey',
      PUBLIC_URL: 'https://hubkey.example.org/',
      JWT_SECRET: 'x'.repeat(40),
      ACCESS_CODE_KEY: 'ab'.repeat(32),
      STRIPE_SECRET_KEY: 'sk_test_123',
      STRIPE_WEBHOOK_SECRET: 'whsec_123',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: 'AC123',
      TWILIO_AUTH_TOKEN: 'tok',
      TWILIO_FROM: '+447700900000',
      TWILIO_API_BASE: 'http://127.0.0.1:4010',
      SEAM_API_KEY: 'seam_123',
      SEAM_ENDPOINT: 'http://127.0.0.1:4020',
    });
    expect(c).toMatchObject({
      port: 8080,
      publicUrl: 'https://hubkey.example.org',
      database: { url: 'postgres://u@db:5432/hubkey', embedded: false },
      stripe: { enabled: true, apiBase: 'http://127.0.0.1:12111' },
      sms: { provider: 'twilio', twilio: { accountSid: 'AC123', from: '+447700900000', apiBase: 'http://127.0.0.1:4010' } },
      seam: { enabled: true, endpoint: 'http://127.0.0.1:4020' },
    });
    expect(c.jwt.generated).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ ACCESS_CODE_KEY: 'not-a-key' }, 'ACCESS_CODE_KEY'],
    [{ SMS_PROVIDER: 'pigeon' }, 'SMS_PROVIDER'],
    [{ SMS_PROVIDER: 'twilio' }, 'TWILIO_ACCOUNT_SID'],
    [{ STRIPE_SECRET_KEY: 'pk_live_oops' }, 'STRIPE_SECRET_KEY'],
    [{ STRIPE_API_BASE: 'not a url' }, 'STRIPE_API_BASE'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ BACKUP_KEEP: '0' }, 'BACKUP_KEEP'],
    [{ BACKUP_KEEP: 'all' }, 'BACKUP_KEEP'],
    [{ BACKUP_DIR: '' }, 'BACKUP_DIR'],
    [{ DATABASE_URL: 'postgres://po stgres@db.example:notaport/x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://postgres@db.example:notaport/x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://postgres@db.example:99999/x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://postgres@/x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://' }, 'DATABASE_URL'],
    [{ DATABASE_POOL_MAX: '0' }, 'DATABASE_POOL_MAX'],
    [{ DATABASE_LOCK_POOL_MAX: 'lots' }, 'DATABASE_LOCK_POOL_MAX'],
    [{ DATABASE_CONNECT_TIMEOUT_MS: '5' }, 'DATABASE_CONNECT_TIMEOUT_MS'],
    [{ JOB_SCHEDULES: 'every minute' }, 'JOB_SCHEDULES'],
    [{ JOB_SCHEDULES: '{"notifications.send-outbox": "now and then"}' }, 'JOB_SCHEDULES'],
    [{ JOB_SCHEDULES: '["* * * * *"]' }, 'JOB_SCHEDULES'],
  ])('names the bad variable in %j', (env, name) => {
    expect(problemsOf(env)).toContain(name);
  });

  it('reads BACKUP_DIR and BACKUP_KEEP, defaulting to ./backups and 14', () => {
    expect(loadConfig({}).backups).toEqual({ dir: './backups', keep: 14 });
    expect(loadConfig({ BACKUP_DIR: '/var/lib/hubkey/backups', BACKUP_KEEP: '30' }).backups).toEqual({ dir: '/var/lib/hubkey/backups', keep: 30 });
  });

  it('runs production on the embedded database (a small hub on one box) once the secrets are set', () => {
    const c = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), ACCESS_CODE_KEY: 'ab'.repeat(32), PUBLIC_URL: 'https://hub.example.org' });
    expect(c.database).toMatchObject({ embedded: true });
    expect(problemsOf({ NODE_ENV: 'production' })).not.toContain('DATABASE_URL');
    expect(problemsOf({ NODE_ENV: 'production' })).toContain('ACCESS_CODE_KEY');
  });

  it('says what is wrong with a malformed DATABASE_URL without echoing it', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://po stgres:s3cret@db.example:notaport/x' });
    expect(problems).toMatch(/^DATABASE_URL: /m);
    expect(problems).not.toContain('s3cret');
  });

  it.each([
    'postgres://postgres@127.0.0.1:5432/test',
    'postgresql://hubkey:p%40ss%20word@db:5432/hubkey?sslmode=require',
    'postgres://u@db/hubkey',
    'postgresql:///hubkey?host=/var/run/postgresql',
  ])('accepts the connection URL %s', (url) => {
    expect(loadConfig({ DATABASE_URL: url }).database).toMatchObject({ url, embedded: false });
  });

  it('reads the database pool, timeout and job schedule settings, with defaults', () => {
    expect(loadConfig({})).toMatchObject({ database: { poolMax: 10, lockPoolMax: 10, connectTimeoutMs: 5000 }, jobSchedules: {} });
    const c = loadConfig({
      DATABASE_LOCK_POOL_MAX: '3',
      DATABASE_CONNECT_TIMEOUT_MS: '2000',
      JOB_SCHEDULES: '{"notifications.send-outbox":"*/2 * * * * *","access.issue-due-codes":"*/5 * * * * *"}',
    });
    expect(c.database).toMatchObject({ lockPoolMax: 3, connectTimeoutMs: 2000 });
    expect(c.jobSchedules).toEqual({ 'notifications.send-outbox': '*/2 * * * * *', 'access.issue-due-codes': '*/5 * * * * *' });
  });
});
