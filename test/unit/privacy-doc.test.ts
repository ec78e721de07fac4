import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as schema from '../../src/db/schema';

/**
 * A column looks personal when its name says it may hold a name, contact detail, free text a
 * person wrote, a person's id, or what a person did (attendance, entries, session data).
 */
const LOOKS_PERSONAL = /(^|_)(name|email|phone|address|notes?|reason|evidence|body|title|description|data|error|rules?|user_id|created_by|[a-z]+_by|attendance|attended_minutes|attendance_at|cipher|customer_id|ip)$|^(to|at)$/;

const doc = readFileSync(join(__dirname, '../../docs/privacy.md'), 'utf8');
const columns = (Object.values(schema) as unknown[])
  .filter((v): v is PgTable => v instanceof PgTable)
  .flatMap((t) => {
    const c = getTableConfig(t);
    return c.columns.map((col) => `${c.name}.${col.name}`);
  });

describe('docs/privacy.md', () => {
  it('lists every column of the schema that looks personal', () => {
    const personal = columns.filter((c) => LOOKS_PERSONAL.test(c.split('.')[1]));
    expect(personal.length).toBeGreaterThan(40);
    expect(personal.filter((c) => !doc.includes(`\`${c}\``))).toEqual([]);
  });

  it('names only columns that exist (a renamed column is caught too)', () => {
    const named = [...doc.matchAll(/`([a-z_]+)\.([a-z_]+)`/g)].map((m) => `${m[1]}.${m[2]}`);
    expect(named.length).toBeGreaterThan(40);
    expect(named.filter((c) => !columns.includes(c))).toEqual([]);
  });

  it.each([
    ['users.email', true],
    ['users.phone', true],
    ['hubs.address', true],
    ['volunteer_profiles.notes', true],
    ['erasures.reason', true],
    ['outbox.to', true],
    ['invitations.invited_by', true],
    ['door_entries.at', true],
    ['bookings.attendees', false],
    ['bookings.starts_at', false],
    ['outbox.kind', false],
    ['users.id', false],
  ])('%s looks personal: %s', (col, want) => {
    expect(LOOKS_PERSONAL.test(col.split('.')[1])).toBe(want);
  });
});
