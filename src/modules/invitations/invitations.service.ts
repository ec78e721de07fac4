import { randomBytes } from 'node:crypto';
import { PG, sqlState, type Db, type DbOrTx } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { hashPassword, hashSecret, verifyPassword } from '../../lib/crypto';
import { conflict, DomainError, forbidden, invalid, notFound, unprocessable } from '../../lib/errors';
import { type Actor, isAnyStaff, isMemberOfOrg, isStaffOf } from '../auth/actor';
import type { AuthRepository } from '../auth/auth.repository';
import { assertPasswordAllowed } from '../auth/auth.service';
import type { OutgoingText } from '../notifications/outbox.service';
import { invitationText } from '../notifications/texts';
import type { OrganisationsRepository } from '../organisations/organisations.repository';
import type { VenuesRepository } from '../venues/venues.repository';
import type { InvitationRow, InvitationsRepository } from './invitations.repository';

/** How long an invitation link works. */
export const INVITATION_TTL_DAYS = 7;
const DAY_MS = 86_400_000;

export type HubRole = 'staff' | 'volunteer';

/**
 * Membership is an invitation the person accepts (docs/security.md): staff and volunteer roles at
 * a hub, and membership of an organisation. The inviter gets a one-time link (texted too when a
 * phone is given); nothing in any answer tells the inviter whether the email has an account.
 * Links carry 256 random bits; only their SHA-256 is stored; they expire and work once.
 */
export function createInvitationsService(deps: {
  db: Db;
  invitations: InvitationsRepository;
  users: Pick<AuthRepository, 'findByEmail' | 'findById' | 'insert'>;
  venues: Pick<VenuesRepository, 'getHub'>;
  organisations: Pick<OrganisationsRepository, 'get' | 'isMember' | 'hiresAtAnyOf'>;
  clock: Clock;
  publicUrl: string;
  signToken: (userId: string) => string;
  /** Queues a text (the token travels as its secret: the outbox never holds it in clear). */
  notify: (msg: OutgoingText, tx?: DbOrTx, opts?: { overLimit?: 'refuse' | 'defer' }) => Promise<unknown>;
  /** Throws a 429 when the texting limits refuse an invitation to this phone. */
  checkTextLimit?: (msg: { kind: string; to: string; body: string; hubId: string | null }) => Promise<void>;
  /** Stops a queued text (by its dedupe key) that has not gone yet. */
  withdrawText?: (dedupeKey: string, reason: string) => Promise<unknown>;
}) {
  const { db, invitations, users, venues, organisations, clock } = deps;

  function present(inv: InvitationRow, link: string, texted: boolean) {
    return {
      id: inv.id,
      email: inv.email,
      role: inv.role,
      hubId: inv.hubId,
      organisationId: inv.organisationId,
      expiresAt: inv.expiresAt.toISOString(),
      link,
      texted,
    };
  }

  async function create(
    actor: Actor,
    target: { hubId: string; role: HubRole } | { organisationId: string },
    what: string,
    input: { email: string; name?: string; phone?: string },
  ) {
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    const linkBase = `${deps.publicUrl}/invitations/`;
    const link = `${linkBase}${token}`;
    const hubId = 'hubId' in target ? target.hubId : null;
    const body = invitationText({ inviterName: actor.name, what, days: INVITATION_TTL_DAYS, linkBase });
    // Past the texting limits an invitation with a phone is refused before anything is made (429, when to try again).
    if (input.phone) await deps.checkTextLimit?.({ kind: 'invitation', to: input.phone, body, hubId });
    return db.transaction(async (tx) => {
      const inv = await invitations.insert(
        {
          tokenHash: hashSecret(token),
          email: input.email.trim(),
          hubId: 'hubId' in target ? target.hubId : null,
          organisationId: 'organisationId' in target ? target.organisationId : null,
          role: 'role' in target ? target.role : 'member',
          name: input.name?.trim() || null,
          phone: input.phone ?? null,
          invitedBy: actor.userId,
          expiresAt: new Date(now.getTime() + INVITATION_TTL_DAYS * DAY_MS),
          createdAt: now,
        },
        tx,
      );
      if (input.phone) {
        await deps.notify(
          { kind: 'invitation', to: input.phone, body, secret: token, hubId: inv.hubId, dedupeKey: `invitation:${inv.id}` },
          tx,
          { overLimit: 'refuse' },
        );
      }
      return present(inv, link, Boolean(input.phone));
    });
  }

  /** The invitation a token names, if it can still be accepted; otherwise the reason as an error. */
  async function usable(token: string) {
    const inv = await invitations.findByTokenHash(hashSecret(token));
    if (!inv) throw notFound('Invitation');
    if (inv.acceptedAt) throw conflict('invitation_used', 'This invitation has already been accepted');
    if (inv.expiresAt.getTime() <= clock.now().getTime()) throw unprocessable('invitation_expired', 'This invitation has expired; ask whoever sent it for a new one');
    return inv;
  }

  /**
   * The organisation, for an action its members take on its membership (removing a member,
   * cancelling an invitation). Members may; so may an admin, and staff of a hub the organisation
   * has booked at (as for verifying it: `staff`). Other staff may see it but not do this (403);
   * anyone else gets 404.
   */
  async function manageable(actor: Actor, organisationId: string, what: string) {
    const org = await organisations.get(organisationId);
    if (!org || !(isMemberOfOrg(actor, organisationId) || isAnyStaff(actor))) throw notFound('Organisation');
    const staff = actor.isAdmin || (isAnyStaff(actor) && (await organisations.hiresAtAnyOf(organisationId, [...actor.staffHubs])));
    if (!isMemberOfOrg(actor, organisationId) && !staff) throw forbidden(`Only members of the organisation, a network admin or staff of a hub it has booked at may ${what}`);
    return { org, staff };
  }

  return {
    /** Admin, or staff of the hub. */
    async inviteToHub(actor: Actor, hubId: string, input: { email: string; role: HubRole; name?: string; phone?: string }) {
      const hub = await venues.getHub(hubId);
      if (!hub) throw notFound('Hub');
      if (!isStaffOf(actor, hubId)) throw forbidden('Only staff of this hub (or an admin) may invite people to it');
      return create(actor, { hubId, role: input.role }, `${hub.name} as ${input.role}`, input);
    },

    /** Members of the organisation, or an admin. Staff may see it but not add to it (403); others get 404. */
    async inviteToOrganisation(actor: Actor, organisationId: string, input: { email: string; name?: string; phone?: string }) {
      const org = await organisations.get(organisationId);
      if (!org || !(isMemberOfOrg(actor, organisationId) || isAnyStaff(actor))) throw notFound('Organisation');
      if (!isMemberOfOrg(actor, organisationId) && !actor.isAdmin) throw forbidden('Only members of the organisation may add members');
      // Members see each other's emails (GET /organisations/:id), so saying so tells the inviter nothing new.
      const already = await users.findByEmail(input.email.trim());
      if (already && (await organisations.isMember(organisationId, already.id))) throw conflict('already_member', 'This person is already a member of the organisation');
      return create(actor, { organisationId }, `join ${org.name}`, input);
    },

    /**
     * The organisation's invitations still waiting (not accepted, not lapsed), soonest to lapse
     * first: to whom, and when. Members only (others get 404), as for inviting.
     */
    async waitingForOrganisation(actor: Actor, organisationId: string) {
      const org = await organisations.get(organisationId);
      if (!org || !(isMemberOfOrg(actor, organisationId) || actor.isAdmin)) throw notFound('Organisation');
      const rows = await invitations.waitingForOrganisation(organisationId, clock.now());
      return rows.map((r) => ({ id: r.id, email: r.email, texted: r.phone !== null, expiresAt: r.expiresAt.toISOString() }));
    },

    /** What a link offers, for the page that asks the person to accept. Says nothing about accounts. */
    async describe(token: string) {
      const inv = await usable(token);
      const hub = inv.hubId ? await venues.getHub(inv.hubId) : undefined;
      const org = inv.organisationId ? await organisations.get(inv.organisationId) : undefined;
      return {
        email: inv.email,
        role: inv.role,
        name: inv.name,
        hub: hub ? { id: hub.id, name: hub.name } : null,
        organisation: org ? { id: org.id, name: org.name } : null,
        expiresAt: inv.expiresAt.toISOString(),
      };
    },

    /**
     * Accepts an invitation. Signed in, the caller must be the invited email's account. Otherwise a
     * password is required: the account's own (when the email has one) or a new one (with a name)
     * that creates the account; either way the answer carries a sign-in token.
     */
    async accept(token: string, input: { password?: string; name?: string }, actor: Actor | undefined) {
      const inv = await usable(token);
      const existing = await users.findByEmail(inv.email);
      let newAccount: { name: string; passwordHash: string } | undefined;
      if (actor) {
        if (!existing || existing.id !== actor.userId) throw forbidden('This invitation was sent to another email address; sign in as that person to accept it');
      } else {
        if (!input.password) throw invalid('Give a password: your account’s, or a new one to create it', [{ path: 'body.password', message: 'required' }]);
        if (existing) {
          if (!(await verifyPassword(input.password, existing.passwordHash))) throw new DomainError('unauthenticated', 'invalid_credentials', 'Email or password is wrong');
        } else {
          const name = (input.name ?? inv.name ?? '').trim();
          if (!name) throw invalid('Give your name to create the account', [{ path: 'body.name', message: 'required' }]);
          assertPasswordAllowed(input.password, { email: inv.email, name });
          newAccount = { name, passwordHash: await hashPassword(input.password) };
        }
      }
      const user = await db
        .transaction(async (tx) => {
          const u = existing ?? (await users.insert({ email: inv.email, name: newAccount!.name, passwordHash: newAccount!.passwordHash, phone: inv.phone }, tx));
          if (!(await invitations.markAccepted(inv.id, u.id, clock.now(), tx))) throw conflict('invitation_used', 'This invitation has already been accepted');
          if (inv.hubId) await invitations.addHubRole({ hubId: inv.hubId, userId: u.id, role: inv.role as HubRole }, tx);
          else await invitations.addOrganisationMember(inv.organisationId!, u.id, tx);
          return u;
        })
        .catch((err) => {
          // Someone registered this email between our check and the insert.
          if (sqlState(err) === PG.uniqueViolation) throw conflict('invitation_used', 'Sign in to accept this invitation');
          throw err;
        });
      return {
        token: actor ? null : deps.signToken(user.id),
        user: { id: user.id, email: user.email, name: user.name, phone: user.phone },
        role: inv.role,
        hubId: inv.hubId,
        organisationId: inv.organisationId,
      };
    },

    /**
     * Takes the person out of the organisation (themselves: leaving). From the next request they
     * cannot book for it or see its bookings and codes (the actor is loaded per request). Someone
     * must remain to book and to hand over, so its last member cannot be removed (409
     * `last_member`) except by an admin or staff. The organisation's row is locked, so two members
     * leaving at once cannot both go.
     */
    async removeOrganisationMember(actor: Actor, organisationId: string, userId: string) {
      const { staff } = await manageable(actor, organisationId, 'remove its members');
      await db.transaction(async (tx) => {
        if (!(await invitations.lockOrganisation(organisationId, tx))) throw notFound('Organisation');
        if (!(await invitations.removeOrganisationMember(organisationId, userId, tx))) throw notFound('Member');
        if (!staff && (await invitations.countOrganisationMembers(organisationId, tx)) === 0) {
          throw conflict(
            'last_member',
            `${userId === actor.userId ? 'You are' : 'They are'} the organisation's only member: someone must remain to book for it and look after its bookings. Invite another person first; once they have joined, ${userId === actor.userId ? 'you can leave' : 'they can be removed'}`,
          );
        }
      });
    },

    /**
     * Cancels an organisation's invitation still waiting: its link then stops working (accepting
     * is refused as for a lapsed one, 422 `invitation_expired`). One already accepted is 409
     * `invitation_used` (remove the member instead); one already lapsed or cancelled stays so (204
     * again). Who may: as for removing a member.
     */
    async cancelOrganisationInvitation(actor: Actor, organisationId: string, invitationId: string) {
      await manageable(actor, organisationId, 'cancel its invitations');
      const inv = await invitations.findById(invitationId);
      if (!inv || inv.organisationId !== organisationId) throw notFound('Invitation');
      const used = () => conflict('invitation_used', 'This invitation has already been accepted: the person is a member now (remove them instead)');
      if (inv.acceptedAt) throw used();
      if (await invitations.lapseNow(inv.id, clock.now())) {
        // Its text, if still waiting to go, would carry a link that no longer works: it does not go.
        await deps.withdrawText?.(`invitation:${inv.id}`, 'not sent: the invitation was cancelled first');
        return;
      }
      // It lapsed already, or was accepted or cancelled a moment ago.
      if ((await invitations.findById(inv.id))?.acceptedAt) throw used();
    },

    /** Admin, or staff of the hub: takes away the person's role there (one role when named). */
    async removeHubMember(actor: Actor, hubId: string, userId: string, role?: HubRole) {
      const hub = await venues.getHub(hubId);
      if (!hub) throw notFound('Hub');
      if (!isStaffOf(actor, hubId)) throw forbidden('Only staff of this hub (or an admin) may remove its people');
      if ((await invitations.removeHubRoles(hubId, userId, role)) === 0) throw notFound('Member');
    },
  };
}
export type InvitationsService = ReturnType<typeof createInvitationsService>;
