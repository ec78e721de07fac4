import { bootstrap, configOrExit } from './bootstrap';
import { runAllOnce, startScheduler } from './worker/scheduler';

/** Scheduler entry: the same services as the API, no HTTP. `--once` runs every job once and exits. */
async function main() {
  const config = configOrExit();
  const { container } = await bootstrap(config);
  const log = {
    info: (obj: object, msg?: string) => console.log(JSON.stringify({ level: 'info', msg, ...obj })),
    error: (obj: object, msg?: string) => console.error(JSON.stringify({ level: 'error', msg, ...obj, err: String((obj as { err?: unknown }).err) })),
  };
  if (process.argv.includes('--once')) {
    const result = await runAllOnce(container);
    console.log(JSON.stringify({ level: 'info', msg: 'ran every job once', result }));
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
