import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container';
import { rotaRules } from '../../modules/rota/rota.fns';
import type { ShiftView } from '../../modules/rota/rota.views';
import type { Actor } from '../../modules/auth/actor';
import { notFound } from '../../lib/errors';
import { flash } from '../forms';
import { UUID } from '../staff/page';
import { formatWhen, formatDate, formatTime, listInWords } from '../format';
import { volunteerOnly } from './guard';
import { reasonText, refusal, roleName } from './words';

const PAGE = { schema: { hide: true } };
const HOUR_MS = 3_600_000;
type Params = { Params: { id: string } };
/** The shift a path names: an id that is not one is no shift (and is never put to the database). */
const shiftId = (id: string) => {
  if (!UUID.test(id)) throw notFound('Shift');
  return id;
};

/**
 * The volunteer's shifts: mine (next first, with the door code inside its window), withdraw or ask
 * for cover; open shifts I can take, with the reason in words when I cannot; sign up, join a
 * waiting list, take a shift looking for cover. Everything through the rota's services.
 */
export async function volunteerShiftPages(app: FastifyInstance, { container }: { container: Container }) {
  const { shifts, signups, people } = container.services.rota;
  const { clock } = container;

  const hubOf = (() => {
    // One request's hubs, read once each.
    return async (actor: Actor, hubId: string, cache: Map<string, Awaited<ReturnType<typeof shifts.hubOr404>>>) => {
      let hub = cache.get(hubId);
      if (!hub) cache.set(hubId, (hub = await shifts.hubOr404(actor, hubId, false)));
      return hub;
    };
  })();

  async function myShiftsModel(actor: Actor) {
    const now = clock.now();
    const { items } = await people.myShifts(actor, {});
    const hubs = new Map();
    const firstName = actor.name.split(' ')[0];
    const out = [];
    for (const item of items) {
      const s = item.shift;
      if (new Date(s.endsAt) <= now || s.status === 'cancelled') continue;
      const hub = await hubOf(actor, s.hubId, hubs);
      const rules = rotaRules(hub.settings);
      const starts = new Date(s.startsAt);
      const withdrawBy = new Date(starts.getTime() - rules.withdrawHours * HOUR_MS);
      // Everyone else on the shift: the list holds first names; mine is left out once.
      const names = s.volunteers.map((v) => v.name);
      const me = item.place.status === 'confirmed' ? names.indexOf(firstName) : -1;
      if (me >= 0) names.splice(me, 1);
      const confirmed = item.place.status === 'confirmed';
      out.push({
        id: s.id,
        when: formatWhen(s.startsAt, s.endsAt, s.timezone, { now }),
        role: roleName(s.role),
        title: s.title,
        notes: s.notes,
        hubName: item.hubName,
        address: hub.address,
        others: names.length ? listInWords(names) : 'Nobody else yet',
        waiting: item.place.status === 'waitlisted',
        position: item.place.waitlistPosition,
        coverRequested: item.place.coverRequested,
        started: starts <= now,
        canWithdraw: !confirmed || now < withdrawBy,
        withdrawBy: `${formatTime(withdrawBy, s.timezone)} on ${formatDate(withdrawBy, s.timezone, { now })}`,
        access: item.access?.code
          ? { code: item.access.code, from: formatTime(item.access.validFrom, s.timezone), until: formatWhen(item.access.validFrom, item.access.validUntil, s.timezone, { now }) }
          : null,
        accessFrom: item.access && !item.access.code ? `${formatTime(item.access.validFrom, s.timezone)} on ${formatDate(item.access.validFrom, s.timezone, { now })}` : null,
      });
    }
    return out;
  }

  async function renderMine(request: FastifyRequest, reply: FastifyReply, actor: Actor, error?: { id: string; text: string }) {
    const items = await myShiftsModel(actor);
    return reply.status(error ? 422 : 200).view('volunteer/views/shifts.njk', {
      title: 'My shifts',
      width: 'full',
      items,
      errors: error ? [{ text: error.text, href: `#shift-${error.id}` }] : undefined,
    });
  }

  app.get('/volunteer', PAGE, async (request, reply) => {
    if (!volunteerOnly(request, reply)) return reply;
    return reply.redirect('/volunteer/shifts', 303);
  });

  app.get('/volunteer/shifts', PAGE, async (request, reply) => {
    const actor = volunteerOnly(request, reply);
    if (!actor) return reply;
    return renderMine(request, reply, actor);
  });

  /** Withdraw (or leave a waiting list); too late, the page says to ask for cover. */
  app.post<Params>('/volunteer/shifts/:id/withdraw', PAGE, async (request, reply) => {
    const actor = volunteerOnly(request, reply);
    if (!actor) return reply;
    const id = shiftId(request.params.id);
    const before = await shifts.get(actor, id);
    try {
      await signups.withdraw(actor, id);
    } catch (err) {
      const r = refusal(err);
      if (!r) throw err;
      const hub = await shifts.hubOr404(actor, before.hubId, false);
      return renderMine(request, reply, actor, { id, text: reasonText(r.code, rotaRules(hub.settings), before.role) });
    }
    flash(request, before.myPlace?.status === 'waitlisted' ? 'You have left the waiting list' : 'You are off the shift', `${roleName(before.role)}, ${formatWhen(before.startsAt, before.endsAt, before.timezone, { now: clock.now() })}.`);
    return reply.redirect('/volunteer/shifts', 303);
  });

  app.post<Params>('/volunteer/shifts/:id/cover', PAGE, async (request, reply) => {
    const actor = volunteerOnly(request, reply);
    if (!actor) return reply;
    const id = shiftId(request.params.id);
    try {
      const s = await signups.askCover(actor, id);
      flash(request, 'Your shift is offered for cover', `The place stays yours until another volunteer takes it; you will get a text when they do. ${roleName(s.role)}, ${formatWhen(s.startsAt, s.endsAt, s.timezone, { now: clock.now() })}.`);
    } catch (err) {
      const r = refusal(err);
      if (!r) throw err;
      const s = await shifts.get(actor, id);
      const hub = await shifts.hubOr404(actor, s.hubId, false);
      return renderMine(request, reply, actor, { id, text: reasonText(r.code, rotaRules(hub.settings), s.role) });
    }
    return reply.redirect('/volunteer/shifts', 303);
  });

  // ---- open shifts

  async function openModel(actor: Actor) {
    const now = clock.now();
    const hubs = new Map();
    const groups = [];
    for (const hubId of actor.volunteerHubs) {
      const hub = await hubOf(actor, hubId, hubs);
      const rules = rotaRules(hub.settings);
      const { items } = await shifts.list(actor, hubId, { limit: 200 });
      const rows = [];
      for (const s of items as ShiftView[]) {
        if (s.status === 'cancelled' || new Date(s.startsAt) <= now || s.myPlace) continue;
        const reasons = await signups.reasons(actor, s.id);
        const blockers = reasons.filter((r) => r !== 'shift_full');
        const full = reasons.includes('shift_full');
        const cover = full && s.lookingForCover > 0;
        const action = blockers.length ? null : cover ? 'cover' : full ? 'waitlist' : 'signup';
        rows.push({
          id: s.id,
          when: formatWhen(s.startsAt, s.endsAt, s.timezone, { now }),
          role: roleName(s.role),
          title: s.title,
          places: `${s.filled} of ${s.volunteersNeeded} ${s.volunteersNeeded === 1 ? 'place' : 'places'} taken`,
          waiting: s.waitlistLength,
          cover,
          action,
          reasons: blockers.map((code) => reasonText(code, rules, s.role)),
        });
      }
      groups.push({ hubId, hubName: hub.name, rows });
    }
    return groups.sort((a, b) => a.hubName.localeCompare(b.hubName));
  }

  async function renderOpen(request: FastifyRequest, reply: FastifyReply, actor: Actor, error?: { id: string; text: string }) {
    return reply.status(error ? 422 : 200).view('volunteer/views/open.njk', {
      title: 'Open shifts',
      width: 'full',
      groups: await openModel(actor),
      errors: error ? [{ text: error.text, href: `#shift-${error.id}` }] : undefined,
    });
  }

  app.get('/volunteer/open', PAGE, async (request, reply) => {
    const actor = volunteerOnly(request, reply);
    if (!actor) return reply;
    return renderOpen(request, reply, actor);
  });

  const ACTIONS = {
    signup: { run: signups.signup, title: 'You are on the shift' },
    waitlist: { run: signups.waitlist, title: 'You are on the waiting list' },
    cover: { run: signups.takeCover, title: 'You have taken over the shift' },
  } as const;

  for (const [name, { run, title }] of Object.entries(ACTIONS)) {
    app.post<Params>(`/volunteer/open/:id/${name}`, PAGE, async (request, reply) => {
      const actor = volunteerOnly(request, reply);
      if (!actor) return reply;
      const id = shiftId(request.params.id);
      const s = await shifts.get(actor, id);
      try {
        await run(actor, id);
      } catch (err) {
        const r = refusal(err);
        if (!r) throw err;
        const hub = await shifts.hubOr404(actor, s.hubId, false);
        return renderOpen(request, reply, actor, { id, text: reasonText(r.code, rotaRules(hub.settings), s.role) });
      }
      const body =
        name === 'waitlist'
          ? 'If a place comes free you get it, and a text to say so.'
          : name === 'cover'
            ? 'The volunteer who asked for cover is off it and gets a text. Your door code shows on My shifts shortly before it starts.'
            : 'Your door code shows on My shifts, and comes by text, shortly before it starts.';
      flash(request, title, `${roleName(s.role)}, ${formatWhen(s.startsAt, s.endsAt, s.timezone, { now: clock.now() })}. ${body}`);
      return reply.redirect('/volunteer/shifts', 303);
    });
  }
}
