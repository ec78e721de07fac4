import type { PrivacyConfig } from '../../config/env';
import type { Db } from '../../db/client';
import type { ErasureSummary } from '../../db/schema';
import type { Clock } from '../../lib/clock';
import { conflict, forbidden, notFound } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { toZonedIso } from '../../lib/time';
import type { Actor } from '../auth/actor';
import { NETWORK_ZONE } from '../organisations/organisations.service';
import { exportRow, maskPhone } from './privacy.fns';
import { SECRET_COLUMNS, type PrivacyRepository } from './privacy.repository';

/** Why each kind of record outlives an erasure: said in the answer and in docs/privacy.md. */
export const KEPT_BECAUSE = {
  payments: 'Payment and invoice records are kept for six years after the end of the financial year, as HMRC and the Charities Act ask; they name the organisation, not you.',
  refunds: 'Refunds are part of the payment records kept for six years.',
  bookings: "Bookings you made stay, without your name or phone, so the hub's accounts, funder reports and subsidy totals do not change.",
  attended: "Shifts you attended stay, without your name, so the volunteer hours in the hub's reports to funders do not change.",
  organisations: 'Organisations you set up belong to their group and stay; you are no longer named as their creator.',
  decisions: 'Tier decisions you made as staff stay as the audit of who was verified and why; they point to an erased account.',
  erasure: 'A record that your data was erased, when and why, so the hub can show it did.',
} as const;

type KeptKind = 'payments' | 'refunds' | 'bookings' | 'attended' | 'organisations' | 'decisions';

/** What an erasure keeps, said the same way before (the web's question page) and after (the answer): each kind with records, and the erasure record. */
function keptList(kept: Record<KeptKind, number>): ErasureSummary['kept'] {
  return [
    ...(['payments', 'refunds', 'bookings', 'attended', 'organisations', 'decisions'] as const)
      .filter((k) => kept[k] > 0)
      .map((k) => ({ item: k === 'attended' ? 'volunteer attendance and hours' : k === 'decisions' ? 'tier decisions' : k, count: kept[k], why: KEPT_BECAUSE[k] })),
    { item: 'erasure record', count: 1, why: KEPT_BECAUSE.erasure },
  ];
}

/** What an erasure erases or anonymises (docs/privacy.md "Erased or anonymised"), said to the person before they ask for it. */
export const ERASED = [
  'Your name, email address and phone number. You can no longer sign in.',
  'Your roles at hubs, your group memberships, your volunteer profile and notes, your calendar feed and where you are signed in.',
  'Volunteer places still ahead of you: given up, and their door codes stop working.',
  'Texts to your number: those not yet sent are cancelled; the rest keep only a masked summary.',
  'Your number on door codes, bookings and groups.',
  'Your name on the bookings you made. Invitations to you that nobody accepted are deleted.',
] as const;

/**
 * What each section of the export is and how long it is kept (docs/privacy.md's table, in the
 * person's words), for the "Your data" page. Every section personalRows makes has one (tested).
 */
export function sectionWords(r: PrivacyConfig['retention']): Record<string, { what: string; kept: string }> {
  const accounts = 'Six years after the financial year, as HMRC and the Charities Act ask; never erased early';
  return {
    users: { what: 'Your account: name, email address and phone number', kept: 'Until you delete your account' },
    hubMembers: { what: 'Your roles at hubs (staff, volunteer)', kept: 'Until you delete your account, or the role is removed' },
    organisationMembers: { what: 'The groups you belong to', kept: 'Until you delete your account, or you leave the group' },
    organisations: { what: 'Groups you belong to or set up: name, contact phone, rate', kept: 'While the group books. The group’s phone is cleared if it is your own number when you delete your account' },
    tierVerifications: { what: 'Decisions you made as staff about a group’s rate, and the evidence', kept: 'While the group books, as the record of who was checked' },
    bookingSeries: { what: 'Repeating bookings you made', kept: 'Six years, for the hub’s accounts; without your name once you delete your account' },
    bookings: { what: 'Bookings you made or are the contact for', kept: `Six years, for the hub’s accounts. The contact phone is cleared ${r.contactPhoneDays} days after the booking ends` },
    accessCodes: { what: 'Your door codes and the phone they went to (the codes themselves are stored encrypted and left out)', kept: `The phone is cleared ${r.contactPhoneDays} days after the code stops working; the code’s record stays with its booking` },
    doorEntries: { what: 'When your door codes were used', kept: `${r.entryLogDays} days` },
    outbox: { what: 'Texts sent to your phone', kept: `${r.messageBodyDays} days, then only the kind of text and a masked number` },
    payments: { what: 'Your groups’ payments and invoices', kept: accounts },
    paymentItems: { what: 'What each of those payments was for', kept: accounts },
    refunds: { what: 'Refunds of those payments', kept: accounts },
    rateCards: { what: 'Prices you set as staff', kept: 'With the hub’s records' },
    closures: { what: 'Closures you made as staff', kept: 'With the hub’s records' },
    invitations: { what: 'Invitations to you or from you', kept: `Not accepted: deleted ${r.lapsedInvitationDays} days after they lapse. Accepted: as the record of who joined` },
    shiftSeries: { what: 'Repeating shifts you made as staff', kept: 'With the shift' },
    shifts: { what: 'Shifts you are on or made', kept: 'With the shift' },
    shiftSignups: { what: 'Your volunteer places, attendance and hours', kept: 'Six years, for reports to funders; without your name once you delete your account' },
    volunteerProfiles: { what: 'What staff record of you as a volunteer: trained roles, notes', kept: 'Until you delete your account, or you stop volunteering' },
    calendarTokens: { what: 'Your calendar feed of shifts (its link is left out)', kept: 'Until you delete your account or make a new link' },
    webSessions: { what: 'Where you are signed in on this website', kept: 'Until you sign out, or after 12 hours without using it' },
    erasures: { what: 'Erasures of personal data you made or that name you', kept: 'Six years' },
  };
}

/** A web session's data without its CSRF secret (the rest, a booking in progress or a message, is the person's). */
function withoutSessionSecret(row: Record<string, unknown>): Record<string, unknown> {
  const data = row.data as Record<string, unknown> | undefined;
  if (!data || typeof data !== 'object' || !('_csrf' in data)) return row;
  const { _csrf: _secret, ...rest } = data;
  return { ...row, data: rest };
}

/** What the export's README says: what each file is. */
const README = [
  'Everything Hubkey holds about you, one CSV file per kind of record.',
  'Times are in the network time zone (Europe/London). Door codes, passwords and session keys are never included: they are kept only as hashes or encrypted.',
  'users.csv: your account. hub_members.csv: your roles at hubs. organisation_members.csv and organisations.csv: the groups you belong to.',
  'bookings.csv and booking_series.csv: bookings you made or are the contact for. access_codes.csv and door_entries.csv: your door codes and when they were used.',
  'outbox.csv: texts sent to your phone (door codes masked). payments.csv, payment_items.csv, refunds.csv: your organisations\' payments.',
  'shifts.csv, shift_signups.csv, volunteer_profiles.csv: your volunteer places, attendance and hours. invitations.csv: invitations to you or from you.',
  'Other files list records you made as staff (rate cards, closures, shifts, tier decisions) and your signed-in web sessions.',
].join('\r\n');

export function createPrivacyService(deps: {
  db: Db;
  privacy: PrivacyRepository;
  clock: Clock;
  logger: Logger;
  config: PrivacyConfig;
  users: { findById(id: string): Promise<{ id: string; email: string; name: string; phone: string | null; erasedAt: Date | null; isAdmin: boolean } | undefined> };
  /** Revokes a door code through the access module (smart locks too), after the erasure commits. */
  revokeCode: (codeId: string, reason: string) => Promise<unknown>;
  /** The rota gives the places the person left to its waiting lists, after the erasure commits. Never throws. */
  placesFreed: (shiftIds: string[]) => Promise<void>;
}) {
  const { db, privacy, clock, config } = deps;

  /** The groups the person is the only member of with bookings still ahead: an erasure waits until they are handed over. */
  async function blockingOrganisations(userId: string, now: Date) {
    return (await privacy.soleMemberWithBookingsAhead(userId, now)).map((o) => ({ id: o.id, name: o.name, bookingsAhead: Number(o.ahead) }));
  }

  /** The network would be left with nobody to run it: another person is made admin first (`npm run admin -- grant`). */
  const lastAdmin = (erasedBy: string | null) =>
    conflict(
      'last_admin',
      `${erasedBy ? 'They are' : 'You are'} the network's only admin: make another person an admin first (an operator runs "npm run admin -- grant <email>"), so somebody can still run the network`,
    );

  async function erase(targetId: string, erasedBy: string | null, reason: string) {
    const target = await deps.users.findById(targetId);
    if (!target || target.erasedAt) throw notFound('Person');
    const now = clock.now();
    const blocking = await blockingOrganisations(target.id, now);
    if (blocking.length) {
      throw conflict(
        'hand_over_first',
        `${erasedBy ? 'They are' : 'You are'} the only member of ${blocking.map((o) => o.name).join(', ')}, which has bookings ahead: add another member to hand it over, or cancel those bookings, first`,
        { organisations: blocking },
      );
    }
    if (target.isAdmin && (await privacy.otherAdmins(target.id)) === 0) throw lastAdmin(erasedBy);
    const codes = await privacy.activeShiftCodes(target.id);
    let freed: string[] = [];
    const summary = await db.transaction(async (tx) => {
      // Admins first (all of them, in one order), then the person: the same order for every erasure.
      if (target.isAdmin && (await privacy.otherAdmins(target.id, tx)) === 0) throw lastAdmin(erasedBy);
      const person = await privacy.lockUser(target.id, tx);
      if (!person || person.erasedAt) throw notFound('Person');
      const kept = await privacy.keptCounts(person.id, tx);
      const r = await privacy.erase(person, now, maskPhone(person.phone), tx);
      freed = r.shiftsLeft;
      const out: ErasureSummary = {
        removed: [
          { item: 'name, email address and phone number', count: 1 },
          { item: 'roles at hubs', count: r.hubRoles },
          { item: 'organisation memberships', count: r.organisationMemberships },
          { item: 'volunteer profiles (trained roles, notes)', count: r.volunteerProfiles },
          { item: 'volunteer places still ahead (given up)', count: r.shiftsLeft.length },
          { item: 'texts to your number not yet sent (cancelled)', count: r.textsCancelled },
          { item: 'texts to your number (body and number cleared)', count: r.textsCleared },
          { item: 'door codes sent to your number (number cleared)', count: r.codePhonesCleared },
          { item: 'door entries with your shift codes (no longer linked to you)', count: r.entriesUnlinked },
          { item: 'bookings giving your number as contact (number cleared)', count: r.bookingPhonesCleared },
          { item: 'organisations giving your number as their contact (number cleared: add a new one)', count: r.organisationPhonesCleared },
          { item: 'bookings and series you made (no longer linked to you)', count: r.bookingsUnlinked + r.seriesUnlinked },
          { item: 'invitations to you not accepted (deleted)', count: r.invitationsDeleted },
          { item: 'invitations you accepted (name, email and phone cleared)', count: r.invitationsAnonymised },
          { item: 'calendar feed', count: r.calendarFeeds },
          { item: 'signed-in web sessions', count: r.webSessions },
        ],
        kept: keptList(kept),
      };
      await privacy.recordErasure({ userId: person.id, erasedBy, reason, summary: out, createdAt: now }, tx);
      return out;
    });
    await deps.placesFreed([...new Set(freed)]);
    for (const id of codes) {
      try {
        await deps.revokeCode(id, 'erased');
      } catch (err) {
        // The rota's code job revokes a withdrawn place's code on its next run.
        deps.logger.warn({ err, codeId: id }, 'revoking an erased person\u2019s shift code failed; the rota job will retry');
      }
    }
    deps.logger.info({ userId: target.id, by: erasedBy ?? 'self' }, 'personal data erased');
    return { userId: target.id, erasedAt: toZonedIso(now, NETWORK_ZONE), ...summary };
  }

  async function myData(actor: Actor) {
    const person = await deps.users.findById(actor.userId);
    if (!person) throw notFound('Person');
    const sections = await privacy.personalRows(person);
    const data: Record<string, Record<string, unknown>[]> = {};
    for (const s of sections) data[s.name] = s.rows.map((r) => exportRow(withoutSessionSecret(r), SECRET_COLUMNS, NETWORK_ZONE));
    return { generatedAt: toZonedIso(clock.now(), NETWORK_ZONE), userId: person.id, timeZone: NETWORK_ZONE, sections: data };
  }

  return {
    /** The network's privacy notice, as registration and /privacy show it. */
    notice() {
      return { text: config.notice, paragraphs: config.notice.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean), url: config.noticeUrl ?? null, contact: config.contact ?? null, retention: config.retention };
    },

    /** GET /me/data: every record that names the signed-in person, by section (a table of the schema). */
    myData,

    readme: README,

    /**
     * The "Your data" page: each kind of record the export holds about the person, how many, what
     * it is and how long it is kept (sectionWords), in the export's order; kinds with none left out.
     */
    async myDataOverview(actor: Actor) {
      const data = await myData(actor);
      const words = sectionWords(config.retention);
      const sections = Object.entries(data.sections)
        .filter(([, rows]) => rows.length > 0)
        .map(([name, rows]) => ({ name, count: rows.length, what: words[name]?.what ?? name, kept: words[name]?.kept ?? 'See the privacy notice' }));
      return { generatedAt: data.generatedAt, sections };
    },

    /** Before DELETE /me: what an erasure would keep and why, and the groups that stop it until handed over (the same checks erase makes). */
    async erasurePreview(actor: Actor) {
      const person = await deps.users.findById(actor.userId);
      if (!person || person.erasedAt) throw notFound('Person');
      const [blocking, kept, otherAdmins] = await Promise.all([
        blockingOrganisations(person.id, clock.now()),
        privacy.keptCounts(person.id),
        person.isAdmin ? privacy.otherAdmins(person.id) : Promise.resolve(1),
      ]);
      return { blocking, lastAdmin: otherAdmins === 0, erased: ERASED, kept: keptList(kept) };
    },

    /** DELETE /me. */
    eraseMe: (actor: Actor) => erase(actor.userId, null, 'asked by the person'),

    /** POST /people/:userId/erase (network admin), with the reason recorded. */
    async erasePerson(actor: Actor, userId: string, reason: string) {
      if (!actor.isAdmin) throw forbidden("Only a network admin may erase another person's data");
      return erase(userId, actor.userId, reason);
    },
  };
}
export type PrivacyService = ReturnType<typeof createPrivacyService>;
