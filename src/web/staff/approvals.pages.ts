import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { Container } from '../../container';
import { DomainError } from '../../lib/errors';
import { NETWORK_ZONE } from '../../modules/organisations/organisations.service';
import { type FieldErrors, dateParts, errorList, flash, readDate, text } from '../forms';
import { formatLocalDate, formatMoney, formatWhen, plural, tierName } from '../format';
import { refusal } from '../hirer/rules';
import { notFound, staffOf, useHub } from './context';
import { STAFF_PAGE, UUID } from './page';

const TIERS = ['community', 'national_charity', 'statutory', 'private'] as const;
type Tier = (typeof TIERS)[number];

/**
 * The approvals queue: each request with its organisation's standing (claimed and verified tier,
 * re-check date) and its history at the hub; approve, decline with a reason (this booking, its
 * whole series, or everything the organisation asked for here), and verify an organisation's tier
 * with its evidence and a re-check date.
 */
export async function approvalsPages(app: FastifyInstance, { container }: { container: Container }) {
  const { bookings, requests, organisations } = container.services;
  const { clock } = container;

  async function history(actor: Parameters<typeof bookings.list>[0], hubId: string, organisationId: string) {
    const page = await bookings.list(actor, { hubId, organisationId, limit: 200 });
    const count = (...s: string[]) => page.items.filter((b) => s.includes(b.status)).length;
    return { used: count('confirmed', 'completed'), cancelled: count('cancelled'), declined: count('declined'), lapsed: count('expired'), more: Boolean(page.next) };
  }

  app.get('/staff/approvals', STAFF_PAGE, async (request, reply) => {
    const { actor, hub } = staffOf(request);
    const queue = await bookings.approvalQueue(actor, hub.id, { limit: 100 });
    const orgIds = [...new Set(queue.items.map((b) => b.organisationId))];
    const histories = new Map(await Promise.all(orgIds.map(async (id) => [id, await history(actor, hub.id, id)] as const)));
    const now = clock.now();
    const today = DateTime.fromJSDate(now, { zone: NETWORK_ZONE }).toISODate()!;
    const items = queue.items.map((b) => {
      const o = b.organisation;
      const h = histories.get(b.organisationId)!;
      const recheckPassed = o.recheckOn !== null && o.recheckOn < today;
      return {
        ...b,
        when: formatWhen(b.startsAt, b.endsAt, b.timezone, { now }),
        price: b.price ? `${formatMoney(b.price.amountPence)} at the ${tierName(b.price.tier).toLowerCase()} rate` : 'No charge',
        expires: b.requestExpiresAt ? formatWhen(b.requestExpiresAt, b.requestExpiresAt, b.timezone, { now }).replace(/ to .*$/, '') : undefined,
        standing: o.needsReview
          ? `Claims to be a ${tierName(o.claimedTier).toLowerCase()}${recheckPassed ? `; its check ran out on ${formatLocalDate(o.recheckOn!)}` : '; not checked yet'}${o.charityNumber ? ` (charity number ${o.charityNumber})` : ''}`
          : o.verificationStatus === 'verified' && o.verifiedTier
            ? `Checked: ${tierName(o.verifiedTier).toLowerCase()}${o.recheckOn ? `, until ${formatLocalDate(o.recheckOn)}` : ''}`
            : `${tierName(o.tier)} (no check needed)`,
        history:
          h.used + h.cancelled + h.declined + h.lapsed === 0
            ? 'First booking at this hub'
            : [plural(h.used, 'booking') + ' used', h.cancelled ? `${h.cancelled} cancelled` : '', h.declined ? `${h.declined} declined` : '', h.lapsed ? `${h.lapsed} lapsed` : ''].filter(Boolean).join(', '),
      };
    });
    return reply.view('staff/views/approvals.njk', { title: 'Approvals', navKey: 'approvals', items, more: Boolean(queue.next) });
  });

  async function requested(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    const { actor } = staffOf(request);
    if (!UUID.test(request.params.id)) throw notFound('Booking');
    const b = await bookings.get(actor, request.params.id);
    await useHub(container, request, reply, b.hubId);
    return { actor, b };
  }

  app.post<{ Params: { id: string } }>('/staff/approvals/:id/approve', STAFF_PAGE, async (request, reply) => {
    const { actor, b } = await requested(request, reply);
    try {
      const done = await bookings.approve(actor, b.id);
      flash(request, `Approved: ${b.title}`, done.status === 'awaiting_payment' ? `${b.organisationName} has been texted to pay to keep the room.` : `It is confirmed, and ${b.organisationName} has been told.`);
    } catch (err) {
      const message = refusal(err);
      if (!message) throw err;
      flash(request, `${b.title} was not approved`, message, 'info');
    }
    return reply.redirect('/staff/approvals', 303);
  });

  // --- Decline -----------------------------------------------------------------------------------
  type Booking = Awaited<ReturnType<typeof bookings.get>>;
  function renderDecline(reply: FastifyReply, b: Booking, values: { scope: string; reason: string }, errors: FieldErrors, status = 200) {
    return reply.status(status).view('staff/views/decline.njk', {
      title: `Decline ${b.title}`,
      navKey: 'approvals',
      b,
      when: formatWhen(b.startsAt, b.endsAt, b.timezone, { now: clock.now() }),
      values,
      fieldErrors: errors,
      errors: errorList(errors, { scope: 'scope' }),
      backLink: '/staff/approvals',
    });
  }

  app.get<{ Params: { id: string } }>('/staff/approvals/:id/decline', STAFF_PAGE, async (request, reply) => {
    const { b } = await requested(request, reply);
    if (b.status !== 'requested') return reply.redirect('/staff/approvals', 303);
    return renderDecline(reply, b, { scope: 'this', reason: '' }, {});
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/staff/approvals/:id/decline', STAFF_PAGE, async (request, reply) => {
    const { actor, b } = await requested(request, reply);
    const scope = text(request.body, 'scope');
    const reason = text(request.body, 'reason');
    const errors: FieldErrors = {};
    if (!['this', 'series', 'organisation'].includes(scope) || (scope === 'series' && !b.seriesId)) errors.scope = 'Select which requests to decline';
    if (!reason) errors.reason = 'Enter why you are declining: it is texted to the hirer';
    else if (reason.length > 500) errors.reason = 'The reason must be 500 characters or fewer';
    if (Object.keys(errors).length) return renderDecline(reply, b, { scope, reason }, errors, 400);
    try {
      if (scope === 'this') {
        await bookings.decline(actor, b.id, reason);
        flash(request, `Declined: ${b.title}`, `${b.organisationName} has been texted your reason.`);
      } else {
        const done = await requests.declineMany(actor, b.hubId, scope === 'series' ? { seriesId: b.seriesId!, reason } : { organisationId: b.organisationId, reason });
        flash(request, `${plural(done.declinedBookingIds.length, 'request')} declined`, `${b.organisationName} has been texted your reason.`);
      }
    } catch (err) {
      const message = refusal(err);
      if (!message) throw err;
      return renderDecline(reply, b, { scope, reason }, { scope: message }, 422);
    }
    return reply.redirect('/staff/approvals', 303);
  });

  // --- Verify an organisation's tier ---------------------------------------------------------------
  type Org = Awaited<ReturnType<typeof organisations.get>>;
  interface VerifyValues {
    tier: string;
    evidence: string;
    recheck: { day: string; month: string; year: string };
    paysByInvoice: boolean;
  }
  function renderVerify(reply: FastifyReply, o: Org, values: VerifyValues, errors: FieldErrors, status = 200) {
    return reply.status(status).view('staff/views/verify.njk', {
      title: `Check the rate of ${o.name}`,
      navKey: 'approvals',
      o,
      claimed: tierName(o.claimedTier),
      current: o.verified ? `Checked as ${tierName(o.tier).toLowerCase()}${o.recheckOn ? ` until ${formatLocalDate(o.recheckOn)}` : ''}` : 'Not checked yet',
      tierItems: TIERS.map((t) => ({ value: t, text: tierName(t), checked: values.tier === t })),
      values,
      fieldErrors: errors,
      errors: errorList(errors, { recheck: 'recheck-day' }),
      backLink: '/staff/approvals',
    });
  }

  async function orgFor(request: FastifyRequest<{ Params: { orgId: string } }>) {
    const { actor } = staffOf(request);
    if (!UUID.test(request.params.orgId)) throw notFound('Organisation');
    return { actor, o: await organisations.get(actor, request.params.orgId) };
  }

  app.get<{ Params: { orgId: string } }>('/staff/approvals/verify/:orgId', STAFF_PAGE, async (request, reply) => {
    const { o } = await orgFor(request);
    const suggested = DateTime.fromJSDate(clock.now(), { zone: NETWORK_ZONE }).plus({ years: 1 }).toISODate()!;
    return renderVerify(reply, o, { tier: o.verifiedTier ?? o.claimedTier, evidence: '', recheck: dateParts(suggested), paysByInvoice: o.paysByInvoice }, {});
  });

  app.post<{ Params: { orgId: string }; Body: Record<string, unknown> }>('/staff/approvals/verify/:orgId', STAFF_PAGE, async (request, reply) => {
    const { actor, o } = await orgFor(request);
    const tier = text(request.body, 'tier');
    const evidence = text(request.body, 'evidence');
    const recheck = readDate(request.body, 'recheck');
    const values: VerifyValues = { tier, evidence, recheck: recheck.value, paysByInvoice: text(request.body, 'paysByInvoice') === 'yes' };
    const errors: FieldErrors = {};
    if (!TIERS.includes(tier as Tier)) errors.tier = 'Select the rate this organisation qualifies for';
    if (!evidence) errors.evidence = 'Enter what you checked, for example the charity register entry or a constitution';
    else if (evidence.length > 2000) errors.evidence = 'The evidence must be 2000 characters or fewer';
    const today = DateTime.fromJSDate(clock.now(), { zone: NETWORK_ZONE }).toISODate()!;
    if (recheck.error === 'missing') errors.recheck = 'Enter the date to check this organisation again';
    else if (recheck.error) errors.recheck = 'The re-check date must be a real date, for example 30 11 2027';
    else if (recheck.iso! <= today) errors.recheck = 'The re-check date must be in the future';
    if (Object.keys(errors).length) return renderVerify(reply, o, values, errors, 400);
    try {
      const done = await organisations.verify(actor, o.id, { tier: tier as Tier, evidence, recheckOn: recheck.iso!, paysByInvoice: values.paysByInvoice });
      flash(request, `${o.name} checked`, `It pays the ${tierName(done.tier).toLowerCase()} rate until ${formatLocalDate(done.recheckOn!)}. Its requests waiting here can now be approved at that rate.`);
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'forbidden') {
        return renderVerify(reply, o, values, { tier: 'Only a network admin, or staff of a hub this organisation has booked at, may change its rate' }, 403);
      }
      const message = refusal(err);
      if (!message) throw err;
      return renderVerify(reply, o, values, { recheck: message }, 422);
    }
    return reply.redirect('/staff/approvals', 303);
  });
}
