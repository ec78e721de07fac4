import type { Clock } from '../../lib/clock';
import { invalid, notFound } from '../../lib/errors';
import { DAY_MS, parseHubTime, toZonedIso } from '../../lib/time';
import type { Actor } from '../auth/actor';
import { NETWORK_ZONE } from '../organisations/organisations.service';
import { rotaRules, type ShiftRole } from './rota.fns';
import type { ShiftCodes } from './rota.notices';
import type { RotaRepository } from './rota.repository';
import type { ShiftsService } from './rota.service';
import { presentPlace, presentShift } from './rota.views';

/** A volunteer's own shifts and hours, and staff's view of the hub's volunteers. */
export function createRotaPeople(deps: { rota: RotaRepository; clock: Clock; shifts: Pick<ShiftsService, 'hubOr404'>; codes?: Pick<ShiftCodes, 'read'> }) {
  const { rota, clock } = deps;

  function range(q: { from?: string; to?: string }, defaults: { back: number; ahead: number }, maxDays: number) {
    const now = clock.now().getTime();
    const from = q.from ? parseHubTime(q.from, NETWORK_ZONE, 'from') : new Date(now - defaults.back * DAY_MS);
    const to = q.to ? parseHubTime(q.to, NETWORK_ZONE, 'to') : new Date(Math.max(from.getTime(), now) + defaults.ahead * DAY_MS);
    if (to <= from) throw invalid('to must be after from', [{ path: 'querystring.to', message: 'not after from' }]);
    if (to.getTime() - from.getTime() > maxDays * DAY_MS) throw invalid(`Ask for at most ${maxDays} days at once`, [{ path: 'querystring.to', message: `more than ${maxDays} days after from` }]);
    return { from, to };
  }

  return {
    /** GET /me/shifts: my places (and waiting-list places), each with its shift and, inside its window, the door code. */
    async myShifts(actor: Actor, q: { from?: string; to?: string }) {
      const { from, to } = range(q, { back: 1, ahead: 90 }, 400);
      const rows = await rota.myPlaces(actor.userId, from, to);
      const all = await rota.placesOf(rows.map((r) => r.shift.id));
      const items = [];
      for (const r of rows) {
        const code = r.signup.accessCodeId && r.signup.codeState === 'issued' ? await deps.codes?.read(r.signup.accessCodeId) : undefined;
        const places = all.filter((p) => p.signup.shiftId === r.shift.id);
        items.push({
          place: presentPlace(r.signup, places.filter((p) => p.signup.status === 'waitlisted')),
          hubName: r.hubName,
          shift: presentShift(actor, r.shift, r.timezone, places),
          access: code
            ? { accessCodeId: code.id, status: code.status, validFrom: toZonedIso(code.validFrom, r.timezone), validUntil: toZonedIso(code.validUntil, r.timezone), sentAt: code.sentAt ? toZonedIso(code.sentAt, r.timezone) : null, ...(code.code ? { code: code.code } : {}) }
            : null,
        });
      }
      return { items };
    },

    /** GET /me/hours: my attended hours by hub, role and month. */
    async myHours(actor: Actor, q: { from?: string; to?: string }) {
      const { from, to } = range(q, { back: 366, ahead: 0 }, 3 * 366);
      const rows = await rota.attendedMinutesByHubRoleMonth({ from, to, userId: actor.userId });
      const minutes = rows.reduce((a, r) => a + r.minutes, 0);
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        totalMinutes: minutes,
        totalHours: Math.round((minutes / 60) * 100) / 100,
        items: rows.map((r) => ({ hubId: r.hubId, hubName: r.hubName, role: r.role, month: r.month, minutes: r.minutes, hours: Math.round((r.minutes / 60) * 100) / 100 })),
      };
    },

    /** GET /hubs/:hubId/volunteers (staff). */
    async volunteers(actor: Actor, hubId: string) {
      const hub = await deps.shifts.hubOr404(actor, hubId, true);
      const rules = rotaRules(hub.settings);
      const rows = await rota.volunteersOf(hubId, clock.now());
      return {
        items: rows.map((v) => ({
          userId: v.userId,
          name: v.name,
          email: v.email,
          phone: v.phone,
          trainedRoles: v.trainedRoles ?? [],
          notes: v.notes ?? null,
          upcomingPlaces: v.upcoming,
          attendedMinutes: v.attendedMinutes,
          hours: Math.round((v.attendedMinutes / 60) * 100) / 100,
          noShows: v.noShows,
          signupBlocked: v.noShows >= rules.maxNoShows,
        })),
      };
    },

    /** PUT /hubs/:hubId/volunteers/:userId (staff): trained roles, notes, and clearing no-shows. */
    async setVolunteer(actor: Actor, hubId: string, userId: string, input: { trainedRoles: ShiftRole[]; notes?: string | null; clearNoShows?: boolean }) {
      await deps.shifts.hubOr404(actor, hubId, true);
      if (!(await rota.isMember(hubId, userId, 'volunteer'))) throw notFound('Volunteer');
      const current = await rota.profile(hubId, userId);
      const row = await rota.upsertProfile({
        hubId,
        userId,
        trainedRoles: [...new Set(input.trainedRoles)],
        notes: input.notes === undefined ? (current?.notes ?? null) : input.notes,
        noShowsClearedAt: input.clearNoShows ? clock.now() : (current?.noShowsClearedAt ?? null),
      });
      return { hubId, userId, trainedRoles: row.trainedRoles, notes: row.notes, noShowsClearedAt: row.noShowsClearedAt?.toISOString() ?? null };
    },
  };
}
export type RotaPeople = ReturnType<typeof createRotaPeople>;
