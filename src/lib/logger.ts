import pino from 'pino';

/**
 * The process's one logger (pino, as Fastify uses): JSON lines on stdout. The API's request logs,
 * the worker's job logs and the modules' "will retry" warnings all go through it.
 */
export type Logger = pino.Logger;

export function createLogger(level: pino.LevelWithSilent): Logger {
  return pino({ level, base: { service: 'hubkey' } });
}

export const silentLogger: Logger = pino({ level: 'silent' });
