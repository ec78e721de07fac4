import type { DbOrTx } from '../../db/client';
import type { Clock } from '../../lib/clock';
import type { NewOutboxRow } from '../notifications/outbox.repository';
import type { HubRow } from '../venues/venues.repository';
import { rotaRules, signupBreach } from './rota.fns';
import type { RotaRepository, ShiftRow, SignupRow } from './rota.repository';
import { when, timeOnly } from './rota.views';

export type Enqueue = (msg: NewOutboxRow, tx?: DbOrTx) => Promise<unknown>;

/** What several rota services do to places and texts, inside the caller's transaction. */
export function createPlaceOps(deps: { rota: RotaRepository; clock: Clock; enqueue: Enqueue }) {
  const { rota, enqueue } = deps;
  const span = (s: ShiftRow, hub: HubRow) => `${when(s.startsAt, hub.timezone)}-${timeOnly(s.endsAt, hub.timezone)}`;

  const ops = {
    span,
    /** One text to each volunteer with a live place on the shift (once per change: the key carries the shift's sequence). */
    async tellPlaces(tx: DbOrTx, shift: ShiftRow, hub: HubRow, kind: string, body: string) {
      for (const p of await rota.placesOf([shift.id], tx)) {
        if (!p.phone) continue;
        await enqueue({ kind, to: p.phone, body, hubId: hub.id, dedupeKey: `${kind}:${shift.id}:${shift.sequence}:${p.signup.userId}` }, tx);
      }
    },
    /** Texts one volunteer about their place. */
    async tellOne(tx: DbOrTx, place: SignupRow, hub: HubRow, kind: string, body: string, phone: string | null) {
      if (!phone) return;
      await enqueue({ kind, to: phone, body, hubId: hub.id, dedupeKey: `${kind}:${place.id}` }, tx);
    },
    /**
     * Free places go to the waiting list in order: each waiting volunteer whose other shifts still
     * allow it takes one and is texted. Call with the shift row locked.
     */
    async promoteWaiting(tx: DbOrTx, shift: ShiftRow, hub: HubRow): Promise<SignupRow[]> {
      if (shift.state !== 'active' || shift.startsAt <= deps.clock.now()) return [];
      const rules = rotaRules(hub.settings);
      let free = shift.volunteersNeeded - (await rota.filled(shift.id, tx));
      const promoted: SignupRow[] = [];
      if (free <= 0) return promoted;
      const waiting = (await rota.placesOf([shift.id], tx)).filter((p) => p.signup.status === 'waitlisted');
      for (const w of waiting) {
        if (free <= 0) break;
        const mine = await rota.myShiftsNear(w.signup.userId, new Date(shift.startsAt.getTime() - 86_400_000), new Date(shift.endsAt.getTime() + 86_400_000), tx);
        if (signupBreach(shift, mine, rules, hub.timezone)) continue;
        const place = await rota.updatePlace(w.signup.id, { status: 'confirmed' }, tx);
        promoted.push(place);
        free--;
        await ops.tellOne(tx, place, hub, 'shift_place_freed', `Hubkey: a place came free and it is yours: ${shift.role} at ${hub.name}, ${span(shift, hub)}. Withdraw in the app if you cannot come.`, w.phone);
      }
      return promoted;
    },
    /** A place ends (withdrawn, removed, replaced): its door code is revoked by the code job. */
    leave: (tx: DbOrTx, place: SignupRow, status: 'withdrawn' | 'removed' | 'replaced') =>
      rota.updatePlace(place.id, { status, coverRequestedAt: null, codeState: place.codeState === 'issued' ? 'stale' : place.codeState }, tx),
  };
  return ops;
}
export type PlaceOps = ReturnType<typeof createPlaceOps>;
