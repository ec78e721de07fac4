import type { Config } from './config/env';
import { type Database, openDatabase } from './db/client';
import { type Clock, systemClock } from './lib/clock';
import { createLogger, type Logger } from './lib/logger';
import { createSelfEntry, type SelfEntryOverrides } from './modules/access/access.module';
import { createAuthRepository } from './modules/auth/auth.repository';
import { createAuthService } from './modules/auth/auth.service';
import { createBackupService } from './modules/backups/backups.service';
import { type BookingRow, createBookingsRepository } from './modules/bookings/bookings.repository';
import { createBookingsService } from './modules/bookings/bookings.service';
import { createRequestsService } from './modules/bookings/requests.service';
import { createOrganisationsRepository } from './modules/organisations/organisations.repository';
import { createOrganisationsService } from './modules/organisations/organisations.service';
import { createRecheckService } from './modules/organisations/recheck.service';
import { createPayments } from './modules/payments/payments.module';
import { createInvitationsRepository } from './modules/invitations/invitations.repository';
import { createInvitationsService } from './modules/invitations/invitations.service';
import { createRota } from './modules/rota/rota.module';
import { createPrivacyRepository } from './modules/privacy/privacy.repository';
import { createRetention } from './modules/privacy/privacy.retention';
import { createPrivacyService } from './modules/privacy/privacy.service';
import { createPricingRepository } from './modules/pricing/pricing.repository';
import { createPricingService } from './modules/pricing/pricing.service';
import { createReportsRepository } from './modules/reports/reports.repository';
import { createReportsService, type VolunteerHoursSource } from './modules/reports/reports.service';
import { createVenuesRepository, type HubRow } from './modules/venues/venues.repository';
import { createVenuesService } from './modules/venues/venues.service';

/** Replaceable parts: tests pass a clock, an open database or fake adapters. */
export interface ContainerOverrides {
  clock?: Clock;
  database?: Database;
  logger?: Logger;
  /** Self-entry's adapters (SMS, locks), code randomness and error reporting. */
  selfEntry?: SelfEntryOverrides;
  /** Attended volunteer hours for reports (the rota's, once it records them). */
  volunteerHours?: VolunteerHoursSource;
}

/** The composition root: the one place where the database, repositories and services are wired. */
export async function createContainer(config: Config, overrides: ContainerOverrides = {}) {
  const database =
    overrides.database ??
    (await openDatabase({
      url: config.database.url,
      dataDir: config.database.dataDir,
      poolMax: config.database.poolMax,
      lockPoolMax: config.database.lockPoolMax,
      connectTimeoutMs: config.database.connectTimeoutMs,
      useTemplate: true,
    }));
  const { db } = database;
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);

  const repos = {
    users: createAuthRepository(db),
    venues: createVenuesRepository(db),
    organisations: createOrganisationsRepository(db),
    bookings: createBookingsRepository(db),
    pricing: createPricingRepository(db),
    reports: createReportsRepository(db),
  };
  const selfEntry = createSelfEntry(config, { db, clock, logger, bookings: repos.bookings, venues: repos.venues }, overrides.selfEntry);
  const access = selfEntry.services.accessCodes;
  const rota = createRota(config, {
    db,
    clock,
    logger,
    venues: repos.venues,
    enqueue: (msg, tx) => selfEntry.services.outbox.enqueue(msg, tx),
    codes: { issue: (input) => access.issueShiftCode(input), revoke: (id, reason) => access.revokeCodeById(id, reason), read: (id) => access.shiftCode(id) },
    staffPhones: (hubId) => selfEntry.repos.outbox.staffPhones(hubId),
  });
  /** After a booking change commits: its door code, then the shifts it needs (triggers already queued them in its transaction). */
  const bookingChanged = async (id: string) => {
    await access.bookingChanged(id);
    await rota.bookingChanged(id);
  };
  /** The same after new bookings commit, from the rows and hub the bookings service has (nothing read back). */
  const bookingsCreated = async (rows: BookingRow[], hub: HubRow) => {
    await access.bookingsCreated(rows, hub);
    await rota.bookingsCreated(rows, hub);
  };
  const pricing = createPricingService({ pricing: repos.pricing, venues: repos.venues, organisations: repos.organisations, clock });
  // Payments asks the bookings service to change a booking's status; that service is made below.
  let bookingsService: ReturnType<typeof createBookingsService> | undefined;
  const bookingsLater = () => {
    if (!bookingsService) throw new Error('bookings service not wired yet');
    return bookingsService;
  };
  const payments = createPayments(config, {
    db,
    clock,
    logger,
    bookings: repos.bookings,
    venues: repos.venues,
    organisations: repos.organisations,
    bookingStatus: {
      confirmPaid: (ids, tx) => bookingsLater().confirmPaid(ids, tx),
      releaseHold: (ids, reason, tx) => bookingsLater().releaseHold(ids, reason, tx),
    },
    bookingChanged,
    alertStaff: (hubId, body, dedupeKey, tx) => selfEntry.services.outbox.alertStaff(hubId, body, dedupeKey, tx),
    notify: (msg, tx) => selfEntry.services.outbox.enqueue(msg, tx),
  });

  const bookings = (bookingsService = createBookingsService({
    db,
    bookings: repos.bookings,
    venues: repos.venues,
    organisations: repos.organisations,
    clock,
    access: { bookingChanged, bookingsCreated },
    pricer: pricing.pricer,
    payments: payments.services.payments.hooks,
    notify: (notice, tx) => selfEntry.services.outbox.enqueue(notice, tx),
  }));

  // Tokens are signed by the HTTP layer's JWT plugin; the service gets the signer once the app has it.
  let signer: ((userId: string) => string) | undefined;
  const signToken = (userId: string) => {
    if (!signer) throw new Error('token signer not set: build the app first');
    return signer(userId);
  };
  const services = {
    auth: createAuthService({ users: repos.users, clock, signToken }),
    invitations: createInvitationsService({
      db,
      invitations: createInvitationsRepository(db),
      users: repos.users,
      venues: repos.venues,
      organisations: repos.organisations,
      clock,
      publicUrl: config.publicUrl,
      signToken,
      notify: (msg, tx, opts) => selfEntry.services.outbox.enqueue(msg, tx, opts),
      checkTextLimit: (msg) => selfEntry.services.outbox.checkLimit(msg),
      withdrawText: (dedupeKey, reason) => selfEntry.services.outbox.withdraw(dedupeKey, reason),
    }),
    venues: createVenuesService({
      db,
      venues: repos.venues,
      clock,
      quoteRooms: pricing.quotesFor,
      // Bookings a closure or new opening hours displace are cancelled by the bookings module.
      displaced: { cancel: bookings.cancelForHub, after: bookings.afterHubCancel },
    }),
    organisations: createOrganisationsService({ organisations: repos.organisations, clock }),
    bookings,
    requests: createRequestsService({
      db,
      bookings: repos.bookings,
      venues: repos.venues,
      clock,
      notify: (notice, tx) => selfEntry.services.outbox.enqueue(notice, tx),
    }),
    pricing,
    ...payments.services,
    // Volunteer hours: attended rota shifts, counted in SQL by the rota's repository.
    reports: createReportsService({ reports: repos.reports, clock, volunteerHours: overrides.volunteerHours ?? ((windows) => rota.repo.volunteerHours(windows)) }),
    tierRechecks: createRecheckService({
      organisations: repos.organisations,
      clock,
      staffPhones: (hubId) => selfEntry.repos.outbox.staffPhones(hubId),
      enqueue: (msg) => selfEntry.services.outbox.enqueue(msg),
    }),
    ...selfEntry.services,
    backups: createBackupService({
      database,
      clock,
      logger,
      dir: config.backups.dir,
      keep: config.backups.keep,
      hubIds: async () => (await repos.venues.listHubs()).map((h) => h.id),
      alertStaff: (hubId, body, dedupeKey) => selfEntry.services.outbox.alertStaff(hubId, body, dedupeKey),
    }),
    rota: rota.services,
    privacy: createPrivacyService({
      db,
      privacy: createPrivacyRepository(db),
      clock,
      logger,
      config: config.privacy,
      users: repos.users,
      revokeCode: (id, reason) => access.revokeCodeById(id, reason),
      placesFreed: (shiftIds) => rota.placesFreed(shiftIds),
    }),
    retention: createRetention({ db, clock, retention: config.privacy.retention }),
  };
  /** Run (last added first) before the database closes: e.g. the embedded server's control socket. */
  const closers: Array<() => Promise<void>> = [];

  return {
    config,
    database,
    clock,
    logger,
    repos: { ...repos, ...selfEntry.repos, payments: payments.repo, rota: rota.repo },
    /** Verifies a Stripe webhook's signature over its raw body; undefined without STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET. */
    stripeWebhook: payments.parseEvent,
    services,
    adapters: selfEntry.adapters,
    setTokenSigner(fn: (userId: string) => string) {
      signer = fn;
    },
    onClose(fn: () => Promise<void>) {
      closers.unshift(fn);
    },
    async close() {
      for (const fn of closers) await fn();
      await database.close();
    },
  };
}
export type Container = Awaited<ReturnType<typeof createContainer>>;
