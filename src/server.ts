import { buildApp } from './app';
import { bootstrap, configOrExit, demoBanner } from './bootstrap';
import { startScheduler } from './worker/scheduler';

/** HTTP entry: `npm start` (API + worker in one process) or `npm run start:api` (API only). */
async function main() {
  const config = configOrExit();
  const withWorker = process.argv.includes('--with-worker');
  const { container, seeded, keypad } = await bootstrap(config);
  const app = await buildApp(container, { log: true });
  const scheduler = withWorker ? startScheduler(container, container.logger) : undefined;

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await scheduler?.stop();
    await app.close();
    await container.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  console.log(demoBanner(config, seeded, keypad) + (withWorker ? '  The worker runs in this process.\n' : ''));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
