import type { FastifyReply, FastifyRequest } from 'fastify';
import { forbidden } from '../../lib/errors';
import type { Actor } from '../../modules/auth/actor';
import { signedIn } from '../forms';

/**
 * Who may use the volunteer's and the rota's staff pages. Signed out: the sign-in page, coming
 * back here. Signed in without the role: the 403 page ("You cannot do that").
 * (The staff foundation has its own guard for /staff; the lead unifies them at merge.)
 */
export function volunteerOnly(request: FastifyRequest, reply: FastifyReply): Actor | undefined {
  const actor = signedIn(request, reply);
  if (!actor) return undefined;
  if (actor.volunteerHubs.size === 0) throw forbidden('Only a hub\'s volunteers use these pages');
  return actor;
}

export function staffOnly(request: FastifyRequest, reply: FastifyReply): Actor | undefined {
  const actor = signedIn(request, reply);
  if (!actor) return undefined;
  if (!actor.isAdmin && actor.staffHubs.size === 0) throw forbidden('Only a hub\'s staff use these pages');
  return actor;
}

export function adminOnly(request: FastifyRequest, reply: FastifyReply): Actor | undefined {
  const actor = signedIn(request, reply);
  if (!actor) return undefined;
  if (!actor.isAdmin) throw forbidden('Only a network admin uses these pages');
  return actor;
}
