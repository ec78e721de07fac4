import cron from 'node-cron';
import { isIP } from 'node:net';
import { z } from 'zod';
import { type DemoSecrets, demoSecretsIn } from './demo-secrets';

/**
 * The environment, parsed once at start. Nothing else in src/ reads process.env.
 * A bad value stops the process with the variable's name and what is wrong with it.
 */
const optionalUrl = z.url().optional();
const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);

/** A postgres:// URL that node-postgres can connect with: parses as a URL, names a host (or a socket directory in ?host=). */
const databaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
  .refine((v) => !/\s/.test(v), 'must not contain spaces (percent-encode them, e.g. %20)')
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.hostname !== '' || u.searchParams.has('host');
    } catch {
      return false;
    }
  }, 'is not a valid URL: expected postgres://user:password@host:port/database (percent-encode special characters)');

/** JOB_SCHEDULES: a JSON object of job name to node-cron expression, replacing those jobs' schedules. */
const jobSchedules = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .transform((v, ctx) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object, e.g. {"access.issue-due-codes":"*/30 * * * * *"}' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string(), z.string().refine((expr) => cron.validate(expr), 'is not a valid cron expression')))
    .optional(),
);

/** A retention period in whole days (1 to ten years), with its default (docs/privacy.md). */
const retentionDays = (fallback: number) => z.preprocess(emptyToUndefined, z.coerce.number().int('must be a whole number of days').min(1).max(3650).default(fallback));

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('127.0.0.1'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: z.preprocess(emptyToUndefined, databaseUrl.optional()),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_LOCK_POOL_MAX: z.coerce.number().int().min(1).max(50).default(10),
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
    JOB_SCHEDULES: jobSchedules,
    DATA_DIR: z.string().default('./data'),
    BACKUP_DIR: z.string().min(1).default('./backups'),
    BACKUP_KEEP: z.coerce.number().int().min(1).max(3650).default(14),
    PUBLIC_URL: z.preprocess(emptyToUndefined, optionalUrl),
    JWT_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
    JWT_EXPIRES_IN: z.string().regex(/^\d+[smhd]$/, 'like 12h or 30m').default('12h'),
    ACCESS_CODE_KEY: z.preprocess(
      emptyToUndefined,
      z.string().regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/, 'must be 32 bytes as hex or base64').optional(),
    ),
    STRIPE_SECRET_KEY: z.preprocess(emptyToUndefined, z.string().startsWith('sk_').optional()),
    STRIPE_WEBHOOK_SECRET: z.preprocess(emptyToUndefined, z.string().startsWith('whsec_').optional()),
    STRIPE_API_BASE: z.url().default('https://api.stripe.com'),
    SMS_PROVIDER: z.enum(['log', 'twilio']).default('log'),
    TWILIO_ACCOUNT_SID: z.preprocess(emptyToUndefined, z.string().startsWith('AC').optional()),
    TWILIO_AUTH_TOKEN: z.preprocess(emptyToUndefined, z.string().optional()),
    TWILIO_FROM: z.preprocess(emptyToUndefined, z.string().optional()),
    TWILIO_API_BASE: z.url().default('https://api.twilio.com'),
    SEAM_API_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
    SEAM_ENDPOINT: z.url().default('https://connect.getseam.com'),
    LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
    TRUST_PROXY: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .default('false')
        .refine(
          (v) => v === 'false' || /^\d{1,2}$/.test(v) || v.split(',').every((a) => isProxyAddress(a.trim())),
          'false, a number of proxy hops (e.g. 1), or a comma-separated list of proxy addresses or CIDR ranges (true is refused: it trusts every hop)',
        ),
    ),
    DOCS_ENABLED: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).optional()),
    PRIVACY_NOTICE: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .trim()
        .min(20, 'must be at least 20 characters: the notice people read before they register')
        .max(10_000, 'must be at most 10000 characters (link a longer notice with PRIVACY_NOTICE_URL)')
        .refine((v) => ![...v].some((c) => c.charCodeAt(0) < 32 && c !== '\n' && c !== '\r' && c !== '\t'), 'must not contain control characters')
        .optional(),
    ),
    PRIVACY_NOTICE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
    PRIVACY_CONTACT: z.preprocess(emptyToUndefined, z.string().trim().min(3).max(200).optional()),
    RETENTION_CONTACT_PHONE_DAYS: retentionDays(30),
    RETENTION_MESSAGE_BODY_DAYS: retentionDays(90),
    RETENTION_ENTRY_LOG_DAYS: retentionDays(90),
    RETENTION_LAPSED_INVITATION_DAYS: retentionDays(30),
  })
  .superRefine((env, ctx) => {
    // The embedded database (DATABASE_URL unset) is a supported production home for a small hub (docs/operations.md).
    if (!isLocalDemo(env)) {
      for (const key of ['JWT_SECRET', 'ACCESS_CODE_KEY'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required unless this is the local demo (the embedded database, HOST=127.0.0.1)' });
      }
    }
    if (env.NODE_ENV === 'production') {
      for (const key of ['JWT_SECRET', 'ACCESS_CODE_KEY', 'PUBLIC_URL'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required in production' });
      }
    }
    if (env.SMS_PROVIDER === 'twilio') {
      for (const key of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when SMS_PROVIDER=twilio' });
      }
    }
  });

export type Env = z.infer<typeof envSchema>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The explicit local demo: the embedded database, reachable only from this machine, never production. */
function isLocalDemo(env: { NODE_ENV: string; DATABASE_URL?: string; HOST: string }): boolean {
  return env.NODE_ENV !== 'production' && !env.DATABASE_URL && LOOPBACK.has(env.HOST);
}

/** An IP address or CIDR range (v4 or v6), as Fastify's trustProxy (proxy-addr) takes them. */
function isProxyAddress(s: string): boolean {
  const [addr, bits, ...rest] = s.split('/');
  if (rest.length || !isIP(addr)) return false;
  if (bits === undefined) return true;
  const max = isIP(addr) === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  database: { url?: string; poolMax: number; lockPoolMax: number; connectTimeoutMs: number; dataDir: string; embedded: boolean };
  /** Where `npm run backup` and the nightly job write, and how many nightly backups are kept. */
  backups: { dir: string; keep: number };
  /** Job name → cron expression, replacing the job's own schedule (JOB_SCHEDULES). */
  jobSchedules: Record<string, string>;
  publicUrl: string;
  /** `generated`: the local demo's random secret kept in DATA_DIR (docs/security.md). */
  jwt: { secret: string; expiresIn: string; generated: boolean };
  accessCodeKey: string;
  stripe: { secretKey?: string; webhookSecret?: string; apiBase: string; enabled: boolean };
  sms: { provider: 'log' | 'twilio'; twilio?: { accountSid: string; authToken: string; from: string; apiBase: string } };
  seam: { apiKey?: string; endpoint: string; enabled: boolean };
  loginRateLimit: number;
  /**
   * Which X-Forwarded-For hops to believe: false (none), a number of hops (the proxies in front of
   * us), or a list of proxy addresses/CIDR ranges. Never every hop: clients could dodge rate limits.
   */
  trustProxy: false | number | string[];
  /** Serve Swagger UI and the OpenAPI document at /docs (default: on, except in production). */
  docsEnabled: boolean;
  /** Send Strict-Transport-Security (production). */
  hsts: boolean;
  /** The network's privacy notice (shown at registration and on /privacy) and how long personal data is kept (docs/privacy.md). */
  privacy: PrivacyConfig;
}

export interface PrivacyConfig {
  /** The notice's text (PRIVACY_NOTICE, else a plain default); paragraphs split on blank lines. */
  notice: string;
  /** The network's own full notice, when it has one elsewhere. */
  noticeUrl?: string;
  /** Who to ask about personal data (an email or postal address). */
  contact?: string;
  retention: {
    /** A booking's contact phone (and its door codes' phone) is cleared this many days after the booking ends. */
    contactPhoneDays: number;
    /** A text's body and number are cleared (a masked summary kept) this many days after it was queued. */
    messageBodyDays: number;
    /** Door entries, granted and wrong codes, are deleted this many days after the attempt. */
    entryLogDays: number;
    /** An invitation nobody accepted is deleted this many days after it lapsed. */
    lapsedInvitationDays: number;
  };
}

/** Said at registration and on /privacy when the network has not written its own notice. */
export const DEFAULT_PRIVACY_NOTICE = [
  'The hubs of this network use Hubkey to take bookings, open their doors and run their volunteer rotas. To do that they keep your name, email address and phone number, the organisations you book for, your bookings, the texts sent to you, when your door codes were used, and, if you volunteer, your shifts and hours.',
  'They use these only to run your bookings, let you in, reach you about them and keep their accounts. Payment and invoice records are kept for six years, as charity law asks; contact phones, texts and door logs are cleared after a few months. You can download everything held about you, or have it erased, from your account at any time.',
].join('\n\n');

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Secrets must be given, except in the explicit local demo (embedded database bound to 127.0.0.1),
 * where missing ones are random and kept in DATA_DIR (`demoSecrets`), flagged in `jwt.generated`.
 */
export function loadConfig(
  source: Record<string, string | undefined> = process.env,
  opts: { demoSecrets?: (dataDir: string) => DemoSecrets } = {},
): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const demo = !e.JWT_SECRET || !e.ACCESS_CODE_KEY ? (opts.demoSecrets ?? demoSecretsIn)(e.DATA_DIR) : undefined;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    database: {
      url: e.DATABASE_URL,
      poolMax: e.DATABASE_POOL_MAX,
      lockPoolMax: e.DATABASE_LOCK_POOL_MAX,
      connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
      dataDir: e.DATA_DIR,
      embedded: !e.DATABASE_URL,
    },
    backups: { dir: e.BACKUP_DIR, keep: e.BACKUP_KEEP },
    jobSchedules: e.JOB_SCHEDULES ?? {},
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    jwt: { secret: e.JWT_SECRET ?? demo!.jwtSecret, expiresIn: e.JWT_EXPIRES_IN, generated: !e.JWT_SECRET },
    accessCodeKey: e.ACCESS_CODE_KEY ?? demo!.accessCodeKey,
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      apiBase: e.STRIPE_API_BASE,
      enabled: Boolean(e.STRIPE_SECRET_KEY),
    },
    sms:
      e.SMS_PROVIDER === 'twilio'
        ? {
            provider: 'twilio',
            twilio: {
              accountSid: e.TWILIO_ACCOUNT_SID!,
              authToken: e.TWILIO_AUTH_TOKEN!,
              from: e.TWILIO_FROM!,
              apiBase: e.TWILIO_API_BASE,
            },
          }
        : { provider: 'log' },
    seam: { apiKey: e.SEAM_API_KEY, endpoint: e.SEAM_ENDPOINT, enabled: Boolean(e.SEAM_API_KEY) },
    loginRateLimit: e.LOGIN_RATE_LIMIT,
    trustProxy: e.TRUST_PROXY === 'false' ? false : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY.split(',').map((a) => a.trim()),
    docsEnabled: e.DOCS_ENABLED ? e.DOCS_ENABLED === 'true' : e.NODE_ENV !== 'production',
    hsts: e.NODE_ENV === 'production',
    privacy: {
      notice: e.PRIVACY_NOTICE ?? DEFAULT_PRIVACY_NOTICE,
      noticeUrl: e.PRIVACY_NOTICE_URL,
      contact: e.PRIVACY_CONTACT,
      retention: {
        contactPhoneDays: e.RETENTION_CONTACT_PHONE_DAYS,
        messageBodyDays: e.RETENTION_MESSAGE_BODY_DAYS,
        entryLogDays: e.RETENTION_ENTRY_LOG_DAYS,
        lapsedInvitationDays: e.RETENTION_LAPSED_INVITATION_DAYS,
      },
    },
  };
}
