import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { and, eq, gt, lt } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/client';
import { webSessions, type WebSessionData } from '../db/schema';
import type { Clock } from '../lib/clock';
import type { Actor } from '../modules/auth/actor';

/**
 * Server-side sessions for the web pages: our own small layer rather than @fastify/session, because
 * we want the row keyed by a hash of the cookie's token (a copy of the table signs nobody in), the
 * user as a column (erasing a person or signing them out everywhere is one DELETE), a session row
 * only once a page needs one (a form's CSRF secret, a sign-in) and a store that is one drizzle
 * table on both databases. @fastify/csrf-protection keeps its secret in `session._csrf`
 * (its '@fastify/session' mode reads and writes that property).
 */

export const SESSION_COOKIE = 'hubkey_session';
const LIFETIME_MS = 12 * 60 * 60 * 1000;
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * A value kept sealed in the session row: AES-256-GCM under a key derived (HKDF-SHA256) from the
 * session's cookie token, which the browser holds and the database never does (it keeps only the
 * token's hash). So a one-time link shown on the next page cannot be read from a copy of the table.
 */
interface Sealed {
  $sealed: string;
}
const isSealed = (v: unknown): v is Sealed => typeof v === 'object' && v !== null && typeof (v as Sealed).$sealed === 'string';
const sealKey = (token: string) => Buffer.from(hkdfSync('sha256', token, Buffer.alloc(0), 'hubkey web session sealed value', 32));

export function seal(token: string, value: unknown): Sealed {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', sealKey(token), iv);
  const body = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
  return { $sealed: Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url') };
}

/** The sealed value, or undefined when this token cannot open it (another session's, or tampered). */
export function unseal(token: string, sealed: Sealed): unknown {
  try {
    const raw = Buffer.from(sealed.$sealed, 'base64url');
    const d = createDecipheriv('aes-256-gcm', sealKey(token), raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return JSON.parse(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8'));
  } catch {
    return undefined;
  }
}

export function createSessionStore(db: Db) {
  return {
    async load(token: string, now: Date) {
      const [row] = await db
        .select()
        .from(webSessions)
        .where(and(eq(webSessions.idHash, hashToken(token)), gt(webSessions.expiresAt, now)));
      return row;
    },
    async save(token: string, userId: string | null, data: WebSessionData, expiresAt: Date) {
      await db
        .insert(webSessions)
        .values({ idHash: hashToken(token), userId, data, expiresAt })
        .onConflictDoUpdate({ target: webSessions.idHash, set: { userId, data, expiresAt } });
    },
    async destroy(token: string) {
      await db.delete(webSessions).where(eq(webSessions.idHash, hashToken(token)));
    },
    /** Deletes every session of a person (after a password change or an erasure). */
    async destroyAllOf(userId: string) {
      await db.delete(webSessions).where(eq(webSessions.userId, userId));
    },
    async purgeExpired(now: Date): Promise<number> {
      const gone = await db.delete(webSessions).where(lt(webSessions.expiresAt, now)).returning({ idHash: webSessions.idHash });
      return gone.length;
    },
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;

/** One request's session. Changes are written once, when the response is sent. */
export class WebSession {
  dirty = false;
  private ended = false;
  private rotated = false;
  /** Values to seal under the token the row is written with (setSealed). */
  private readonly toSeal = new Map<keyof WebSessionData, unknown>();

  constructor(
    public token: string | undefined,
    private uid: string | null,
    private readonly data: WebSessionData,
    private readonly loadedExpiry?: Date,
  ) {}

  get userId(): string | null {
    return this.uid;
  }

  /** @fastify/csrf-protection's secret. */
  get _csrf(): string | undefined {
    return this.data._csrf;
  }
  set _csrf(value: string | undefined) {
    this.data._csrf = value;
    this.dirty = true;
  }

  get<K extends keyof WebSessionData>(key: K): WebSessionData[K] {
    return this.data[key];
  }
  set<K extends keyof WebSessionData>(key: K, value: WebSessionData[K] | undefined) {
    this.toSeal.delete(key);
    if (value === undefined) delete this.data[key];
    else this.data[key] = value;
    this.dirty = true;
  }
  /** Reads a one-off value (opening it if it was sealed) and forgets it. */
  take<K extends keyof WebSessionData>(key: K): WebSessionData[K] {
    const value: unknown = this.toSeal.has(key) ? this.toSeal.get(key) : this.data[key];
    if (value !== undefined) this.set(key, undefined);
    if (!isSealed(value)) return value as WebSessionData[K];
    return (this.token ? unseal(this.token, value) : undefined) as WebSessionData[K];
  }

  /**
   * Keeps a one-off value (read back by `take`) sealed in the row: for a secret shown on the next
   * page, such as an invitation's one-time link. Sealed when the row is written, under the token
   * the cookie then carries; a session whose token changes before it is read loses it.
   */
  setSealed<K extends keyof WebSessionData>(key: K, value: WebSessionData[K]) {
    this.set(key, value);
    this.toSeal.set(key, value);
  }

  /** Signing in gets a new token (no session fixation) and a new CSRF secret. */
  signIn(userId: string) {
    this.uid = userId;
    delete this.data._csrf;
    this.rotated = true;
    this.dirty = true;
  }

  /**
   * Signing out into a fresh signed-out session that carries only `data` (the confirmation page
   * after an account is deleted): a new token, the old row dropped, no CSRF secret or draft kept.
   */
  signOutKeeping(data: WebSessionData) {
    this.uid = null;
    for (const key of Object.keys(this.data) as (keyof WebSessionData)[]) delete this.data[key];
    Object.assign(this.data, data);
    this.rotated = true;
    this.dirty = true;
  }

  /** Signing out deletes the row on the server, not just the cookie. */
  signOut() {
    this.ended = true;
  }

  /** What to do with the store and the cookie once the response is ready. */
  plan(now: Date): { drop?: string; write?: { token: string; expiresAt: Date; userId: string | null; data: WebSessionData }; cookie: 'set' | 'clear' | 'keep' } {
    if (this.ended) return { drop: this.token, cookie: this.token ? 'clear' : 'keep' };
    // Refresh a signed-in session's expiry once half its life has passed, so active people stay signed in.
    const stale = this.loadedExpiry !== undefined && this.loadedExpiry.getTime() - now.getTime() < LIFETIME_MS / 2;
    if (!this.dirty && !stale) return { cookie: 'keep' };
    const drop = this.rotated ? this.token : undefined;
    if (this.rotated || !this.token) this.token = randomBytes(32).toString('base64url');
    const data: Record<string, unknown> = { ...this.data };
    for (const [key, value] of this.toSeal) data[key] = seal(this.token, value);
    return { drop, write: { token: this.token, expiresAt: new Date(now.getTime() + LIFETIME_MS), userId: this.uid, data: data as WebSessionData }, cookie: 'set' };
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    session: WebSession;
  }
}

export interface SessionHooksOptions {
  store: SessionStore;
  clock: Clock;
  secure: boolean;
  loadActor: (userId: string) => Promise<Actor | undefined>;
}

/** Adds the session (and the signed-in actor) to every request of the scope it is called in. */
export function registerSessionHooks(app: FastifyInstance, opts: SessionHooksOptions) {
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: opts.secure };
  app.decorateRequest('session', null as unknown as WebSession);

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const token = request.cookies[SESSION_COOKIE];
    const row = token && TOKEN_RE.test(token) ? await opts.store.load(token, opts.clock.now()) : undefined;
    request.session = row ? new WebSession(token, row.userId, { ...row.data }, row.expiresAt) : new WebSession(undefined, null, {});
    if (row?.userId) {
      const actor = await opts.loadActor(row.userId);
      if (actor) request.actor = actor;
      else request.session.signOut();
    }
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload) => {
    const session = request.session;
    if (!session) return payload;
    const plan = session.plan(opts.clock.now());
    if (plan.drop) await opts.store.destroy(plan.drop);
    if (plan.write) await opts.store.save(plan.write.token, plan.write.userId, plan.write.data, plan.write.expiresAt);
    if (plan.cookie === 'set' && plan.write) reply.setCookie(SESSION_COOKIE, plan.write.token, { ...cookieOptions, expires: plan.write.expiresAt });
    if (plan.cookie === 'clear') reply.clearCookie(SESSION_COOKIE, cookieOptions);
    if (plan.cookie !== 'keep') reply.header('cache-control', 'no-store');
    return payload;
  });
}
