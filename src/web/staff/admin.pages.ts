import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container';
import type { Actor } from '../../modules/auth/actor';
import type { HubRole } from '../../modules/invitations/invitations.service';
import { notFound } from '../../lib/errors';
import { type FieldErrors, type Fields, errorList, flash, isEmail, text, textLimitWords, toE164 } from '../forms';
import { hubsOf, staffOf, useHub } from './context';
import { STAFF_PAGE as PAGE, UUID } from './page';

const ROLE_WORDS: Record<string, string> = { staff: 'Staff', volunteer: 'Volunteer' };

/**
 * People: the hubs this person runs (every hub, for a network admin), each hub's staff and
 * volunteers, inviting someone (a one-time link, texted when a phone is given) and removing a
 * role, through the invitations and venues services; and, for an admin, the network report.
 */
export async function adminPages(app: FastifyInstance, { container }: { container: Container }) {
  const { venues, invitations } = container.services;

  // A hub's pages: an id that is not one is no hub (and is never put to the database).
  app.addHook('preHandler', async (request) => {
    const { hubId } = request.params as { hubId?: string };
    if (hubId !== undefined && !UUID.test(hubId)) throw notFound('Hub');
  });

  app.get('/staff/admin', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const hubs = await hubsOf(container, actor);
    return reply.view('staff/views/admin/hubs.njk', { title: 'Hubs and people', hubs, isAdmin: actor.isAdmin });
  });

  async function renderHub(request: FastifyRequest, reply: FastifyReply, actor: Actor, hubId: string, values: Record<string, string> = {}, errors: FieldErrors = {}, status = 400) {
    if (!UUID.test(hubId)) throw notFound('Hub');
    const { hub } = await useHub(container, request, reply, hubId);
    const { items } = await venues.listMembers(actor, hubId, { limit: 500 });
    return reply.status(Object.keys(errors).length ? status : 200).view('staff/views/admin/hub.njk', {
      title: `People at ${hub.name}`,
      hub,
      members: items.map((m) => ({ ...m, roleText: ROLE_WORDS[m.role] ?? m.role, self: m.userId === actor.userId })),
      values,
      roleItems: ['volunteer', 'staff'].map((r) => ({ value: r, text: ROLE_WORDS[r], checked: values.role === r })),
      errors: Object.keys(errors).length ? errorList(errors, { role: 'role', members: 'members-caption' }) : undefined,
      fieldErrors: errors,
    });
  }

  app.get<{ Params: { hubId: string } }>('/staff/admin/hubs/:hubId', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    return renderHub(request, reply, actor, request.params.hubId);
  });

  app.post<{ Params: { hubId: string }; Body: Fields }>('/staff/admin/hubs/:hubId/invite', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const values = { email: text(request.body, 'email'), role: text(request.body, 'role'), name: text(request.body, 'name'), phone: text(request.body, 'phone') };
    const errors: FieldErrors = {};
    if (!values.email) errors.email = 'Enter their email address';
    else if (!isEmail(values.email)) errors.email = 'Enter an email address in the right format, like name@example.org';
    if (!['staff', 'volunteer'].includes(values.role)) errors.role = 'Select whether they join as a volunteer or as staff';
    if (values.name.length > 120) errors.name = 'The name must be 120 characters or fewer';
    const phone = values.phone ? toE164(values.phone) : undefined;
    if (values.phone && !phone) errors.phone = 'Enter a phone number, like 07700 900123 or +44 7700 900123';
    if (Object.keys(errors).length) return renderHub(request, reply, actor, request.params.hubId, values, errors);
    let inv;
    try {
      inv = await invitations.inviteToHub(actor, request.params.hubId, { email: values.email, role: values.role as HubRole, name: values.name || undefined, phone });
    } catch (err) {
      // Nothing was made: the invitation and its text are one transaction.
      const limited = textLimitWords(err, container.clock.now());
      if (!limited) throw err;
      return renderHub(request, reply, actor, request.params.hubId, values, { phone: limited }, 429);
    }
    flash(
      request,
      `${values.email} is invited as ${values.role}`,
      `${inv.texted ? 'The link went to their phone by text. ' : ''}Send them this one-time link (it is shown only now, and works for a limited time): ${inv.link}`,
      'success',
      { secret: true },
    );
    return reply.redirect(`/staff/admin/hubs/${request.params.hubId}`, 303);
  });

  app.post<{ Params: { hubId: string }; Body: Fields }>('/staff/admin/hubs/:hubId/remove', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const role = text(request.body, 'role');
    // The form's hidden field names a member; anything else is not one (and no query is asked with it).
    if (!UUID.test(text(request.body, 'userId'))) return renderHub(request, reply, actor, request.params.hubId, {}, { members: 'Choose the person to remove from the list of staff and volunteers' });
    await invitations.removeHubMember(actor, request.params.hubId, text(request.body, 'userId'), role === 'staff' || role === 'volunteer' ? role : undefined);
    flash(request, `${text(request.body, 'name') || 'They'} no longer ${role === 'staff' ? 'works as staff' : 'volunteers'} here`);
    return reply.redirect(`/staff/admin/hubs/${request.params.hubId}`, 303);
  });
}
