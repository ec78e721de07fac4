import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/env';
import { DEMO_SECRETS_FILE } from '../../src/config/demo-secrets';

const SECRETS = { JWT_SECRET: 'x'.repeat(40), ACCESS_CODE_KEY: 'ab'.repeat(32) };
const tmpDataDir = () => mkdtempSync(join(tmpdir(), 'hubkey-config-'));

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
  it('works with nothing but DATA_DIR set: the local demo on 127.0.0.1, log SMS, random secrets kept in DATA_DIR', () => {
    const dir = tmpDataDir();
    const c = loadConfig({ DATA_DIR: dir });
    expect(c.host).toBe('127.0.0.1');
    expect(c.database).toMatchObject({ embedded: true, dataDir: dir });
    expect(c.sms.provider).toBe('log');
    expect(c.jwt.generated).toBe(true);
    expect(c.jwt.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(c.accessCodeKey).toMatch(/^[0-9a-f]{64}$/);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.stripe.enabled).toBe(false);
    expect(c.trustProxy).toBe(false);
    // Kept for the next start, readable by the owner only; never derived from DATA_DIR's name.
    const file = join(dir, DEMO_SECRETS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ jwtSecret: c.jwt.secret, accessCodeKey: c.accessCodeKey });
    expect(loadConfig({ DATA_DIR: dir }).jwt.secret).toBe(c.jwt.secret);
    const other = loadConfig({ DATA_DIR: tmpDataDir() });
    expect(other.jwt.secret).not.toBe(c.jwt.secret);
    expect(other.accessCodeKey).not.toBe(c.accessCodeKey);
  });

  it.each<[Record<string, string>, string]>([
    [{ HOST: '0.0.0.0' }, 'bound beyond this machine'],
    [{ DATABASE_URL: 'postgres://u@db:5432/hubkey' }, 'on PostgreSQL'],
    [{ NODE_ENV: 'development', HOST: '0.0.0.0', DATA_DIR: '/tmp/x' }, 'in development on every address'],
    [{ NODE_ENV: 'test', DATABASE_URL: 'postgres://u@db:5432/hubkey', HOST: '127.0.0.1' }, 'in test on PostgreSQL'],
  ])('outside the local demo (%j, %s) a missing JWT_SECRET or ACCESS_CODE_KEY stops the process naming it', (env) => {
    const generated = jest.fn(() => ({ jwtSecret: 'y'.repeat(64), accessCodeKey: 'cd'.repeat(32) }));
    let problems = '';
    try {
      loadConfig(env, { demoSecrets: generated });
    } catch (err) {
      problems = (err as ConfigError).problems.join('\n');
    }
    expect(problems).toMatch(/JWT_SECRET: is required unless this is the local demo/);
    expect(problems).toMatch(/ACCESS_CODE_KEY: is required unless this is the local demo/);
    expect(generated).not.toHaveBeenCalled();
    expect(problemsOf({ ...env, JWT_SECRET: SECRETS.JWT_SECRET })).toMatch(/ACCESS_CODE_KEY/);
    expect(problemsOf({ ...env, ...SECRETS })).toBe('');
  });

  it.each([
    ['false', false],
    ['', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.5,::1', ['10.0.0.0/8', '192.168.1.5', '::1']],
    ['fd00::/8', ['fd00::/8']],
  ])('TRUST_PROXY=%j trusts %j', (value, want) => {
    expect(loadConfig({ ...SECRETS, TRUST_PROXY: value }).trustProxy).toEqual(want);
  });

  it.each(['true', 'yes', '10.0.0.300', '10.0.0.0/33', 'proxy.example.org', '1,2'])('TRUST_PROXY=%j is refused, naming it', (value) => {
    expect(problemsOf({ ...SECRETS, TRUST_PROXY: value })).toContain('TRUST_PROXY');
  });

  it('turns /docs off in production unless DOCS_ENABLED says otherwise, and HSTS on', () => {
    const prod = { ...SECRETS, NODE_ENV: 'production', DATABASE_URL: 'postgres://u@db/h', PUBLIC_URL: 'https://h.example.org' };
    expect(loadConfig(prod)).toMatchObject({ docsEnabled: false, hsts: true });
    expect(loadConfig({ ...prod, DOCS_ENABLED: 'true' }).docsEnabled).toBe(true);
    expect(loadConfig({ ...SECRETS })).toMatchObject({ docsEnabled: true, hsts: false });
    expect(loadConfig({ ...SECRETS, DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
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
    [{ NODE_ENV: 'production', HOST: '127.0.0.1' }, 'ACCESS_CODE_KEY'],
  ])('names the bad variable in %j', (env, name) => {
    expect(problemsOf({ DATA_DIR: tmpDataDir(), ...env })).toContain(name);
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
    expect(loadConfig({ ...SECRETS, DATABASE_URL: url }).database).toMatchObject({ url, embedded: false });
  });

  it('reads the database pool, timeout and job schedule settings, with defaults', () => {
    expect(loadConfig({ DATA_DIR: tmpDataDir() })).toMatchObject({ database: { poolMax: 10, lockPoolMax: 10, connectTimeoutMs: 5000 }, jobSchedules: {} });
    const c = loadConfig({
      DATABASE_LOCK_POOL_MAX: '3',
      DATABASE_CONNECT_TIMEOUT_MS: '2000',
      JOB_SCHEDULES: '{"notifications.send-outbox":"*/2 * * * * *","access.issue-due-codes":"*/5 * * * * *"}',
    });
    expect(c.database).toMatchObject({ lockPoolMax: 3, connectTimeoutMs: 2000 });
    expect(c.jobSchedules).toEqual({ 'notifications.send-outbox': '*/2 * * * * *', 'access.issue-due-codes': '*/5 * * * * *' });
  });
});
