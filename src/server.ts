import { buildApp } from './app';
import { bootstrap, configOrExit, connectInBackground, demoBanner, onShutdown } from './bootstrap';
import { startScheduler } from './worker/scheduler';

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
  const log = container.logger;
  const connecting = connectInBackground(container);
  let scheduler: ReturnType<typeof startScheduler> | undefined;

  let stopping = false;
  onShutdown(log, async () => {
    stopping = true;
    connecting.abort();
    await scheduler?.stop();
    // Stops accepting connections and waits for the requests in flight to be answered.
    await app.close();
    await container.close();
  });

  await app.listen({ port: config.port, host: config.host });
  console.log(demoBanner(config, seeded, keypad) + (withWorker ? '  The worker runs in this process.\n' : ''));
  if (withWorker && (await connecting.reachable) && !stopping) scheduler = startScheduler(container, log);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
