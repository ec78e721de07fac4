/**
 * Where a fresh `npm start` spends its time, phase by phase, in one process: loading the code
 * (tsx compiles TypeScript on the fly), opening the embedded database on an empty DATA_DIR
 * (PGlite's initdb), migrations, seeding the demo network, building the app. Run:
 * `node --import tsx scripts/bench/startup-phases.ts` (DATA_DIR is a fresh temp directory).
 */
const t0 = performance.now();
const mark = (label: string, since: number) => console.log(`${label.padEnd(34)} ${(performance.now() - since).toFixed(0).padStart(6)} ms`);

async function main() {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  let t = performance.now();
  const { buildApp } = await import('../../src/app.js');
  const { createContainer } = await import('../../src/container.js');
  const { loadConfig } = await import('../../src/config/env.js');
  const { hasData, seedDemo } = await import('../../src/db/seed.js');
  mark('load the code (tsx)', t);
  const dataDir = mkdtempSync(join(tmpdir(), 'hubkey-startup-'));
  try {
    const config = loadConfig({ ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, NODE_ENV: 'development', LOG_LEVEL: 'silent' });
    t = performance.now();
    const container = await createContainer(config);
    mark('open the embedded database', t);
    t = performance.now();
    await container.database.migrate();
    mark('migrations', t);
    t = performance.now();
    if (!(await hasData(container.database.db))) await seedDemo(container.database.db);
    mark('seed the demo network', t);
    t = performance.now();
    const app = await buildApp(container);
    mark('build the app', t);
    mark('total since this script started', t0);
    console.log(`(process uptime ${(process.uptime() * 1000).toFixed(0)} ms)`);
    await app.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
