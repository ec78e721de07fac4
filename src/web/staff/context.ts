import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container';
import { DomainError } from '../../lib/errors';
import { type Actor, isAnyStaff, isStaffOf } from '../../modules/auth/actor';

/** A hub as the staff pages show it (the venues service's view). */
export type StaffHub = Awaited<ReturnType<Container['services']['venues']['getHub']>>;

/** Who is using the staff pages, the hub they are looking at and the hubs they may switch to. */
export interface StaffContext {
  actor: Actor;
  hub: StaffHub;
  hubs: { id: string; name: string }[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every /staff page by the staff area's guard (staff.pages.ts). */
    staff?: StaffContext;
  }
}

export const refused = () => new DomainError('forbidden', 'forbidden', 'Only staff of a hub and network admins may use the staff pages');
export const notFound = (what = 'Page') => new DomainError('not_found', 'not_found', `${what} not found`);

/** The hubs a person may run: every hub for an admin, else the hubs they are staff of; by name. */
export async function hubsOf(container: Container, actor: Actor): Promise<StaffHub[]> {
  const { venues } = container.services;
  if (actor.isAdmin) {
    const all: StaffHub[] = [];
    let after: readonly string[] | undefined;
    do {
      const page = await venues.listHubs({ limit: 100, after });
      all.push(...page.items);
      after = page.next;
    } while (after);
    return all;
  }
  const hubs = await Promise.all([...actor.staffHubs].map((id) => venues.getHub(id)));
  return hubs.sort((a, b) => a.name.localeCompare(b.name, 'en-GB') || a.id.localeCompare(b.id));
}

/**
 * The guard every staff page runs before its handler: a signed-out person goes to sign in (and
 * comes back), anyone who is not staff of a hub nor an admin gets the refusal page (403), and the
 * hub is the one chosen in this session, if they may still run it, else their first.
 */
export async function loadStaffContext(container: Container, request: FastifyRequest, reply: FastifyReply): Promise<StaffContext | undefined> {
  const actor = request.actor;
  if (!actor) {
    void reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303);
    return undefined;
  }
  if (!isAnyStaff(actor)) throw refused();
  const hubs = await hubsOf(container, actor);
  if (hubs.length === 0) throw refused();
  const chosen = request.session.get('staffHubId');
  const hub = hubs.find((h) => h.id === chosen) ?? hubs[0];
  return { actor, hub, hubs: hubs.map((h) => ({ id: h.id, name: h.name })) };
}

/** The staff context of a page (the guard has run). */
export function staffOf(request: FastifyRequest): StaffContext {
  if (!request.staff) throw refused();
  return request.staff;
}

/**
 * Looks at something that belongs to a hub (a booking, a door, a room): staff of that hub may, and
 * the page then shows that hub (a multi-hub person following a link lands in the right hub); for
 * anyone else it does not exist (404), as the API answers for what is not yours to see.
 */
export async function useHub(container: Container, request: FastifyRequest, reply: FastifyReply, hubId: string): Promise<StaffContext> {
  const ctx = staffOf(request);
  if (!isStaffOf(ctx.actor, hubId)) throw notFound();
  if (hubId !== ctx.hub.id) {
    ctx.hub = await container.services.venues.getHub(hubId);
    request.session.set('staffHubId', hubId);
    reply.locals.staff = { ...(reply.locals.staff as object), hub: ctx.hub };
  }
  return ctx;
}

/**
 * The hub a hub-wide page shows (rota, reports, rate cards): `?hub=` when a link names one (404
 * unless the person is staff of it; the session then shows that hub, as `useHub` does), else the
 * hub chosen in this session.
 */
export async function hubOfPage(container: Container, request: FastifyRequest, reply: FastifyReply, wanted?: string): Promise<StaffHub> {
  if (!wanted) return staffOf(request).hub;
  if (!UUID_RE.test(wanted)) throw notFound('Hub');
  return (await useHub(container, request, reply, wanted)).hub;
}

/**
 * A room of the hub a page shows, named by a link (`?room=`): a made-up id or a room of another
 * hub does not exist here (404), so a link never acts on a room outside the hub on the page.
 */
export async function roomOfHub(container: Container, hub: StaffHub, wanted: string) {
  if (!UUID_RE.test(wanted)) throw notFound('Room');
  const room = await container.services.venues.getRoom(wanted);
  if (room.hubId !== hub.id) throw notFound('Room');
  return room;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
