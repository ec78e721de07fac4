import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { users } from '../../db/schema';

/**
 * Network admins, for the operator (`npm run admin`): nobody can make an admin through the API
 * or the pages, so the first one comes from the seed or from here. The network is never left
 * without one: revoking the last is refused, as erasing the last is (privacy.service).
 */
export type AdminChange = { ok: true; email: string; name: string; changed: boolean } | { ok: false; reason: string };

export async function listAdmins(db: Db) {
  return db
    .select({ email: users.email, name: users.name })
    .from(users)
    .where(and(eq(users.isAdmin, true), isNull(users.erasedAt)))
    .orderBy(users.email);
}

export async function setAdmin(db: Db, email: string, admin: boolean): Promise<AdminChange> {
  return db.transaction(async (tx) => {
    // Every admin's row first, in one order (as an erasure takes them), then the person's.
    const admins = await tx.select({ id: users.id }).from(users).where(and(eq(users.isAdmin, true), isNull(users.erasedAt))).orderBy(users.id).for('update');
    const [person] = await tx
      .select()
      .from(users)
      .where(and(sql`lower(${users.email}) = lower(${email})`, isNull(users.erasedAt)))
      .for('update');
    if (!person) return { ok: false, reason: `Nobody with the email address ${email} has an account (they register or accept an invitation first)` };
    if (person.isAdmin === admin) return { ok: true, email: person.email, name: person.name, changed: false };
    if (!admin && admins.every((a) => a.id === person.id)) return { ok: false, reason: `${person.email} is the network's only admin: grant another person first` };
    await tx.update(users).set({ isAdmin: admin }).where(eq(users.id, person.id));
    return { ok: true, email: person.email, name: person.name, changed: true };
  });
}
