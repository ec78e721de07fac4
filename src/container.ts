import type { Config } from './config/env';
import { type Database, openDatabase } from './db/client';
import { type Clock, systemClock } from './lib/clock';
import { createAuthRepository } from './modules/auth/auth.repository';
import { createAuthService } from './modules/auth/auth.service';
import { createBookingsRepository } from './modules/bookings/bookings.repository';
import { createBookingsService } from './modules/bookings/bookings.service';
import { createOrganisationsRepository } from './modules/organisations/organisations.repository';
import { createOrganisationsService } from './modules/organisations/organisations.service';
import { createVenuesRepository } from './modules/venues/venues.repository';
import { createVenuesService } from './modules/venues/venues.service';

/** Replaceable parts: tests pass a clock, an open database or fake adapters. */
export interface ContainerOverrides {
  clock?: Clock;
  database?: Database;
}

/** The composition root: the one place where the database, repositories and services are wired. */
export async function createContainer(config: Config, overrides: ContainerOverrides = {}) {
  const database =
    overrides.database ??
    (await openDatabase({ url: config.database.url, dataDir: config.database.dataDir, poolMax: config.database.poolMax }));
  const { db } = database;
  const clock = overrides.clock ?? systemClock;

  const repos = {
    users: createAuthRepository(db),
    venues: createVenuesRepository(db),
    organisations: createOrganisationsRepository(db),
    bookings: createBookingsRepository(db),
  };

  // Tokens are signed by the HTTP layer's JWT plugin; the service gets the signer once the app has it.
  let signer: ((userId: string) => string) | undefined;
  const services = {
    auth: createAuthService({
      users: repos.users,
      clock,
      signToken: (userId) => {
        if (!signer) throw new Error('token signer not set: build the app first');
        return signer(userId);
      },
    }),
    venues: createVenuesService({ venues: repos.venues, users: repos.users, clock }),
    organisations: createOrganisationsService({ organisations: repos.organisations, users: repos.users, clock }),
    bookings: createBookingsService({ db, bookings: repos.bookings, venues: repos.venues, organisations: repos.organisations, clock }),
  };

  return {
    config,
    database,
    clock,
    repos,
    services,
    setTokenSigner(fn: (userId: string) => string) {
      signer = fn;
    },
    async close() {
      await database.close();
    },
  };
}
export type Container = Awaited<ReturnType<typeof createContainer>>;
