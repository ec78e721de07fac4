/**
 * The staff pages' navigation, as data: each area of /staff, in the order staff meet them in a
 * day. A link shows only once its page exists (staffNav asks the router), so an engineer adding an
 * area adds its routes and nothing here; `adminOnly` areas show to network admins alone.
 */
export interface StaffNavItem {
  /** Names the area: the page's `navKey` marks its link as the current one. */
  key: string;
  text: string;
  href: string;
  adminOnly?: boolean;
}

export const STAFF_NAV: readonly StaffNavItem[] = [
  { key: 'today', text: 'Today', href: '/staff/today' },
  { key: 'approvals', text: 'Approvals', href: '/staff/approvals' },
  { key: 'bookings', text: 'Bookings', href: '/staff/bookings' },
  { key: 'rooms', text: 'Rooms', href: '/staff/rooms' },
  { key: 'doors', text: 'Doors', href: '/staff/doors' },
  { key: 'payments', text: 'Payments', href: '/staff/payments' },
  { key: 'messages', text: 'Messages', href: '/staff/messages' },
  { key: 'rota', text: 'Rota', href: '/staff/rota' },
  { key: 'reports', text: 'Reports', href: '/staff/reports' },
  { key: 'rate-cards', text: 'Rate cards', href: '/staff/rate-cards' },
  { key: 'organisations', text: 'Organisations', href: '/staff/organisations' },
  // Hubs and people: staff see their hub's people and invite volunteers; admins every hub and the network report.
  { key: 'admin', text: 'People', href: '/staff/admin' },
];

/**
 * The links one person sees: the areas whose page is there (`exists` asks the router), without
 * admin areas for hub staff, the current one marked (its key, or the longest href the path starts with).
 */
export function staffNav(opts: { path: string; isAdmin: boolean; navKey?: string; exists: (href: string) => boolean }) {
  const shown = STAFF_NAV.filter((i) => (!i.adminOnly || opts.isAdmin) && opts.exists(i.href));
  const current =
    opts.navKey ??
    shown
      .filter((i) => opts.path === i.href || opts.path.startsWith(`${i.href}/`))
      .sort((a, b) => b.href.length - a.href.length)[0]?.key;
  return shown.map((i) => ({ href: i.href, text: i.text, current: i.key === current }));
}
