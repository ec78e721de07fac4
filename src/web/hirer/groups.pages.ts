import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container';
import { DomainError, notFound } from '../../lib/errors';
import type { Actor } from '../../modules/auth/actor';
import { PASSWORD_MIN } from '../../modules/auth/password-policy';
import { type FieldErrors, errorList, flash, isEmail, lapseWords, signedIn, text, textLimitWords, toE164 } from '../forms';

const PAGE = { schema: { hide: true } };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;

/**
 * A group's page for its members (its standing, its members, the invitations still waiting), the
 * "Invite someone to the group" question page, removing a member or leaving (a question page, then
 * the POST), cancelling a waiting invitation, and the page an invitation's link opens
 * (/invitations/:token), which accepts any invitation (a group, or a role at a hub). The pages call
 * the organisations and invitations services the API's GET /organisations/:id,
 * POST /organisations/:id/members, DELETE /organisations/:id/members/:userId,
 * DELETE /organisations/:id/invitations/:invitationId and POST /invitations/:token/accept call.
 */
export async function groupPages(app: FastifyInstance, { container }: { container: Container }) {
  const { organisations, invitations } = container.services;
  const { clock } = container;
  const limited = { ...PAGE, config: { rateLimit: { max: container.config.loginRateLimit, timeWindow: '1 minute' } } };

  /** The signed-in member and the group, or 404 for anyone who is not one of its members (staff included: they have their own pages). */
  async function memberOf(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    const actor = signedIn(request, reply);
    if (!actor) return undefined;
    const { id } = request.params;
    if (!UUID.test(id) || !actor.organisations.has(id)) throw notFound('Organisation');
    return { actor, org: await organisations.get(actor, id) };
  }

  app.get<{ Params: { id: string } }>('/account/organisations/:id', PAGE, async (request, reply) => {
    const found = await memberOf(request, reply);
    if (!found) return reply;
    const { actor, org } = found;
    const now = clock.now();
    const waiting = await invitations.waitingForOrganisation(actor, org.id);
    return reply.view('hirer/views/group.njk', {
      title: org.name,
      backLink: '/account',
      org,
      members: org.members.map((m) => ({ ...m, self: m.userId === actor.userId })),
      onlyMember: org.members.length === 1,
      waiting: waiting.map((w) => ({ ...w, lapses: lapseWords(w.expiresAt, now) })),
    });
  });

  // Removing a member, or leaving (the member is yourself): a question page, then a POST that does it.
  /** The member and the group; 404 for a non-member of the group, or someone who is not one of its members. */
  async function memberToRemove(request: FastifyRequest<{ Params: { id: string; userId: string } }>, reply: FastifyReply) {
    const found = await memberOf(request, reply);
    if (!found) return undefined;
    const member = UUID.test(request.params.userId) ? found.org.members.find((m) => m.userId === request.params.userId) : undefined;
    if (!member) throw notFound('Member');
    return { ...found, member, self: member.userId === found.actor.userId, onlyMember: found.org.members.length === 1 };
  }
  const removeTitle = (r: { self: boolean; member: { name: string }; org: { name: string } }) => (r.self ? `Leave ${r.org.name}?` : `Remove ${r.member.name} from ${r.org.name}?`);
  const renderRemove = (reply: FastifyReply, r: NonNullable<Awaited<ReturnType<typeof memberToRemove>>>, status = 200) =>
    reply.status(status).view('hirer/views/group-remove.njk', {
      title: r.onlyMember ? (r.self ? 'You cannot leave the group yet' : `${r.member.name} cannot be removed yet`) : removeTitle(r),
      backLink: `/account/organisations/${r.org.id}`,
      org: r.org,
      member: r.member,
      self: r.self,
      onlyMember: r.onlyMember,
    });

  app.get<{ Params: { id: string; userId: string } }>('/account/organisations/:id/members/:userId/remove', PAGE, async (request, reply) => {
    const r = await memberToRemove(request, reply);
    if (!r) return reply;
    return renderRemove(reply, r);
  });

  app.post<{ Params: { id: string; userId: string } }>('/account/organisations/:id/members/:userId/remove', PAGE, async (request, reply) => {
    const r = await memberToRemove(request, reply);
    if (!r) return reply;
    try {
      await invitations.removeOrganisationMember(r.actor, r.org.id, r.member.userId);
    } catch (err) {
      // Someone else left a moment ago: this member is now the last one.
      if (err instanceof DomainError && err.code === 'last_member') return renderRemove(reply, { ...r, onlyMember: true }, 409);
      throw err;
    }
    if (r.self) {
      flash(request, `You have left ${r.org.name}`, 'You can no longer book for the group or see its bookings. A member can invite you again.');
      return reply.redirect('/account', 303);
    }
    flash(request, `${r.member.name} has been removed from ${r.org.name}`, 'They can no longer book for the group or see its bookings.');
    return reply.redirect(`/account/organisations/${r.org.id}`, 303);
  });

  // Cancelling an invitation still waiting: a button on the group page (its link stops working).
  app.post<{ Params: { id: string; invitationId: string } }>('/account/organisations/:id/invitations/:invitationId/cancel', PAGE, async (request, reply) => {
    const found = await memberOf(request, reply);
    if (!found) return reply;
    const { actor, org } = found;
    const { invitationId } = request.params;
    if (!UUID.test(invitationId)) throw notFound('Invitation');
    const waiting = (await invitations.waitingForOrganisation(actor, org.id)).find((w) => w.id === invitationId);
    try {
      await invitations.cancelOrganisationInvitation(actor, org.id, invitationId);
    } catch (err) {
      if (!(err instanceof DomainError) || err.code !== 'invitation_used') throw err;
      flash(request, 'That invitation had already been accepted', 'The person is a member of the group now. To take them out, remove them from the members.', 'info');
      return reply.redirect(`/account/organisations/${org.id}`, 303);
    }
    flash(request, waiting ? `The invitation for ${waiting.email} has been cancelled` : 'The invitation has been cancelled', 'Its link no longer works.');
    return reply.redirect(`/account/organisations/${org.id}`, 303);
  });

  const inviteTitle = 'Invite someone to the group';
  const renderInvite = (reply: FastifyReply, org: { id: string; name: string }, values: { email?: string; phone?: string }, errors?: FieldErrors) =>
    reply.status(errors ? 400 : 200).view('hirer/views/group-invite.njk', {
      title: inviteTitle,
      backLink: `/account/organisations/${org.id}`,
      org,
      values,
      errors: errors ? errorList(errors) : undefined,
      fieldErrors: errors ?? {},
    });

  app.get<{ Params: { id: string } }>('/account/organisations/:id/invite', PAGE, async (request, reply) => {
    const found = await memberOf(request, reply);
    if (!found) return reply;
    return renderInvite(reply, found.org, {});
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/account/organisations/:id/invite', PAGE, async (request, reply) => {
    const found = await memberOf(request, reply);
    if (!found) return reply;
    const { actor, org } = found;
    const values = { email: text(request.body, 'email'), phone: text(request.body, 'phone') };
    const errors: FieldErrors = {};
    if (!values.email) errors.email = 'Enter their email address';
    else if (!isEmail(values.email)) errors.email = 'Enter an email address in the right format, like name@example.org';
    const phone = values.phone ? toE164(values.phone) : undefined;
    if (values.phone && !phone) errors.phone = 'Enter a mobile number, like 07700 900123 or +44 7700 900123, or leave it empty';
    if (Object.keys(errors).length) return renderInvite(reply, org, values, errors);
    try {
      const inv = await invitations.inviteToOrganisation(actor, org.id, { email: values.email, phone });
      request.session.setSealed('invited', { organisationId: org.id, email: inv.email, phone: values.phone, texted: inv.texted, link: inv.link, expiresAt: inv.expiresAt });
      return reply.redirect(`/account/organisations/${org.id}/invited`, 303);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      if (err.code === 'already_member') errors.email = `${values.email} is already a member of ${org.name}`;
      else if (err.code === 'text_limit') errors.phone = textLimitWords(err, clock.now())!;
      else throw err;
      return renderInvite(reply, org, values, errors);
    }
  });

  // The confirmation shows the one-time link once: it rides in the session from the POST and is taken out here.
  app.get<{ Params: { id: string } }>('/account/organisations/:id/invited', PAGE, async (request, reply) => {
    const found = await memberOf(request, reply);
    if (!found) return reply;
    const invited = request.session.take('invited');
    if (!invited || invited.organisationId !== found.org.id) return reply.redirect(`/account/organisations/${found.org.id}`, 303);
    return reply.view('hirer/views/group-invited.njk', {
      title: `We have made an invitation for ${invited.email}`,
      org: found.org,
      invited: { ...invited, lapses: lapseWords(invited.expiresAt, clock.now()) },
    });
  });

  // The invitation's link: what it offers, and accepting it signed in, with the account's password, or by making the account.
  async function describe(request: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply) {
    const { token } = request.params;
    if (!TOKEN.test(token)) throw notFound('Invitation');
    try {
      const inv = await invitations.describe(token);
      return { ...inv, lapses: lapseWords(inv.expiresAt, clock.now()), what: inv.organisation ? `join ${inv.organisation.name}` : `${inv.role === 'staff' ? 'work as staff' : 'volunteer'} at ${inv.hub?.name}` };
    } catch (err) {
      if (err instanceof DomainError && (err.code === 'invitation_used' || err.code === 'invitation_expired')) {
        const used = err.code === 'invitation_used';
        await reply.status(used ? 409 : 410).view('hirer/views/invitation-gone.njk', {
          title: used ? 'This invitation has already been accepted' : 'This invitation has lapsed',
          used,
        });
        return undefined;
      }
      throw err;
    }
  }

  const renderInvitation = (reply: FastifyReply, actor: Actor | undefined, token: string, inv: NonNullable<Awaited<ReturnType<typeof describe>>>, values: { name?: string }, errors?: FieldErrors) =>
    reply.status(errors ? 400 : 200).view('hirer/views/invitation.njk', {
      title: `You are invited to ${inv.what}`,
      token,
      inv,
      passwordMin: PASSWORD_MIN,
      wrongPerson: actor && actor.email.toLowerCase() !== inv.email.toLowerCase(),
      values,
      errors: errors ? errorList(errors) : undefined,
      fieldErrors: errors ?? {},
    });

  app.get<{ Params: { token: string } }>('/invitations/:token', PAGE, async (request, reply) => {
    const inv = await describe(request, reply);
    if (!inv) return reply;
    return renderInvitation(reply, request.actor, request.params.token, inv, {});
  });

  app.post<{ Params: { token: string }; Body: Record<string, unknown> }>('/invitations/:token', limited, async (request, reply) => {
    const inv = await describe(request, reply);
    if (!inv) return reply;
    const actor = request.actor;
    const values = { name: text(request.body, 'name') };
    const password = typeof request.body?.password === 'string' ? request.body.password : '';
    const errors: FieldErrors = {};
    if (!actor) {
      if (!password) errors.password = `Enter a password: your Hubkey account’s, or a new one of at least ${PASSWORD_MIN} characters`;
      else if (password.length > 200) errors.password = 'Your password must be 200 characters or fewer';
      if (values.name.length > 120) errors.name = 'Your name must be 120 characters or fewer';
      if (Object.keys(errors).length) return renderInvitation(reply, actor, request.params.token, inv, values, errors);
    }
    try {
      const done = await invitations.accept(request.params.token, actor ? {} : { password, name: values.name || undefined }, actor);
      if (!actor) request.session.signIn(done.user.id);
      if (done.organisationId) {
        flash(request, `You have joined ${inv.organisation?.name ?? 'the group'}`, 'You can now book for the group and see its bookings.');
        return reply.redirect(`/account/organisations/${done.organisationId}`, 303);
      }
      flash(request, `You now ${inv.role === 'staff' ? 'work as staff' : 'volunteer'} at ${inv.hub?.name ?? 'the hub'}`);
      return reply.redirect(inv.role === 'staff' ? '/staff' : '/volunteer', 303);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      if (err.code === 'invalid_credentials') errors.password = `There is already a Hubkey account for ${inv.email}, and that is not its password. Enter its password, or sign in first`;
      else if (err.code === 'validation_failed') {
        for (const f of err.fields ?? []) {
          if (f.path === 'body.name') errors.name = 'Enter your name: you are new to Hubkey, so this makes your account';
          else if (f.path === 'body.password') errors.password = f.message;
        }
        if (!Object.keys(errors).length) errors.password = err.message;
      } else if (err.code === 'invitation_used' || err.code === 'invitation_expired') {
        return reply.redirect(`/invitations/${request.params.token}`, 303);
      } else throw err;
      return renderInvitation(reply, actor, request.params.token, inv, values, errors);
    }
  });
}
