import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError } from '../lib/errors';
import type { Actor } from '../modules/auth/actor';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string };
    user: { sub: string };
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
  interface FastifyInstance {
    /** onRequest hook: a valid bearer token for an existing user, or 401. */
    authenticate: (request: FastifyRequest) => Promise<void>;
    /** onRequest hook: loads the actor when a valid token is present, and lets anonymous callers through. */
    identify: (request: FastifyRequest) => Promise<void>;
  }
}

export interface AuthPluginOptions {
  secret: string;
  expiresIn: string;
  loadActor: (userId: string) => Promise<Actor | undefined>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const unauthenticated = (detail: string) => new DomainError('unauthenticated', 'unauthenticated', detail);

/** Marks the `identify` hook (a token when there is one): src/http/openapi.ts documents such routes as bearer or none. */
export const OPTIONAL_AUTH = Symbol.for('hubkey.optionalAuth');

export const authPlugin = fp(async (app: FastifyInstance, opts: AuthPluginOptions) => {
  await app.register(fastifyJwt, { secret: opts.secret, sign: { expiresIn: opts.expiresIn } });

  async function resolve(request: FastifyRequest, required: boolean) {
    const header = request.headers.authorization;
    if (!header) {
      if (required) throw unauthenticated('Sign in: send Authorization: Bearer <token>');
      return;
    }
    let payload: { sub: string };
    try {
      payload = await request.jwtVerify<{ sub: string }>();
    } catch {
      throw unauthenticated('The token is missing, malformed or expired');
    }
    // A token signed with our secret but naming no user id (a forged or foreign shape) is refused
    // here, before the id reaches a query that would reject it as malformed.
    if (typeof payload.sub !== 'string' || !UUID.test(payload.sub)) throw unauthenticated('The token is missing, malformed or expired');
    const actor = await opts.loadActor(payload.sub);
    if (!actor) throw unauthenticated('The account no longer exists');
    request.actor = actor;
  }

  app.decorate('authenticate', (request: FastifyRequest) => resolve(request, true));
  // Marked, so the OpenAPI document says a route using it takes a token or none.
  app.decorate('identify', Object.assign((request: FastifyRequest) => resolve(request, false), { [OPTIONAL_AUTH]: true }));

  // Authentication answers before validation: an anonymous caller learns nothing about the shape
  // a route expects (401 before 400). Both run as onRequest hooks; one left in preHandler, where
  // it would run after validation, stops the app at start rather than slipping through.
  app.addHook('onRoute', (route) => {
    const pre = [route.preHandler ?? []].flat();
    if (pre.includes(app.authenticate) || pre.includes(app.identify)) {
      throw new Error(`${route.method} ${route.url}: run app.authenticate / app.identify in onRequest, not preHandler`);
    }
  });
});

/** The actor of an authenticated route (its preHandler guarantees one). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw unauthenticated('Sign in first');
  return request.actor;
}
