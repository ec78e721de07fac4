import type { FastifyReply, FastifyRequest } from 'fastify';
import { forbidden } from '../../lib/errors';
import type { Actor } from '../../modules/auth/actor';
import { signedIn } from '../forms';

/**
 * Who may use the volunteer's pages. Signed out: the sign-in page, coming back here. Signed in
 * without the role: the 403 page ("You cannot do that"). The staff pages have their one guard in
 * src/web/staff/staff.pages.ts.
 */
export function volunteerOnly(request: FastifyRequest, reply: FastifyReply): Actor | undefined {
  const actor = signedIn(request, reply);
  if (!actor) return undefined;
  if (actor.volunteerHubs.size === 0) throw forbidden('Only a hub\'s volunteers use these pages');
  return actor;
}
