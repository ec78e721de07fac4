import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliDecompress } from 'node:zlib';
import { migrationsFolder, packageRoot } from '../lib/paths';

/**
 * The embedded database's template: a dump (`dumpDataDir`) of an empty database on which every
 * migration has run, kept in db-template/ and made by `npm run db:template`. A first start on an
 * empty DATA_DIR loads it instead of running PGlite's initdb and every migration (the largest
 * part of a fresh `npm start`, docs/performance.md "Start-up"); the migrations then run as
 * always, so one added since is applied on top.
 *
 * It is used only when it is sound: made by the installed PGlite version, and its migrations are
 * the first of migrations/ (same names, timestamps and SQL hashes, in order), so drizzle's
 * migrator applies exactly the rest. Otherwise the start runs initdb as before: only slower.
 * test/unit/db-template.test.ts fails when the committed template is not current.
 */

export interface MigrationRecord {
  tag: string;
  /** The journal's `when`: drizzle's `created_at` for the migration. */
  when: number;
  /** sha256 of the SQL file, as drizzle's migrator records it. */
  hash: string;
}

export interface TemplateManifest {
  /** @electric-sql/pglite version that made the dump. */
  pglite: string;
  /** `SELECT version()` of that PGlite, for people reading the file. */
  postgres: string;
  /** The migrations applied in the dump, in order. */
  migrations: MigrationRecord[];
}

export const templateDir = () => join(packageRoot(), 'db-template');
export const templateFile = () => join(templateDir(), 'empty.tar.br');
export const manifestFile = () => join(templateDir(), 'manifest.json');

/** The migrations in migrations/, in journal order, hashed as drizzle's migrator hashes them. */
export function currentMigrations(folder: string = migrationsFolder()): MigrationRecord[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string; when: number }[] };
  return journal.entries.map((e) => ({
    tag: e.tag,
    when: e.when,
    hash: createHash('sha256').update(readFileSync(join(folder, `${e.tag}.sql`)).toString()).digest('hex'),
  }));
}

/** The installed @electric-sql/pglite's version (its package.json is not exported, so found from its entry point). */
export function installedPgliteVersion(): string {
  const root = packageRoot(dirname(require.resolve('@electric-sql/pglite')));
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

const same = (a: MigrationRecord, b: MigrationRecord) => a.tag === b.tag && a.when === b.when && a.hash === b.hash;

/**
 * Why a template with this manifest cannot be loaded here, or undefined when it can. `current`
 * true: it must hold every migration (what the staleness test asks); false: a prefix is enough
 * (what a start needs, since the migrator applies the rest).
 */
export function templateProblem(manifest: TemplateManifest, opts: { pglite: string; migrations: MigrationRecord[]; current?: boolean }): string | undefined {
  if (manifest.pglite !== opts.pglite) return `made by PGlite ${manifest.pglite}, installed is ${opts.pglite}`;
  const have = manifest.migrations;
  const want = opts.migrations;
  if (have.length > want.length) return `it has ${have.length} migrations, migrations/ has ${want.length}`;
  const differs = have.findIndex((m, i) => !same(m, want[i]));
  if (differs >= 0) return `its migration ${have[differs].tag} differs from migrations/ (${want[differs].tag})`;
  if (opts.current && have.length < want.length) return `it lacks ${want.slice(have.length).map((m) => m.tag).join(', ')}`;
  return undefined;
}

export type TemplateChoice = { use: true; load: () => Promise<Blob>; migrations: number } | { use: false; reason: string };

/**
 * Whether a start on `dataDir` should load the template: only when the directory holds no
 * database yet (PostgreSQL writes PG_VERSION at initdb) and the template is sound for this
 * checkout. Reads the small manifest only; `load()` reads and decompresses the dump.
 */
export function chooseTemplate(dataDir: string): TemplateChoice {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return { use: false, reason: 'DATA_DIR already holds a database' };
  if (!existsSync(manifestFile()) || !existsSync(templateFile())) return { use: false, reason: 'no template in db-template/' };
  let manifest: TemplateManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile(), 'utf8')) as TemplateManifest;
  } catch (err) {
    return { use: false, reason: `db-template/manifest.json unreadable: ${(err as Error).message}` };
  }
  const problem = templateProblem(manifest, { pglite: installedPgliteVersion(), migrations: currentMigrations() });
  if (problem) return { use: false, reason: `template not used: ${problem} (npm run db:template makes a current one)` };
  return {
    use: true,
    migrations: manifest.migrations.length,
    load: async () => new Blob([await promisify(brotliDecompress)(readFileSync(templateFile()))]),
  };
}
