import { count } from 'drizzle-orm';
import type { Db } from './client';
import { generateDeviceKey, hashPassword, hashSecret } from '../lib/crypto';
import { DateTime } from 'luxon';
import { bookings, doorRooms, doors, hubMembers, hubs, organisationMembers, organisations, rateCards, rooms, shiftSignups, shifts, tierVerifications, users, volunteerProfiles } from './schema';
import { pastBookings } from './seed.history';
import { neededShifts, rotaRules } from '../modules/rota/rota.fns';
import type { RateCardInput } from '../modules/pricing/pricing.fns';
import { hubSettingsSchema, openOn, WEEKDAYS, type OpeningHours } from '../modules/venues/venues.types';

export const DEMO_PASSWORD = 'hubkey-demo';

export const DEMO_LOGINS = [
  { email: 'admin@example.org', role: 'network admin' },
  { email: 'staff@example.org', role: 'staff of Riverside Community Hub' },
  { email: 'staff2@example.org', role: 'staff of Northgate Hub' },
  { email: 'volunteer@example.org', role: 'volunteer at Riverside Community Hub' },
  { email: 'community@example.org', role: 'member of Tuesday Memory Café (community, verified)' },
  { email: 'charity@example.org', role: 'member of Carers Together UK (national charity)' },
  { email: 'statutory@example.org', role: 'member of City Council Adult Services (statutory, pays by invoice)' },
  { email: 'private@example.org', role: 'member of Brightside Consulting Ltd (private)' },
];

/** Weekdays as given, Saturday 09:00 to 17:00, closed on Sunday. */
const weekdays = (opens: string, closes: string): OpeningHours => ({ ...openOn(opens, closes, WEEKDAYS.slice(0, 5)), saturday: [{ opens: '09:00', closes: '17:00' }] });

/** True when the database holds any hub or user (seeding then needs --force). */
export async function hasData(db: Db): Promise<boolean> {
  const [u] = await db.select({ n: count() }).from(users);
  const [h] = await db.select({ n: count() }).from(hubs);
  return u.n + h.n > 0;
}

/**
 * Seeds the demo network of API.md. Returns the ids tests and scripts may want.
 * `seamDeviceId`: a Seam device for the Meeting Room's door. Without one (no SEAM_API_KEY) that
 * door is seeded inactive, so codes use the keypad front door alone.
 */
export async function seedDemo(db: Db, opts: { today?: Date; seamDeviceId?: string; passwordHash?: Promise<string> } = {}) {
  const today = opts.today ?? new Date();
  // One scrypt hash (N=2^17) for every demo login; a caller may have started it already (bootstrap
  // does, in the thread pool, while the database opens).
  const passwordHash = await (opts.passwordHash ?? hashPassword(DEMO_PASSWORD));
  return db.transaction(async (tx) => {
    const [riverside, northgate] = await tx
      .insert(hubs)
      .values([
        {
          name: 'Riverside Community Hub',
          address: '1 River Lane, Bristol BS1 4AA',
          timezone: 'Europe/London',
          openingHours: weekdays('08:00', '22:00'),
          // Riverside takes cash and transfers at its desk: unpaid holds wait for staff instead of lapsing.
          settings: hubSettingsSchema.parse({ staffedHours: weekdays('09:00', '17:00'), unpaidHolds: 'wait_for_staff' }),
        },
        {
          name: 'Northgate Hub',
          address: '22 Northgate Street, Bristol BS2 9XY',
          timezone: 'Europe/London',
          openingHours: weekdays('09:00', '21:00'),
          settings: hubSettingsSchema.parse({ approval: 'first_time' }),
        },
      ])
      .returning();

    const roomRows = await tx
      .insert(rooms)
      .values([
        { hubId: riverside.id, name: 'Main Hall', capacity: 80, features: ['accessible_toilet', 'hearing_loop', 'kitchen', 'step_free_access'], bufferMinutes: 15, minBookingMinutes: 60, maxBookingMinutes: 720 },
        { hubId: riverside.id, name: 'Meeting Room', capacity: 12, features: ['hearing_loop', 'projector', 'step_free_access'], bufferMinutes: 0, minBookingMinutes: 30, maxBookingMinutes: 480 },
        { hubId: riverside.id, name: 'Community Kitchen', capacity: 10, features: ['kitchen', 'sink', 'step_free_access'], bufferMinutes: 30, minBookingMinutes: 60, maxBookingMinutes: 360 },
        { hubId: northgate.id, name: 'Studio', capacity: 30, features: ['accessible_toilet', 'step_free_access'], bufferMinutes: 15, minBookingMinutes: 60, maxBookingMinutes: 480 },
        { hubId: northgate.id, name: 'Garden Room', capacity: 20, features: ['garden', 'kitchen'], bufferMinutes: 0, minBookingMinutes: 30, maxBookingMinutes: 480 },
      ])
      .returning();

    const people = await tx
      .insert(users)
      .values([
        { email: 'admin@example.org', name: 'Ada Admin', isAdmin: true, passwordHash, phone: '+447700900001' },
        { email: 'staff@example.org', name: 'Sam Staff', passwordHash, phone: '+447700900002' },
        { email: 'staff2@example.org', name: 'Nia Northgate', passwordHash, phone: '+447700900003' },
        { email: 'volunteer@example.org', name: 'Val Volunteer', passwordHash, phone: '+447700900004' },
        { email: 'community@example.org', name: 'Cara Community', passwordHash, phone: '+447700900005' },
        { email: 'charity@example.org', name: 'Chris Charity', passwordHash, phone: '+447700900006' },
        { email: 'statutory@example.org', name: 'Stella Statutory', passwordHash, phone: '+447700900007' },
        { email: 'private@example.org', name: 'Priya Private', passwordHash, phone: '+447700900008' },
      ])
      .returning();
    const u = Object.fromEntries(people.map((p) => [p.email.split('@')[0], p]));

    await tx.insert(hubMembers).values([
      { hubId: riverside.id, userId: u.staff.id, role: 'staff' },
      { hubId: northgate.id, userId: u.staff2.id, role: 'staff' },
      { hubId: riverside.id, userId: u.volunteer.id, role: 'volunteer' },
    ]);

    const recheck = new Date(today.getTime() + 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const orgs = await tx
      .insert(organisations)
      .values([
        {
          name: 'Tuesday Memory Café',
          claimedTier: 'community',
          verifiedTier: 'community',
          verificationStatus: 'verified',
          charityNumber: '1190001',
          contactPhone: '+447700900105',
          evidence: 'Registered charity 1190001; annual income under £10,000',
          recheckOn: recheck,
          verifiedBy: u.staff.id,
          verifiedAt: today,
          createdBy: u.community.id,
        },
        // Every tier cheaper than private is priced so only once staff verified it.
        {
          name: 'Carers Together UK',
          claimedTier: 'national_charity',
          verifiedTier: 'national_charity',
          verificationStatus: 'verified',
          charityNumber: '1001234',
          contactPhone: '+447700900106',
          evidence: 'Registered charity 1001234, operating in England and Wales',
          recheckOn: recheck,
          verifiedBy: u.staff.id,
          verifiedAt: today,
          createdBy: u.charity.id,
        },
        {
          name: 'City Council Adult Services',
          claimedTier: 'statutory',
          verifiedTier: 'statutory',
          verificationStatus: 'verified',
          contactPhone: '+447700900107',
          evidence: 'Local authority; purchase order required on invoices',
          recheckOn: recheck,
          verifiedBy: u.staff.id,
          verifiedAt: today,
          paysByInvoice: true,
          createdBy: u.statutory.id,
        },
        { name: 'Brightside Consulting Ltd', claimedTier: 'private', contactPhone: '+447700900108', createdBy: u.private.id },
      ])
      .returning();
    const [community, charity, statutory, priv] = orgs;
    await tx.insert(tierVerifications).values([
      { organisationId: community.id, tier: 'community', evidence: 'Registered charity 1190001; annual income under £10,000', recheckOn: recheck, verifiedBy: u.staff.id },
      { organisationId: charity.id, tier: 'national_charity', evidence: 'Registered charity 1001234, operating in England and Wales', recheckOn: recheck, verifiedBy: u.staff.id },
      { organisationId: statutory.id, tier: 'statutory', evidence: 'Local authority; purchase order required on invoices', recheckOn: recheck, verifiedBy: u.staff.id },
    ]);
    await tx.insert(organisationMembers).values([
      { organisationId: community.id, userId: u.community.id },
      { organisationId: charity.id, userId: u.charity.id },
      { organisationId: statutory.id, userId: u.statutory.id },
      { organisationId: priv.id, userId: u.private.id },
    ]);

    // Rate cards from today: each hub's card by tier, evenings and weekends dearer, and the Main Hall
    // priced above the hub's card. Hourly pence: community, national charity, statutory, private.
    const rates = (community: number, charity: number, statutory: number, priv: number) => ({
      community: { hourlyPence: community },
      national_charity: { hourlyPence: charity },
      statutory: { hourlyPence: statutory },
      private: { hourlyPence: priv },
    });
    const effectiveFrom = today.toISOString().slice(0, 10);
    const evening = (r: ReturnType<typeof rates>) => ({ name: 'Evening', weekdays: [1, 2, 3, 4, 5], from: '18:00', to: '24:00', tiers: r });
    const weekend = (r: ReturnType<typeof rates>) => ({ name: 'Weekend', weekdays: [6, 7], from: '00:00', to: '24:00', tiers: r });
    const cards = await tx.insert(rateCards).values([
      {
        hubId: riverside.id,
        effectiveFrom,
        tiers: rates(1200, 2400, 3600, 4800),
        bands: [evening(rates(1500, 3000, 4500, 6000)), weekend(rates(1500, 3000, 4500, 6000))],
        minimumChargePence: 1000,
        createdBy: u.staff.id,
      },
      {
        hubId: riverside.id,
        roomId: roomRows.find((r) => r.name === 'Main Hall')!.id,
        effectiveFrom,
        tiers: rates(2000, 4000, 6000, 8000),
        bands: [evening(rates(2500, 5000, 7500, 10000))],
        minimumChargePence: 2000,
        createdBy: u.staff.id,
      },
      { hubId: northgate.id, effectiveFrom, tiers: rates(1000, 2000, 3000, 4000), bands: [weekend(rates(1200, 2400, 3600, 4800))], minimumChargePence: 0, createdBy: u.staff2.id },
    ]).returning();

    // Three months and more of past hires at every tier, so the demo's reports have figures.
    const room = (name: string) => roomRows.find((r) => r.name === name)!;
    const [hubCard, hallCard, northCard] = cards.map(
      (c): RateCardInput => ({ effectiveFrom: c.effectiveFrom, tiers: c.tiers as RateCardInput['tiers'], bands: (c.bands ?? undefined) as RateCardInput['bands'], minimumChargePence: c.minimumChargePence ?? undefined }),
    );
    const at = (r: (typeof roomRows)[number], card: typeof hubCard) => ({ roomId: r.id, hubId: r.hubId, timezone: 'Europe/London', card });
    await tx.insert(bookings).values(
      pastBookings(
        [
          { ...at(room('Meeting Room'), hubCard), organisationId: community.id, tier: 'community', title: 'Memory café', attendees: 10, weekday: 2, starts: '10:00', ends: '12:00', every: 1 },
          { ...at(room('Main Hall'), hallCard), organisationId: community.id, tier: 'community', title: 'Community lunch', attendees: 40, weekday: 5, starts: '11:30', ends: '14:30', every: 1 },
          { ...at(room('Main Hall'), hallCard), organisationId: charity.id, tier: 'national_charity', title: 'Carers support group', attendees: 25, weekday: 4, starts: '13:00', ends: '16:00', every: 2 },
          { ...at(room('Community Kitchen'), hubCard), organisationId: statutory.id, tier: 'statutory', title: 'Cookery for health', attendees: 8, weekday: 3, starts: '09:30', ends: '12:30', every: 1 },
          { ...at(room('Main Hall'), hallCard), organisationId: priv.id, tier: 'private', title: 'Team away day', attendees: 60, weekday: 1, starts: '18:00', ends: '21:30', every: 2 },
          { ...at(room('Studio'), northCard), organisationId: statutory.id, tier: 'statutory', title: 'Adult learning', attendees: 20, weekday: 2, starts: '14:00', ends: '16:00', every: 1 },
          { ...at(room('Garden Room'), northCard), organisationId: community.id, tier: 'community', title: 'Gardening club', attendees: 12, weekday: 6, starts: '10:00', ends: '13:00', every: 1 },
          { ...at(room('Studio'), northCard), organisationId: priv.id, tier: 'private', title: 'Dance party', attendees: 30, weekday: 6, starts: '20:00', ends: '00:30', every: 3 },
        ],
        today,
        u.staff.id,
      ),
    );

    // Self-entry at Riverside: a keypad front door to every room, and a smart lock on the Meeting Room.
    const frontDeviceKey = generateDeviceKey();
    const [frontDoor, meetingDoor] = await tx
      .insert(doors)
      .values([
        { hubId: riverside.id, name: 'Front door', provider: 'keypad', deviceKeyHash: hashSecret(frontDeviceKey) },
        { hubId: riverside.id, name: 'Meeting Room door', provider: 'seam', providerDeviceId: opts.seamDeviceId ?? 'demo-seam-device', active: Boolean(opts.seamDeviceId) },
      ])
      .returning();
    const riversideRooms = roomRows.filter((r) => r.hubId === riverside.id);
    await tx.insert(doorRooms).values([
      ...riversideRooms.map((r) => ({ doorId: frontDoor.id, roomId: r.id })),
      ...riversideRooms.filter((r) => r.name === 'Meeting Room').map((r) => ({ doorId: meetingDoor.id, roomId: r.id })),
    ]);

    // The rota at Riverside (staffed 09:00-17:00): evening bookings over the next fortnight make
    // opener and closer shifts; the demo volunteer has one of them, and hours from past shifts.
    const zone = riverside.timezone;
    const day0 = DateTime.fromJSDate(today, { zone }).startOf('day');
    const localAt = (days: number, hhmm: string) => {
      const [h, m] = hhmm.split(':').map(Number);
      return day0.plus({ days }).set({ hour: h, minute: m }).toJSDate();
    };
    const nextWeekday = (isoWeekday: number, weekOffset: number) => ((isoWeekday - day0.weekday + 7) % 7 || 7) + 7 * weekOffset;
    const hall = roomRows.find((r) => r.name === 'Main Hall')!;
    const meeting = roomRows.find((r) => r.name === 'Meeting Room')!;
    const evenings = [0, 1].flatMap((week) => [
      { room: hall, org: community, title: 'Evening memory café', days: nextWeekday(2, week), from: '18:30', to: '20:30' },
      { room: meeting, org: statutory, title: 'Carers drop-in', days: nextWeekday(2, week), from: '20:30', to: '21:30' },
      { room: hall, org: charity, title: 'Carers Together support group', days: nextWeekday(4, week), from: '19:00', to: '21:00' },
    ]);
    const eveningBookings = await tx
      .insert(bookings)
      .values(
        evenings.map((e) => ({
          roomId: e.room.id,
          hubId: riverside.id,
          organisationId: e.org.id,
          createdBy: u.staff.id,
          title: e.title,
          attendees: 8,
          contactPhone: e.org.contactPhone,
          startsAt: localAt(e.days, e.from),
          endsAt: localAt(e.days, e.to),
          blockedUntil: new Date(localAt(e.days, e.to).getTime() + e.room.bufferMinutes * 60_000),
          status: 'confirmed' as const,
        })),
      )
      .returning();
    const generated = await tx
      .insert(shifts)
      .values(
        neededShifts({ bookings: eveningBookings, staffedHours: riverside.settings.staffedHours, zone, rules: rotaRules(riverside.settings) }).map((n) => ({
          hubId: riverside.id,
          role: n.role,
          startsAt: n.startsAt,
          endsAt: n.endsAt,
          bookingIds: n.bookingIds,
          volunteersNeeded: 1,
          source: 'booking' as const,
        })),
      )
      .returning();
    const past = await tx
      .insert(shifts)
      .values(
        [21, 14, 7].map((ago) => ({ hubId: riverside.id, role: 'caretaker' as const, startsAt: localAt(-ago, '18:00'), endsAt: localAt(-ago, '21:30'), volunteersNeeded: 1, source: 'staff' as const, title: 'Evening caretaker', createdBy: u.staff.id })),
      )
      .returning();
    await tx.insert(shifts).values({ hubId: riverside.id, role: 'welcome', startsAt: localAt(nextWeekday(6, 0), '10:00'), endsAt: localAt(nextWeekday(6, 0), '12:00'), volunteersNeeded: 2, source: 'staff', title: 'Saturday open morning', createdBy: u.staff.id });
    await tx.insert(volunteerProfiles).values({ hubId: riverside.id, userId: u.volunteer.id, trainedRoles: ['opener', 'closer', 'caretaker', 'welcome'], notes: 'Key holder' });
    const firstCloser = generated.find((g) => g.role === 'closer')!;
    await tx.insert(shiftSignups).values([
      { shiftId: firstCloser.id, userId: u.volunteer.id, status: 'confirmed' },
      ...past.map((p) => ({ shiftId: p.id, userId: u.volunteer.id, status: 'confirmed' as const, attendance: 'attended' as const, attendedMinutes: 210, attendanceAt: p.endsAt })),
    ]);

    return {
      rota: { shifts: generated, signedUp: firstCloser, past },
      hubs: { riverside, northgate },
      doors: { front: { ...frontDoor, deviceKey: frontDeviceKey }, meetingRoom: meetingDoor },
      rooms: Object.fromEntries(roomRows.map((r) => [r.name, r])),
      users: u,
      organisations: { community, charity, statutory, private: priv },
    };
  });
}
export type DemoSeed = Awaited<ReturnType<typeof seedDemo>>;
