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
});
