import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { openDatabase } from '../../../src/db/client';
import { chooseTemplate, currentMigrations, installedPgliteVersion, manifestFile, type MigrationRecord, templateFile, type TemplateManifest, templateProblem } from '../../../src/db/template';

/**
 * The committed template of the empty, migrated embedded database (db-template/, made by
 * `npm run db:template`): what a first `npm start` loads instead of initdb and the migrations.
 */
const manifest = JSON.parse(readFileSync(manifestFile(), 'utf8')) as TemplateManifest;

describe('the committed template', () => {
  it('is current: made by the installed PGlite with every migration in migrations/ (else run npm run db:template)', () => {
    expect(templateProblem(manifest, { pglite: installedPgliteVersion(), migrations: currentMigrations(), current: true })).toBeUndefined();
  });

  it('holds exactly the migrations its manifest names, no data, and migrating it changes nothing', async () => {
    const database = await openDatabase({ dataDir: 'memory://', loadDataDir: new Blob([brotliDecompressSync(readFileSync(templateFile()))]) });
    try {
      const applied = async () => (await database.pglite!.query<{ hash: string; created_at: string }>('SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at')).rows;
      const before = await applied();
      expect(before.map((r) => ({ hash: r.hash, when: Number(r.created_at) }))).toEqual(manifest.migrations.map((m) => ({ hash: m.hash, when: m.when })));
      const rows = await database.pglite!.query<{ n: number }>(
        `SELECT sum((xpath('/row/n/text()', query_to_xml('SELECT count(*) AS n FROM public.' || quote_ident(tablename), false, true, '')))[1]::text::int)::int AS n FROM pg_tables WHERE schemaname = 'public'`,
      );
      expect(rows.rows[0].n).toBe(0);
      await database.migrate();
      expect(await applied()).toEqual(before);
    } finally {
      await database.close();
    }
  });
});

describe('templateProblem', () => {
  const m = (tag: string, when: number, hash = `h-${tag}`): MigrationRecord => ({ tag, when, hash });
  const journal = [m('0000_a', 1), m('0001_b', 2), m('0002_c', 3)];
  const made = (migrations: MigrationRecord[], pglite = '1.0.0'): TemplateManifest => ({ pglite, postgres: 'PostgreSQL', migrations });

  it('accepts the same migrations', () => {
    expect(templateProblem(made(journal), { pglite: '1.0.0', migrations: journal, current: true })).toBeUndefined();
  });
  it('accepts a prefix for a start (the migrator applies the rest) but not as current', () => {
    expect(templateProblem(made(journal.slice(0, 2)), { pglite: '1.0.0', migrations: journal })).toBeUndefined();
    expect(templateProblem(made(journal.slice(0, 2)), { pglite: '1.0.0', migrations: journal, current: true })).toMatch(/lacks 0002_c/);
  });
  it('refuses another PGlite version', () => {
    expect(templateProblem(made(journal, '0.9.0'), { pglite: '1.0.0', migrations: journal })).toMatch(/PGlite 0\.9\.0/);
  });
  it('refuses a migration whose SQL, timestamp or name changed since', () => {
    expect(templateProblem(made([m('0000_a', 1), m('0001_b', 2, 'other')]), { pglite: '1.0.0', migrations: journal })).toMatch(/0001_b differs/);
    expect(templateProblem(made([m('0000_a', 1), m('0001_b', 5)]), { pglite: '1.0.0', migrations: journal })).toMatch(/0001_b differs/);
    expect(templateProblem(made([m('0000_a', 1), m('0001_x', 2, 'h-0001_b')]), { pglite: '1.0.0', migrations: journal })).toMatch(/0001_x differs/);
  });
  it('refuses one with more migrations than migrations/ (made on another branch)', () => {
    expect(templateProblem(made([...journal, m('0003_d', 4)]), { pglite: '1.0.0', migrations: journal })).toMatch(/4 migrations, migrations\/ has 3/);
  });
  it('refuses one whose migrations are not the first of migrations/ (one was inserted before its last)', () => {
    expect(templateProblem(made([m('0000_a', 1), m('0002_c', 3)]), { pglite: '1.0.0', migrations: journal })).toMatch(/0002_c differs from migrations\/ \(0001_b\)/);
  });
});

describe('chooseTemplate', () => {
  it('uses the template for an empty DATA_DIR (secrets file aside) and never for one holding a database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hubkey-template-'));
    try {
      writeFileSync(join(dir, 'hubkey-secrets.json'), '{}');
      expect(chooseTemplate(dir)).toMatchObject({ use: true, migrations: currentMigrations().length });
      writeFileSync(join(dir, 'PG_VERSION'), '17\n');
      expect(chooseTemplate(dir)).toEqual({ use: false, reason: 'DATA_DIR already holds a database' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a new DATA_DIR opened with useTemplate starts from it, migrated, and opens as itself afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hubkey-template-'));
    try {
      const first = await openDatabase({ dataDir: dir, useTemplate: true });
      expect(first.embeddedStart).toEqual({ from: 'template' });
      await first.migrate();
      await first.pglite!.exec(`INSERT INTO hubs (name, address, timezone, opening_hours, settings) VALUES ('Kept', '1 Road', 'Europe/London', '{}', '{}')`);
      await first.close();
      const again = await openDatabase({ dataDir: dir, useTemplate: true });
      expect(again.embeddedStart).toEqual({ from: 'existing' });
      expect((await again.pglite!.query<{ name: string }>('SELECT name FROM hubs')).rows).toEqual([{ name: 'Kept' }]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
