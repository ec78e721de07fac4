import type { FastifyInstance, FastifyReply } from 'fastify';
import { DateTime } from 'luxon';
import type { Container } from '../../container';
import type { Actor } from '../../modules/auth/actor';
import { DomainError, notFound } from '../../lib/errors';
import { TIERS, type Tier } from '../../modules/pricing/pricing.fns';
import { NETWORK_ZONE } from '../../modules/organisations/organisations.service';
import { type FieldErrors, type Fields, dateParts, errorList, flash, readDate, text } from '../forms';
import { formatLocalDate, formatMoney, formatWhen, tierName } from '../format';
import { staffOf } from './context';
import { paymentTag } from './words';
import { STAFF_PAGE as PAGE, UUID } from './page';
import { refusal } from '../volunteer/words';


/**
 * Organisations for staff: claims waiting for a check (a tier claimed and not verified, or a
 * verification whose re-check date has passed), verified ones with their re-check dates, and a
 * verify form (tier, evidence, re-check date, pays by invoice) through the organisations service.
 */
export async function organisationPages(app: FastifyInstance, { container }: { container: Container }) {
  const { organisations, invoices } = container.services;

  // An organisation's page: an id that is not one is no organisation (and is never put to the database).
  app.addHook('preHandler', async (request) => {
    const { id } = request.params as { id?: string };
    if (id !== undefined && !UUID.test(id)) throw notFound('Organisation');
  });
  const { clock } = container;

  app.get('/staff/organisations', PAGE, async (request, reply) => {
    const { actor, hub } = staffOf(request);
    const [{ items }, payments] = await Promise.all([
      organisations.list(actor, true, { limit: 1000 }),
      invoices.listPayments(actor, hub.id, undefined, { limit: 200 }),
    ]);
    // The organisations' invoices at this hub: the ones still owed first (overdue, then waiting), then newest.
    const OWED: Record<string, number> = { overdue: 0, failed: 1, open: 2, pending: 3 };
    const now = clock.now();
    const day = (iso: string) => formatWhen(iso, iso, hub.timezone, { now }).replace(/ to .*$/, '');
    const invoiceRows = payments.items
      .filter((p) => p.method === 'invoice')
      .sort((a, b) => (OWED[a.status] ?? 9) - (OWED[b.status] ?? 9) || b.createdAt.localeCompare(a.createdAt))
      .map((p) => ({ ...p, amount: formatMoney(p.amountPence), tag: paymentTag(p.status), made: day(p.createdAt), due: p.dueAt ? day(p.dueAt) : null }));
    const row = (o: (typeof items)[number]) => ({ ...o, claimed: tierName(o.claimedTier), tierText: tierName(o.tier), recheck: o.recheckOn ? formatLocalDate(o.recheckOn) : null });
    const waiting = items.filter((o) => o.needsReview || (!o.verified && o.claimedTier !== 'private')).map(row);
    const verified = items.filter((o) => o.verified && !o.needsReview).map(row).sort((a, b) => (a.recheckOn ?? '').localeCompare(b.recheckOn ?? ''));
    return reply.view('staff/views/organisations/list.njk', { title: 'Organisations', waiting, verified, invoices: invoiceRows, moreInvoices: Boolean(payments.next) });
  });

  async function renderVerify(reply: FastifyReply, actor: Actor, id: string, body?: Fields, errors: FieldErrors = {}) {
    const org = await organisations.get(actor, id);
    const values = body
      ? { tier: text(body, 'tier'), evidence: text(body, 'evidence'), paysByInvoice: text(body, 'paysByInvoice') }
      : { tier: org.claimedTier, evidence: org.evidence ?? '', paysByInvoice: org.paysByInvoice ? 'yes' : '' };
    const recheck = body ? readDate(body, 'recheck').value : dateParts(DateTime.fromJSDate(clock.now(), { zone: NETWORK_ZONE }).plus({ years: 1 }).toISODate()!);
    return reply.status(Object.keys(errors).length ? 400 : 200).view('staff/views/organisations/verify.njk', {
      title: `Check ${org.name}`,
      org: { ...org, claimed: tierName(org.claimedTier), recheck: org.recheckOn ? formatLocalDate(org.recheckOn) : null },
      history: org.verifications.map((v) => ({ tier: tierName(v.tier), evidence: v.evidence, recheck: formatLocalDate(v.recheckOn), on: formatLocalDate(v.createdAt.slice(0, 10)) })),
      values,
      recheck,
      tierItems: TIERS.map((t) => ({ value: t, text: tierName(t), checked: values.tier === t })),
      errors: Object.keys(errors).length ? errorList(errors, { tier: 'tier', recheck: 'recheck-day' }) : undefined,
      fieldErrors: errors,
    });
  }

  app.get<{ Params: { id: string } }>('/staff/organisations/:id', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    return renderVerify(reply, actor, request.params.id);
  });

  app.post<{ Params: { id: string }; Body: Fields }>('/staff/organisations/:id', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const b = request.body;
    const errors: FieldErrors = {};
    const tier = text(b, 'tier');
    const evidence = text(b, 'evidence');
    if (!(TIERS as readonly string[]).includes(tier)) errors.tier = 'Select the tier the organisation qualifies for';
    if (!evidence) errors.evidence = 'Enter the evidence you checked, like a charity number and what it showed';
    else if (evidence.length > 2000) errors.evidence = 'The evidence must be 2,000 characters or fewer';
    const recheck = readDate(b, 'recheck');
    const today = DateTime.fromJSDate(clock.now(), { zone: NETWORK_ZONE }).toISODate()!;
    if (recheck.error === 'missing') errors.recheck = 'Enter the date to check it again';
    else if (recheck.error) errors.recheck = 'The re-check date must be a real date, like 1 12 2027';
    else if (recheck.iso! <= today) errors.recheck = 'The re-check date must be in the future';
    if (Object.keys(errors).length) return renderVerify(reply, actor, request.params.id, b, errors);
    try {
      const org = await organisations.verify(actor, request.params.id, { tier: tier as Tier, evidence, recheckOn: recheck.iso!, paysByInvoice: text(b, 'paysByInvoice') === 'yes' });
      flash(request, `${org.name} is verified as ${tierName(org.tier).toLowerCase()}`, `Check it again by ${formatLocalDate(recheck.iso!)}.`);
      return reply.redirect('/staff/organisations', 303);
    } catch (err) {
      // Refused by a rule (or, for staff, by where the group has booked): said on the form.
      const r = refusal(err) ?? (err instanceof DomainError && err.kind === 'forbidden' ? { detail: err.message } : undefined);
      if (!r) throw err;
      return renderVerify(reply, actor, request.params.id, b, { tier: r.detail });
    }
  });
}
