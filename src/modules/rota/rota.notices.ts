import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { rotaRules } from './rota.fns';
import type { Enqueue } from './rota.places';
import type { RotaRepository } from './rota.repository';
import { timeOnly, when } from './rota.views';

/** What the rota asks of self-entry (access.service.ts), and nothing more. */
export interface ShiftCodes {
  issue(input: { hubId: string; userId: string; shiftRef: string; startsAt: Date; endsAt: Date; phone: string | null }): Promise<{ id: string }>;
  revoke(codeId: string, reason: string): Promise<unknown>;
  read(codeId: string): Promise<{ id: string; status: string; validFrom: Date; validUntil: Date; sentAt: Date | null; code?: string } | undefined>;
}

/** Door codes for places, reminders and unfilled-shift alerts: jobs that work from the database's state. */
export function createRotaNotices(deps: { rota: RotaRepository; clock: Clock; enqueue: Enqueue; codes?: ShiftCodes; staffPhones: (hubId: string) => Promise<string[]>; logger: Pick<Logger, 'warn'> }) {
  const { rota, clock, enqueue, codes } = deps;

  async function issue(row: Awaited<ReturnType<RotaRepository['dueCodes']>>[number]): Promise<boolean> {
    if (!codes) return false;
    if (!(await rota.claimCode(row.signup.id))) return false;
    try {
      const c = await codes.issue({ hubId: row.shift.hubId, userId: row.signup.userId, shiftRef: row.shift.id, startsAt: row.shift.startsAt, endsAt: row.shift.endsAt, phone: row.phone });
      await rota.updatePlace(row.signup.id, { accessCodeId: c.id, codeState: 'issued' });
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'no_doors') {
        await rota.updatePlace(row.signup.id, { codeState: 'no_doors' });
        return false;
      }
      await rota.updatePlace(row.signup.id, { codeState: null });
      deps.logger.warn({ err, signupId: row.signup.id }, 'rota: shift code not issued; will retry');
      return false;
    }
  }

  return {
    /** Job: a code for each confirmed place whose code window has opened (texted by self-entry). */
    async issueDueCodes(): Promise<number> {
      let n = 0;
      for (const row of await rota.dueCodes(clock.now(), 100)) if (await issue(row)) n++;
      return n;
    },
    /** Right after someone takes a place: their code at once if its window is open (the job otherwise). */
    async placeTaken(placeId: string): Promise<void> {
      const row = (await rota.dueCodes(clock.now(), 100)).find((r) => r.signup.id === placeId);
      if (row) await issue(row);
    },
    /** Job: codes of places that ended or shifts that changed stop working; a changed shift's place gets a new one when due. */
    async revokeStaleCodes(): Promise<number> {
      if (!codes) return 0;
      let n = 0;
      for (const row of await rota.staleCodes(100)) {
        if (row.signup.accessCodeId) await codes.revoke(row.signup.accessCodeId, 'shift_place_changed');
        const keep = row.signup.status === 'confirmed' && row.shiftState === 'active';
        await rota.updatePlace(row.signup.id, keep ? { codeState: null, accessCodeId: null } : { codeState: 'revoked' });
        n++;
      }
      return n;
    },
    /** Job: one reminder per place, reminderLeadMinutes before the shift. */
    async sendReminders(): Promise<number> {
      let n = 0;
      for (const r of await rota.dueReminders(clock.now(), 200)) {
        if (r.phone) {
          await enqueue({
            kind: 'shift_reminder',
            to: r.phone,
            hubId: r.shift.hubId,
            dedupeKey: `shift_reminder:${r.signup.id}:${r.shift.sequence}`,
            body: `Hubkey reminder: your ${r.shift.role} shift at ${r.hubName}, ${when(r.shift.startsAt, r.timezone)}-${timeOnly(r.shift.endsAt, r.timezone)}. Can't come? Ask for cover in the app.`,
          });
        }
        await rota.updatePlace(r.signup.id, { reminderSentAt: clock.now() });
        n++;
      }
      return n;
    },
    /** Job: once per shift still short unfilledAlertHours before it, staff and the hub's eligible volunteers are texted. */
    async alertUnfilled(): Promise<number> {
      let n = 0;
      for (const r of await rota.unfilledDue(clock.now(), 100)) {
        const rules = rotaRules(r.settings);
        const short = r.shift.volunteersNeeded - r.filled;
        const body = `Hubkey: ${r.hubName} still needs ${short} volunteer${short === 1 ? '' : 's'} (${r.shift.role}) ${when(r.shift.startsAt, r.timezone)}-${timeOnly(r.shift.endsAt, r.timezone)}. Sign up in the app if you can.`;
        const phones = new Set([...(await deps.staffPhones(r.shift.hubId)), ...(await rota.eligiblePhones(r.shift.hubId, r.shift.id, r.shift.role, rules.trainedRolesOnly)).map((v) => v.phone!)]);
        for (const to of phones) await enqueue({ kind: 'shift_unfilled', to, body, hubId: r.shift.hubId, dedupeKey: `shift_unfilled:${r.shift.id}:${to}` });
        await rota.markAlerted(r.shift.id, clock.now());
        n++;
      }
      return n;
    },
  };
}
export type RotaNotices = ReturnType<typeof createRotaNotices>;
