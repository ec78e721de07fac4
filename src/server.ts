import { buildApp } from './app';
import { bootstrap, configOrExit, demoBanner, runLifecycle } from './bootstrap';

/**
 * HTTP entry. Production: `node dist/src/server.js` (after `npm run build`), so the server is the
 * process that gets SIGTERM. Development: `npm start` (API + worker in one process) or
 * `npm run start:api` (API only).
 */
async function main() {
  const config = configOrExit();
  const withWorker = process.argv.includes('--with-worker');
  const { container, seeded, keypad } = await bootstrap(config);
  const app = await buildApp(container, { log: true });
  // On SIGTERM: stops accepting connections and waits for the requests in flight to be answered.
  const life = runLifecycle(container, () => app.close());
  await app.listen({ port: config.port, host: config.host });
  console.log(demoBanner(config, seeded, keypad) + (withWorker ? '  The worker runs in this process.\n' : ''));
  if (withWorker) await life.startSchedule();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
