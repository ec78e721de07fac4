import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container';
import { flash, safeNext, text } from '../forms';
import { loadStaffContext, staffOf } from './context';
import { staffNav } from './nav';
import { STAFF_PAGE } from './page';
import { todayPages } from './today.pages';
import { approvalsPages } from './approvals.pages';
import { bookingsPages } from './bookings.pages';
import { roomsPages } from './rooms.pages';
import { doorsPages } from './doors.pages';
import { paymentsPages } from './payments.pages';
import { messagesPages } from './messages.pages';
import { rotaPages } from './rota.pages';
import { reportPages } from './reports.pages';
import { ratePages } from './rates.pages';
import { organisationPages } from './organisations.pages';
import { adminPages } from './admin.pages';

/**
 * The staff area (/staff/...): every page in it is guarded here (signed in, staff of a hub or an
 * admin, and the hub they are looking at), and gets the staff navigation and hub switcher in its
 * locals. Each area is a plugin of its own file, registered inside this one so the guard covers it.
 */
export async function staffPages(app: FastifyInstance, { container }: { container: Container }) {
  const exists = (href: string) => app.hasRoute({ method: 'GET', url: href });

  app.addHook('preHandler', async (request, reply) => {
    const ctx = await loadStaffContext(container, request, reply);
    if (!ctx) return reply; // redirected to sign in
    request.staff = ctx;
    reply.locals.width = 'full';
    reply.locals.staff = {
      hub: ctx.hub,
      hubs: ctx.hubs,
      hubItems: (current: string) => ctx.hubs.map((h) => ({ value: h.id, text: h.name, selected: h.id === current })),
      nav: (navKey?: string) => staffNav({ path: reply.locals.path as string, isAdmin: ctx.actor.isAdmin, navKey, exists }),
    };
  });

  app.get('/staff', STAFF_PAGE, async (_request, reply) => reply.redirect('/staff/today', 303));

  // The hub switcher (admins and staff of more than one hub): remembered for the session.
  app.post<{ Body: Record<string, unknown> }>('/staff/hub', STAFF_PAGE, async (request, reply) => {
    const ctx = staffOf(request);
    const hubId = text(request.body, 'hubId');
    const next = safeNext(text(request.body, 'next'), '/staff/today');
    const hub = ctx.hubs.find((h) => h.id === hubId);
    if (!hub) {
      flash(request, 'Choose a hub from the list', 'That hub is not one you run.', 'info');
      return reply.redirect(next.startsWith('/staff') ? next : '/staff/today', 303);
    }
    request.session.set('staffHubId', hub.id);
    flash(request, `You are looking at ${hub.name}`);
    // A page about one thing of the old hub (a booking, a door) has nothing to show for the new one: go to its area's list.
    const area = next.match(/^\/staff\/[a-z-]+/)?.[0] ?? '/staff/today';
    return reply.redirect(area, 303);
  });

  await app.register(todayPages, { container });
  await app.register(approvalsPages, { container });
  await app.register(bookingsPages, { container });
  await app.register(roomsPages, { container });
  await app.register(doorsPages, { container });
  await app.register(paymentsPages, { container });
  await app.register(messagesPages, { container });
  await app.register(rotaPages, { container });
  await app.register(reportPages, { container });
  await app.register(ratePages, { container });
  await app.register(organisationPages, { container });
  await app.register(adminPages, { container });
}
