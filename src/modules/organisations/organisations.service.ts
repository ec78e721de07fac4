import { DateTime } from 'luxon';
import { pageOf, type PageArgs } from '../../db/keyset';
import type { Clock } from '../../lib/clock';
import { toZonedIso } from '../../lib/time';
import { forbidden, invalid, notFound, unprocessable } from '../../lib/errors';
import type { Tier } from '../../db/schema/organisations.types';
import { type Actor, isAnyStaff, isMemberOfOrg } from '../auth/actor';
import { tierStanding } from './organisations.fns';
import type { OrganisationRow, OrganisationsRepository } from './organisations.repository';

/** Dates of tier re-checks are read in the network's home zone. */
export const NETWORK_ZONE = 'Europe/London';

export function createOrganisationsService(deps: { organisations: OrganisationsRepository; clock: Clock }) {
  const { organisations, clock } = deps;
  const today = () => DateTime.fromJSDate(clock.now(), { zone: NETWORK_ZONE }).toISODate()!;

  function present(o: OrganisationRow) {
    const standing = tierStanding(o, today());
    return {
      id: o.id,
      name: o.name,
      tier: standing.tier,
      claimedTier: o.claimedTier,
      verifiedTier: o.verifiedTier,
      verificationStatus: o.verificationStatus,
      verified: standing.verified,
      needsReview: standing.needsReview,
      recheckOn: o.recheckOn,
      charityNumber: o.charityNumber,
      contactPhone: o.contactPhone,
      paysByInvoice: o.paysByInvoice,
    };
  }

  /** Members and staff (any hub: organisations hire across the network) may see one; others get 404. */
  async function visibleOr404(actor: Actor, id: string) {
    const org = await organisations.get(id);
    if (!org || !(isMemberOfOrg(actor, id) || isAnyStaff(actor))) throw notFound('Organisation');
    return org;
  }

  return {
    present,
    today,
    async create(actor: Actor, input: { name: string; claimedTier: Tier; charityNumber?: string; contactPhone: string }) {
      const org = await organisations.insert({
        name: input.name.trim(),
        claimedTier: input.claimedTier,
        charityNumber: input.charityNumber ?? null,
        contactPhone: input.contactPhone,
        createdBy: actor.userId,
      });
      await organisations.addMember(org.id, actor.userId);
      return present(org);
    },
    async get(actor: Actor, id: string) {
      const org = await visibleOr404(actor, id);
      const [members, verifications] = await Promise.all([organisations.members(id), organisations.verifications(id)]);
      return {
        ...present(org),
        evidence: org.evidence,
        members,
        verifications: verifications.map((v) => ({ ...v, createdAt: toZonedIso(v.createdAt, NETWORK_ZONE) })),
      };
    },
    /** A page of the caller's organisations (all of them for staff with `all`), by name, then id. */
    async list(actor: Actor, all: boolean, p: PageArgs) {
      const fetch = { ...p, limit: p.limit + 1 };
      let rows: OrganisationRow[];
      if (all) {
        if (!isAnyStaff(actor)) throw forbidden('Only staff may list every organisation');
        rows = await organisations.listAll(fetch);
      } else {
        rows = (await organisations.listForUser(actor.userId, fetch)).map((r) => r.org);
      }
      const { rows: kept, next } = pageOf(rows, p.limit, (o) => [o.name, o.id]);
      return { items: kept.map(present), next };
    },
    async verify(actor: Actor, id: string, input: { tier: Tier; evidence: string; recheckOn: string; paysByInvoice?: boolean }) {
      const org = await organisations.get(id);
      if (!org) throw notFound('Organisation');
      if (!isAnyStaff(actor)) {
        if (isMemberOfOrg(actor, id)) throw forbidden('Only hub staff may verify an organisation');
        throw notFound('Organisation');
      }
      // A tier and paying by invoice hold at every hub: only an admin, or staff of a hub the
      // organisation hires at, may change them.
      if (!actor.isAdmin && !(await organisations.hiresAtAnyOf(id, [...actor.staffHubs]))) {
        throw forbidden('Only a network admin, or staff of a hub this organisation has booked at, may change its standing');
      }
      if (!DateTime.fromISO(input.recheckOn).isValid) throw invalid('recheckOn is not a real date', [{ path: 'body.recheckOn', message: 'invalid date' }]);
      if (input.recheckOn <= today()) throw unprocessable('recheck_in_past', 'The re-check date must be in the future');
      const paysByInvoice = input.paysByInvoice ?? org.paysByInvoice;
      await organisations.insertVerification({ organisationId: id, tier: input.tier, evidence: input.evidence, recheckOn: input.recheckOn, paysByInvoice, verifiedBy: actor.userId });
      const updated = await organisations.update(id, {
        verifiedTier: input.tier,
        verificationStatus: 'verified',
        evidence: input.evidence,
        recheckOn: input.recheckOn,
        verifiedBy: actor.userId,
        verifiedAt: clock.now(),
        paysByInvoice,
      });
      return present(updated);
    },
  };
}
export type OrganisationsService = ReturnType<typeof createOrganisationsService>;
