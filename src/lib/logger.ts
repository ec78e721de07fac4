import pino from 'pino';

/**
 * The process's one logger (pino, as Fastify uses): JSON lines on stdout. The API's request logs,
 * the worker's job logs and the modules' "will retry" warnings all go through it.
 *
 * No secret, hash, code or token reaches a line (docs/security.md): credentials in headers and
 * fields with secret names are redacted, request URLs lose sensitive query values and token-like
 * path segments, and a failed query's parameters (which may hold a password hash) are cut from
 * error messages and stacks.
 */
export type Logger = pino.Logger;

// (Not `code`: error codes such as SQLSTATEs are worth logging; door codes are never put in a log call.)
const SECRET_FIELDS = ['password', 'passwordHash', 'token', 'accessCode', 'deviceKey', 'secret', 'accessCodeKey', 'jwtSecret', 'authToken', 'codeCipher', 'body'];
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-device-key"]',
  'req.headers["x-twilio-signature"]',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]),
];

/** Query parameters whose values are never logged. */
const SENSITIVE_QUERY = /token|code|key|secret|password|signature|sig$|auth/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A URL fit for a log line: token-like path segments (invitation links) and sensitive query values replaced. */
export function scrubUrl(url: string): string {
  const [path, query] = splitOnce(url, '?');
  const cleanPath = path
    .split('/')
    .map((seg) => (seg.length >= 20 && /^[A-Za-z0-9_.~%-]+$/.test(seg) && !UUID.test(seg) ? '[REDACTED]' : seg))
    .join('/');
  if (query === undefined) return cleanPath;
  const cleanQuery = query
    .split('&')
    .map((pair) => {
      const [name] = splitOnce(pair, '=');
      return SENSITIVE_QUERY.test(decodeSafe(name)) ? `${name}=[REDACTED]` : pair;
    })
    .join('&');
  return `${cleanPath}?${cleanQuery}`;
}

/** An error's message and stack without a failed query's parameters ("params: a,b,c" in drizzle's message). */
export function scrubError(err: unknown): Record<string, unknown> {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  const cut = (s: unknown) => (typeof s === 'string' ? s.replace(/\nparams: [\s\S]*?(?=\n {4}at |$)/g, '\nparams: [REDACTED]') : s);
  out.message = cut(out.message);
  out.stack = cut(out.stack);
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause && typeof cause === 'object') out.cause = scrubError(cause);
  for (const key of ['params', 'parameters', 'detail']) if (key in out) out[key] = '[REDACTED]';
  return out;
}

const serializers = {
  err: scrubError,
  req: (req: { method?: string; url?: string; ip?: string; id?: string }) => ({ method: req.method, url: scrubUrl(req.url ?? ''), remoteAddress: req.ip, id: req.id }),
  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
};

export function createLogger(level: pino.LevelWithSilent, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = { level, base: { service: 'hubkey' }, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, serializers };
  return destination ? pino(options, destination) : pino(options);
}

export const silentLogger: Logger = pino({ level: 'silent' });

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
