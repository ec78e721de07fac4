import { mkdirSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants as Z } from 'node:zlib';
import { openDatabase } from '../src/db/client';
import { currentMigrations, installedPgliteVersion, manifestFile, templateDir, templateFile, type TemplateManifest } from '../src/db/template';

/**
 * npm run db:template: writes db-template/empty.tar.br (a dump of an empty embedded database on
 * which every migration in migrations/ has run, brotli-compressed) and db-template/manifest.json
 * (the PGlite version and the migrations it holds). A first `npm start` on an empty DATA_DIR
 * loads it instead of running initdb and the migrations (src/db/template.ts). Run it after
 * adding or changing a migration or upgrading PGlite; test/unit/db-template.test.ts fails until
 * then (a start meanwhile uses the older template and migrates the rest, or runs initdb).
 */
async function main() {
  const started = performance.now();
  const database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
  const pglite = database.pglite!;
  const applied = await pglite.query<{ hash: string; created_at: string }>('SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at');
  const migrations = currentMigrations();
  if (applied.rows.length !== migrations.length || applied.rows.some((r, i) => r.hash !== migrations[i].hash || Number(r.created_at) !== migrations[i].when)) {
    throw new Error('the migrated database does not record exactly the migrations in migrations/');
  }
  const postgres = (await pglite.query<{ version: string }>('SELECT version()')).rows[0].version;
  // Written out, so the dump's data files are whole and a load replays next to no WAL.
  await pglite.exec('CHECKPOINT');
  const tar = Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer());
  await database.close();
  // Brotli with a 16 MiB window finds the three nearly identical databases (template0, template1,
  // postgres) in the tar: 1.7 MB against gzip's 5 MB. Node decompresses it without a dependency.
  const compressed = brotliCompressSync(tar, { params: { [Z.BROTLI_PARAM_QUALITY]: 11, [Z.BROTLI_PARAM_LGWIN]: 24, [Z.BROTLI_PARAM_SIZE_HINT]: tar.length } });
  mkdirSync(templateDir(), { recursive: true });
  writeFileSync(templateFile(), compressed);
  const manifest: TemplateManifest = { pglite: installedPgliteVersion(), postgres, migrations };
  writeFileSync(manifestFile(), JSON.stringify(manifest, null, 2) + '\n');
  const mb = (n: number) => (n / 1e6).toFixed(1);
  console.log(
    `Wrote ${templateFile()} (${mb(compressed.length)} MB; ${mb(tar.length)} MB uncompressed) and manifest.json: ${migrations.length} migrations, up to ${migrations.at(-1)?.tag}, PGlite ${manifest.pglite}, in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
