import { DateTime } from 'luxon';
import type { Clock } from '../../lib/clock';
import { hashPassword, needsRehash, verifyPassword } from '../../lib/crypto';
import { DomainError, conflict, invalid } from '../../lib/errors';
import { passwordProblem } from './password-policy';
import { tierStanding } from '../organisations/organisations.fns';
import type { AuthRepository, UserRow } from './auth.repository';
import { PG, sqlState } from '../../db/client';

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  phone: string | null;
}

const toPublic = (u: UserRow): PublicUser => ({ id: u.id, email: u.email, name: u.name, phone: u.phone });

// Verifying against a real hash when the email is unknown keeps the response time the same,
// so login timing does not tell which emails have accounts.
let dummyHash: Promise<string> | undefined;

/** A chosen password that breaks the rules (password-policy.ts) is 400 validation_failed on `field`. */
export function assertPasswordAllowed(password: string, context: { email?: string; name?: string }, field = 'body.password') {
  const problem = passwordProblem(password, context);
  if (problem) throw invalid(problem, [{ path: field, message: problem }]);
}

export function createAuthService(deps: { users: AuthRepository; clock: Clock; signToken: (userId: string) => string }) {
  const { users, clock, signToken } = deps;
  return {
    async register(input: { email: string; password: string; name: string; phone?: string }) {
      assertPasswordAllowed(input.password, input);
      const existing = await users.findByEmail(input.email);
      if (existing) throw conflict('email_taken', 'An account with that email already exists');
      try {
        const user = await users.insert({
          email: input.email.trim(),
          passwordHash: await hashPassword(input.password),
          name: input.name.trim(),
          phone: input.phone ?? null,
        });
        return { token: signToken(user.id), user: toPublic(user) };
      } catch (err) {
        if (sqlState(err) === PG.uniqueViolation) throw conflict('email_taken', 'An account with that email already exists');
        throw err;
      }
    },

    async login(input: { email: string; password: string }) {
      const user = await users.findByEmail(input.email);
      dummyHash ??= hashPassword('not-a-real-password');
      const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyHash));
      if (!user || !ok) throw new DomainError('unauthenticated', 'invalid_credentials', 'Email or password is wrong');
      // Hashes made with older (cheaper) parameters are upgraded while the password is in hand.
      if (needsRehash(user.passwordHash)) await users.setPasswordHash(user.id, await hashPassword(input.password));
      return { token: signToken(user.id), user: toPublic(user) };
    },

    async me(userId: string) {
      const user = await users.findById(userId);
      if (!user) throw new DomainError('unauthenticated', 'unauthenticated', 'The account no longer exists');
      const { roles, orgs } = await users.profile(userId);
      const today = DateTime.fromJSDate(clock.now(), { zone: 'Europe/London' }).toISODate()!;
      return {
        ...toPublic(user),
        isAdmin: user.isAdmin,
        roles,
        organisations: orgs.map((o) => {
          const standing = tierStanding(o, today);
          return { id: o.id, name: o.name, tier: standing.tier, claimedTier: o.claimedTier, verified: standing.verified };
        }),
      };
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
