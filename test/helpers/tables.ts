import type { Database } from '../../src/db/client';

/**
 * Every row of every table of the schema, as PostgreSQL prints it (JSON, in UTC), sorted: two
 * databases hold the same data when these are equal. Read directly through the driver, so it does
 * not lean on the backup module it checks.
 */
export async function everyRow(database: Database): Promise<Record<string, string[]>> {
  const query = async (text: string): Promise<Record<string, string>[]> => {
    if (database.pool) {
      const c = await database.pool.connect();
      try {
        await c.query(`SET TimeZone = 'UTC'`);
        return (await c.query(text)).rows;
      } finally {
        await c.query('RESET TimeZone');
        c.release();
      }
    }
    await database.pglite!.query(`SET TimeZone = 'UTC'`);
    return (await database.pglite!.query<Record<string, string>>(text)).rows;
  };
  const tables = await query(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  const out: Record<string, string[]> = {};
  for (const { t } of tables) out[t] = (await query(`SELECT row_to_json(x)::text AS j FROM "${t}" x ORDER BY 1`)).map((r) => r.j);
  return out;
}

/** Rows whose parent is missing: bookings without their organisation or room, codes without their booking, and so on. */
export async function orphans(database: Database): Promise<Record<string, number>> {
  const checks: Record<string, string> = {
    bookingsWithoutOrganisation: 'SELECT count(*)::int AS n FROM bookings b LEFT JOIN organisations o ON o.id = b.organisation_id WHERE o.id IS NULL',
    bookingsWithoutRoom: 'SELECT count(*)::int AS n FROM bookings b LEFT JOIN rooms r ON r.id = b.room_id WHERE r.id IS NULL',
    codesWithoutBooking: 'SELECT count(*)::int AS n FROM access_codes c LEFT JOIN bookings b ON b.id = c.booking_id WHERE c.booking_id IS NOT NULL AND b.id IS NULL',
    codeDoorsWithoutCode: 'SELECT count(*)::int AS n FROM access_code_doors d LEFT JOIN access_codes c ON c.id = d.access_code_id WHERE c.id IS NULL',
    paymentItemsWithoutBooking: 'SELECT count(*)::int AS n FROM payment_items i LEFT JOIN bookings b ON b.id = i.booking_id WHERE b.id IS NULL',
  };
  const out: Record<string, number> = {};
  for (const [name, text] of Object.entries(checks)) {
    const rows = database.pool ? (await database.pool.query(text)).rows : (await database.pglite!.query<{ n: number }>(text)).rows;
    out[name] = Number(rows[0].n);
  }
  return out;
}
