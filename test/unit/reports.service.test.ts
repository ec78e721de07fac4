import { FixedClock } from '../../src/lib/clock';
import type { Actor } from '../../src/modules/auth/actor';
import type { ReportsRepository, UsageQuery } from '../../src/modules/reports/reports.repository';
import { CONCURRENT_REPORTS, createReportsService, noVolunteerHours } from '../../src/modules/reports/reports.service';
import { hubSettingsSchema, openOn } from '../../src/modules/venues/venues.types';

const hub = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'Fake hub',
  address: '1 Street',
  timezone: 'Europe/London',
  openingHours: openOn('09:00', '17:00'),
  settings: hubSettingsSchema.parse({}),
  createdAt: new Date(),
};
const admin: Actor = { userId: 'u', email: 'a@x', name: 'A', isAdmin: true, staffHubs: new Set(), volunteerHubs: new Set(), organisations: new Set() };

/** A repository whose usage statement takes a while and counts how many run at once. */
function fakeRepository() {
  let running = 0;
  const seen = { max: 0, calls: [] as UsageQuery[] };
  const repo = {
    hubsByIds: async () => [hub],
    listHubs: async () => [hub],
    roomsOf: async () => [],
    closuresOf: async () => [],
    usage: async (q: UsageQuery) => {
      seen.calls.push(q);
      running++;
      seen.max = Math.max(seen.max, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      return [];
    },
  } as unknown as ReportsRepository;
  return { repo, seen };
}

describe('reports service', () => {
  it(`runs at most ${CONCURRENT_REPORTS} report statements at once and answers every request`, async () => {
    const { repo, seen } = fakeRepository();
    const service = createReportsService({ reports: repo, clock: new FixedClock('2026-06-01T00:00:00Z'), volunteerHours: noVolunteerHours });
    const answers = await Promise.all(Array.from({ length: 7 }, () => service.hubUsage(admin, hub.id, { from: '2026-01-01', to: '2026-03-31' })));
    expect(answers).toHaveLength(7);
    expect(seen.calls).toHaveLength(7);
    expect(seen.max).toBe(CONCURRENT_REPORTS);
  });

  it("asks for each of the hub's local months, cut to the period, as instants", async () => {
    const { repo, seen } = fakeRepository();
    const service = createReportsService({ reports: repo, clock: new FixedClock('2026-06-01T00:00:00Z'), volunteerHours: noVolunteerHours });
    await service.hubUsage(admin, hub.id, { from: '2026-03-15', to: '2026-04-02' });
    expect(seen.calls[0].months).toEqual([
      // Both are cut by the period, so neither may be read from the roll-up.
      { hubId: hub.id, month: '2026-03', start: new Date('2026-03-15T00:00:00Z'), end: new Date('2026-03-31T23:00:00Z'), whole: false },
      { hubId: hub.id, month: '2026-04', start: new Date('2026-03-31T23:00:00Z'), end: new Date('2026-04-02T23:00:00Z'), whole: false },
    ]);
  });

  it('marks a month whole only when the period covers all of it, clock change included', async () => {
    const { repo, seen } = fakeRepository();
    const service = createReportsService({ reports: repo, clock: new FixedClock('2026-06-01T00:00:00Z'), volunteerHours: noVolunteerHours });
    await service.hubUsage(admin, hub.id, { from: '2026-02-01', to: '2026-04-15' });
    expect(seen.calls[0].months).toEqual([
      { hubId: hub.id, month: '2026-02', start: new Date('2026-02-01T00:00:00Z'), end: new Date('2026-03-01T00:00:00Z'), whole: true },
      // March in London: GMT until the 29th, then BST, so it ends at 23:00 UTC.
      { hubId: hub.id, month: '2026-03', start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-03-31T23:00:00Z'), whole: true },
      { hubId: hub.id, month: '2026-04', start: new Date('2026-03-31T23:00:00Z'), end: new Date('2026-04-15T23:00:00Z'), whole: false },
    ]);
  });

  it('answers an empty network with zeros (no months to ask about)', async () => {
    const { repo, seen } = fakeRepository();
    (repo as unknown as { listHubs: () => Promise<unknown[]> }).listHubs = async () => [];
    const service = createReportsService({ reports: repo, clock: new FixedClock('2026-06-01T00:00:00Z'), volunteerHours: noVolunteerHours });
    const r = await service.networkUsage(admin, { from: '2026-01-01', to: '2026-01-31' });
    expect(r.totals).toMatchObject({ bookings: 0, incomePence: 0, bookableHours: 0, occupancy: 0 });
    expect(r.byHub).toEqual([]);
    expect(seen.calls).toEqual([{ months: [], now: new Date('2026-06-01T00:00:00Z') }]);
  });
});
