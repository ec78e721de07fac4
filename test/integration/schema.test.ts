import { sql } from 'drizzle-orm';
import { openTestDatabase } from '../helpers/app';
import type { Database } from '../../src/db/client';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

const rows = async <T>(query: ReturnType<typeof sql>) => ((await database.db.execute(query)) as unknown as { rows: T[] }).rows;

describe('the migrated schema', () => {
  it('indexes every foreign key (its columns lead some index)', async () => {
    const unindexed = await rows<{ tbl: string; conname: string }>(sql`
      SELECT c.conrelid::regclass::text AS tbl, c.conname
      FROM pg_constraint c
      WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
        AND NOT EXISTS (
          SELECT 1 FROM pg_index i
          WHERE i.indrelid = c.conrelid
            AND (string_to_array(i.indkey::text, ' ')::int2[])[1:array_length(c.conkey, 1)] = c.conkey
        )
      ORDER BY 1, 2`);
    expect(unindexed).toEqual([]);
  });

  it('has the exclusion constraint that makes double booking impossible', async () => {
    const [c] = await rows<{ def: string }>(sql`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'bookings_no_overlap'`);
    expect(c.def).toMatch(/EXCLUDE USING gist \(room_id WITH =, tstzrange\(starts_at, blocked_until, '\[\)'::text\) WITH &&\)/);
    expect(c.def).toMatch(/requested.*awaiting_payment.*confirmed/);
  });

  it('keeps every time as timestamptz', async () => {
    const naive = await rows<{ table_name: string; column_name: string }>(sql`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'`);
    expect(naive).toEqual([]);
  });
});
