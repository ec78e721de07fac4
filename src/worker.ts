import { bootstrap, configOrExit } from './bootstrap';
import { runAllOnce, startScheduler } from './worker/scheduler';

/** Scheduler entry: the same services as the API, no HTTP. `--once` runs every job once and exits. */
async function main() {
  const config = configOrExit();
  const { container } = await bootstrap(config);
  const log = container.logger;
  if (process.argv.includes('--once')) {
    const result = await runAllOnce(container);
    log.info({ result }, 'ran every job once');
    await container.close();
    return;
  }
  const scheduler = startScheduler(container, log);
  log.info({}, 'worker started');
  const shutdown = async () => {
    await scheduler.stop();
    await container.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
