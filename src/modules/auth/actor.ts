/** Who is calling, with what they may touch. Loaded per request from the database. */
export interface Actor {
  userId: string;
  email: string;
  name: string;
  isAdmin: boolean;
  staffHubs: Set<string>;
  volunteerHubs: Set<string>;
  organisations: Set<string>;
}

export const isStaffOf = (a: Actor, hubId: string) => a.isAdmin || a.staffHubs.has(hubId);
/** Staff of at least one hub (or an admin): may read and verify organisations network-wide. */
export const isAnyStaff = (a: Actor) => a.isAdmin || a.staffHubs.size > 0;
export const isMemberOfOrg = (a: Actor, orgId: string) => a.organisations.has(orgId);
