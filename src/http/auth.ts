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
    /** preHandler: a valid bearer token for an existing user, or 401. */
    authenticate: (request: FastifyRequest) => Promise<void>;
    /** preHandler: loads the actor when a valid token is present, and lets anonymous callers through. */
    identify: (request: FastifyRequest) => Promise<void>;
  }
}

export interface AuthPluginOptions {
  secret: string;
  expiresIn: string;
  loadActor: (userId: string) => Promise<Actor | undefined>;
}

const unauthenticated = (detail: string) => new DomainError('unauthenticated', 'unauthenticated', detail);

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
    const actor = typeof payload.sub === 'string' ? await opts.loadActor(payload.sub) : undefined;
    if (!actor) throw unauthenticated('The account no longer exists');
    request.actor = actor;
  }

  app.decorate('authenticate', (request: FastifyRequest) => resolve(request, true));
  app.decorate('identify', (request: FastifyRequest) => resolve(request, false));
});

/** The actor of an authenticated route (its preHandler guarantees one). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw unauthenticated('Sign in first');
  return request.actor;
}
