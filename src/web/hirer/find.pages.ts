import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container';
import { MINUTE } from '../../lib/time';
import type { Actor } from '../../modules/auth/actor';
import { checkBookingRules } from '../../modules/bookings/bookings.fns';
import { NETWORK_ZONE } from '../../modules/organisations/organisations.service';
import { KNOWN_FEATURES } from '../../modules/venues/venues.schemas';
import type { HubSettings } from '../../modules/venues/venues.types';
import { type FieldErrors, type Fields, errorList, many, text } from '../forms';
import { featureName, formatWhen } from '../format';
import { localInstant, readSlot, slotQuery, slotTimes, slotValues, whenFields } from './slot';

const PAGE = { schema: { hide: true } };

/** The features a hirer can ask for, in the order people look for them. */
export const FEATURE_CHOICES = ['step_free_access', 'accessible_toilet', 'hearing_loop', 'kitchen', 'projector', 'garden'].filter((f) => KNOWN_FEATURES.includes(f));

/** Reads "how many people" (a whole number from 1); undefined when it is not one. */
export function readPeople(fields: Fields | undefined, errors: FieldErrors, name = 'people'): number | undefined {
  const raw = text(fields, name);
  if (!raw) {
    errors[name] = 'Enter how many people will come, for example 12';
    return undefined;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    errors[name] = 'Enter how many people as a whole number, for example 12';
    return undefined;
  }
  if (Number(raw) > 10000) {
    errors[name] = 'Enter 10,000 people or fewer';
    return undefined;
  }
  return Number(raw);
}

/** The organisation whose price a page shows: the one asked for if it is mine, else my first. */
export async function chooseOrganisation(container: Container, actor: Actor | undefined, asked: string) {
  if (!actor) return { organisations: [], organisation: undefined };
  const me = await container.services.auth.me(actor.userId);
  const organisation = me.organisations.find((o) => o.id === asked) ?? me.organisations[0];
  return { organisations: me.organisations, organisation };
}

/** Find a room: when, how many people, which features, which hub → the rooms free then, priced for my group. */
export async function findPages(app: FastifyInstance, { container }: { container: Container }) {
  const { venues } = container.services;
  const { clock } = container;

  app.get<{ Querystring: Record<string, unknown> }>('/', PAGE, async (request, reply) => {
    const q = request.query;
    const hubs = (await venues.listHubs({ limit: 200 })).items;
    const asked = 'date-day' in q || 'start' in q || 'people' in q;
    const features = many(q, 'features').filter((f) => FEATURE_CHOICES.includes(f));
    const hubId = text(q, 'hub');
    const hub = hubs.find((h) => h.id === hubId);
    const { organisations, organisation } = await chooseOrganisation(container, request.actor, text(q, 'org'));
    const base = {
      title: 'Find a room',
      width: 'full',
      hubItems: [{ value: '', text: 'Any hub' }, ...hubs.map((h) => ({ value: h.id, text: h.name, selected: h.id === hubId }))],
      featureItems: FEATURE_CHOICES.map((f) => ({ value: f, text: featureName(f), checked: features.includes(f) })),
      orgItems: organisations.length > 1 ? organisations.map((o) => ({ value: o.id, text: o.name, selected: o.id === organisation?.id })) : undefined,
      organisation,
    };
    if (!asked) {
      return reply.view('hirer/views/find.njk', { ...base, people: '', when: whenFields(slotValues({}), {}), fieldErrors: {} });
    }
    const zone = hub?.timezone ?? hubs[0]?.timezone ?? NETWORK_ZONE;
    const now = clock.now();
    const { slot, values, errors } = readSlot(q, zone, now);
    const people = readPeople(q, errors);
    const view = { ...base, people: text(q, 'people'), when: whenFields(values, errors), fieldErrors: errors };
    if (!slot || people === undefined) {
      return reply.status(400).view('hirer/views/find.njk', { ...view, errors: errorList(errors, { date: 'date-day' }) });
    }
    const { startsAt, endsAt } = slotTimes(slot);
    const found = await venues.search(request.actor, { startsAt, endsAt, capacity: people, features, hubId: hub?.id, organisationId: organisation?.id, limit: 50 });
    const settingsOf = new Map(hubs.map((h) => [h.id, h.settings as HubSettings]));
    const starts = localInstant(startsAt, zone);
    const ends = localInstant(endsAt, zone);
    // Nothing that could not be booked: the rules a booking would meet (length, notice, how far ahead).
    const rooms = found.items.filter(
      (r) =>
        !checkBookingRules({
          startsAt: starts,
          endsAt: ends,
          now,
          attendees: people,
          capacity: r.capacity,
          minBookingMinutes: r.minBookingMinutes,
          maxBookingMinutes: r.maxBookingMinutes,
          settings: settingsOf.get(r.hub.id) ?? { minNoticeMinutes: 0, maxAdvanceDays: 3660 },
          byStaff: false,
          withinOpeningHours: () => true,
        }),
    );
    const carry = slotQuery(slot, { people, org: organisation?.id });
    return reply.view('hirer/views/find.njk', {
      ...view,
      signInLink: `/sign-in?next=${encodeURIComponent(request.url)}`,
      searched: {
        when: formatWhen(starts, ends, zone, { now }),
        minutes: (ends.getTime() - starts.getTime()) / MINUTE,
        needsReview: 'needsReview' in found ? found.needsReview : false,
      },
      rooms: rooms.map((r) => ({ ...r, link: `/rooms/${r.id}?${carry}`, bookLink: `/book/start?room=${r.id}&${carry}` })),
    });
  });
}
