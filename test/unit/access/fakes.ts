/** Small in-memory stand-ins shared by the access services' unit tests. */
import type { Actor } from '../../../src/modules/auth/actor';
import type { AccessCodeRow, DoorRow } from '../../../src/modules/access/access.repository';

export const HUB = { id: 'hub-1', name: 'Elm Hub', timezone: 'Europe/London', settings: { earlyEntryMinutes: 15, lateExitMinutes: 15, codeLeadMinutes: 1440 } };

export function actor(over: Partial<Actor> = {}): Actor {
  return { userId: 'u-1', email: 'a@example.org', name: 'A', isAdmin: false, staffHubs: new Set(), volunteerHubs: new Set(), organisations: new Set(), ...over };
}

export function door(over: Partial<DoorRow> = {}): DoorRow {
  return { id: 'door-1', hubId: HUB.id, name: 'Front door', provider: 'keypad', providerDeviceId: null, deviceKeyHash: null, codeLengths: null, active: true, createdAt: new Date('2026-01-01T00:00:00Z'), ...over } as DoorRow;
}

export function code(over: Partial<AccessCodeRow> = {}): AccessCodeRow {
  return {
    id: 'code-1',
    hubId: HUB.id,
    kind: 'booking',
    bookingId: 'b-1',
    roomId: 'room-1',
    userId: null,
    shiftRef: null,
    bookingStartsAt: new Date('2026-03-03T10:00:00Z'),
    bookingEndsAt: new Date('2026-03-03T12:00:00Z'),
    codeCipher: 'enc:123456',
    codeLength: 6,
    validFrom: new Date('2026-03-03T09:45:00Z'),
    validUntil: new Date('2026-03-03T12:15:00Z'),
    phone: '+447700900001',
    status: 'active',
    sentAt: null,
    createdAt: new Date('2026-03-02T10:00:00Z'),
    ...over,
  } as AccessCodeRow;
}

/** A cipher whose "encryption" is readable, so tests can see which digits went where. */
export const cipher = {
  encrypt: (p: string) => `enc:${p}`,
  decrypt: (t: string) => t.replace(/^enc:/, ''),
  lookupHash: (scope: string, p: string) => `${scope}#${p}`,
};

/** Runs the callback with a dummy transaction handle. */
export const db = { transaction: <T>(fn: (tx: never) => Promise<T>) => fn({} as never) };

/** Records what was queued; a repeated dedupeKey queues nothing, as the real outbox does. */
export function outbox() {
  const queued: { kind: string; to: string; body: string; dedupeKey?: string | null }[] = [];
  const alerts: { hubId: string; body: string; key: string }[] = [];
  return {
    queued,
    alerts,
    async enqueue(m: { kind: string; to: string; body: string; dedupeKey?: string | null }) {
      if (m.dedupeKey && queued.some((q) => q.dedupeKey === m.dedupeKey)) return undefined;
      queued.push(m);
      return { id: `o-${queued.length}` } as never;
    },
    async enqueueMany(ms: { kind: string; to: string; body: string; dedupeKey?: string | null }[]) {
      let n = 0;
      for (const m of ms) if (await this.enqueue(m)) n++;
      return n;
    },
    /** No limits in these unit tests (test/integration/texts.test.ts covers them). */
    async checkLimit() {},
    async alertStaff(hubId: string, body: string, key: string) {
      if (alerts.some((a) => a.key === key)) return 0;
      alerts.push({ hubId, body, key });
      return 1;
    },
  };
}
