import { bootstrap, configOrExit, connectInBackground, runLifecycle } from './bootstrap';
import { runAllOnce } from './worker/scheduler';

/**
 * Scheduler entry: the same services as the API, no HTTP. `--once` runs every job once and exits.
 * Production: `node dist/src/worker.js`. It waits (logging, with backoff) for an unreachable
 * database, and never exits because the database went away: a job that fails runs again on its
 * next tick.
 */
async function main() {
  const config = configOrExit();
  const { container } = await bootstrap(config);
  const log = container.logger;
  if (process.argv.includes('--once')) {
    if (await connectInBackground(container).reachable) {
      const result = await runAllOnce(container);
      log.info({ result }, 'ran every job once');
    }
    await container.close();
    return;
  }
  if (await runLifecycle(container).startSchedule()) log.info({}, 'worker started');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
