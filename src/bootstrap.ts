import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, ConfigError, loadConfig } from './config/env';
import { type Container, type ContainerOverrides, createContainer } from './container';
import { waitForDatabase } from './db/client';
import { DEMO_LOGINS, DEMO_PASSWORD, hasData, seedDemo } from './db/seed';
import { assertDataDirFree, startControl } from './modules/backups/backups.control';
import { hashPassword } from './lib/crypto';
import type { Logger } from './lib/logger';
import { startScheduler } from './worker/scheduler';

/** Reads the environment or exits naming the bad variable. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * Opens the database and wires the services. On the embedded database it also migrates and,
 * when empty, seeds the demo network: `npm start` on a fresh clone needs nothing else.
 */
export interface SeededDoor {
  id: string;
  name: string;
  deviceKey: string;
}

export async function bootstrap(config: Config, overrides: ContainerOverrides = {}): Promise<{ container: Container; seeded: boolean; keypad?: SeededDoor }> {
  // The embedded database is one process's: refuse a second one on the same DATA_DIR.
  if (config.database.embedded && !overrides.database) await assertDataDirFree(config.database.dataDir, 'starting another process on it');
  // A new embedded database will be seeded: hash the demo password (scrypt, in the thread pool)
  // while the database opens and migrates, not after.
  const demoHash = config.database.embedded && !overrides.database && !existsSync(join(config.database.dataDir, 'PG_VERSION')) ? settled(hashPassword(DEMO_PASSWORD)) : undefined;
  const container = await createContainer(config, overrides);
  if (container.database.embeddedStart?.reason) container.logger.info({ dataDir: config.database.dataDir }, `new embedded database by initdb: ${container.database.embeddedStart.reason}`);
  let seeded = false;
  let keypad: SeededDoor | undefined;
  if (config.database.embedded) {
    if (!overrides.database) {
      const control = await startControl(config.database.dataDir, (dir) => container.services.backups.backup(dir), container.logger);
      container.onClose(() => control.close());
    }
    await container.database.migrate();
    if (!(await hasData(container.database.db))) {
      const demo = await seedDemo(container.database.db, { passwordHash: demoHash?.value() });
      keypad = { id: demo.doors.front.id, name: demo.doors.front.name, deviceKey: demo.doors.front.deviceKey };
      seeded = true;
    }
  }
  return { container, seeded, keypad };
}

/**
 * Waits, in the background, until PostgreSQL answers, logging each failed try (with backoff).
 * The API listens meanwhile and answers 503 (`/ready` too) until it connects; the worker starts
 * its schedule when `reachable` resolves. Returns at once on the embedded database.
 */
export function connectInBackground(container: Container): { reachable: Promise<boolean>; abort(): void } {
  const controller = new AbortController();
  const reachable = container.database.kind === 'pglite' ? Promise.resolve(true) : waitForDatabase(container.database, container.logger, controller.signal);
  return { reachable, abort: () => controller.abort() };
}

/** A promise started early whose failure, if nobody comes to ask for it, is not an unhandled rejection. */
function settled<T>(p: Promise<T>): { value(): Promise<T> } {
  p.catch(() => undefined);
  return { value: () => p };
}

/** Time a process gets to finish its in-flight requests and jobs after SIGTERM before it exits anyway (code 1). */
export const SHUTDOWN_GRACE_MS = 25_000;

/**
 * SIGTERM / SIGINT: runs `drain` once (stop taking work, finish what is in flight, close the
 * database), then exits 0; 1 if draining failed or took longer than SHUTDOWN_GRACE_MS.
 */
export function onShutdown(log: Logger, drain: () => Promise<void>) {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    try {
      await drain();
      log.info({ signal }, 'shut down cleanly');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/**
 * A long-running process's life: waits for PostgreSQL in the background, and on SIGTERM stops the
 * schedule (waiting for jobs in flight), runs `drain` (the API: answer requests in flight), closes
 * the database and exits 0. `startSchedule` starts the worker's jobs once the database answers.
 */
export function runLifecycle(container: Container, drain?: () => Promise<void>) {
  const connecting = connectInBackground(container);
  let scheduler: ReturnType<typeof startScheduler> | undefined;
  let stopping = false;
  onShutdown(container.logger, async () => {
    stopping = true;
    connecting.abort();
    await scheduler?.stop();
    await drain?.();
    await container.close();
  });
  return {
    /** Resolves true once the schedule runs; false if the process began stopping first. */
    async startSchedule(): Promise<boolean> {
      if (!(await connecting.reachable) || stopping) return false;
      scheduler = startScheduler(container, container.logger);
      return true;
    },
  };
}

/** The demo keypad door's device key, shown once when the demo network is seeded (by `npm start` or `npm run seed`). */
export function keypadLines(publicUrl: string, keypad: SeededDoor): string[] {
  return [
    `  Demo keypad door "${keypad.name}" (id ${keypad.id}); its device key, shown this once:`,
    `    X-Device-Key: ${keypad.deviceKey}`,
    `    e.g. curl -X POST ${publicUrl}/doors/${keypad.id}/verify -H 'X-Device-Key: ${keypad.deviceKey}' -H 'content-type: application/json' -d '{"code":"123456"}'`,
  ];
}

export function demoBanner(config: Config, seeded: boolean, keypad?: SeededDoor): string {
  const lines = [
    '',
    `Hubkey is listening on ${config.publicUrl}`,
    `  Website (find and book a room): ${config.publicUrl}/`,
    config.docsEnabled ? `  API docs (Swagger UI): ${config.publicUrl}/docs   OpenAPI JSON: ${config.publicUrl}/docs/json` : '  API docs: off (DOCS_ENABLED=false)',
    `  Database: ${config.database.embedded ? `embedded PGlite in ${config.database.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`,
  ];
  if (config.database.embedded) {
    lines.push(seeded ? '  Seeded the demo network just now.' : '  Demo network already present.');
    lines.push(`  Demo logins (password "${DEMO_PASSWORD}"):`);
    for (const l of DEMO_LOGINS) lines.push(`    ${l.email.padEnd(24)} ${l.role}`);
    if (keypad) lines.push(...keypadLines(config.publicUrl, keypad));
  }
  if (config.jwt.generated) lines.push(`  Local demo: random secrets kept in ${config.database.dataDir}/hubkey-secrets.json (set JWT_SECRET and ACCESS_CODE_KEY anywhere else).`);
  lines.push('');
  return lines.join('\n');
}
