import { PGlite } from '@electric-sql/pglite';

/**
 * PostgreSQL settings for the embedded database, on top of PGlite's own. PGlite's default
 * shared_buffers (128 MB) is the biggest single part of the process's memory and far more than a
 * small hub's whole database; 16 MB keeps its hot pages, and the operating system's file cache
 * holds the rest. Measured in docs/performance.md ("Memory of the embedded database").
 */
export const EMBEDDED_SETTINGS = ['shared_buffers=16MB'];

export const embeddedStartParams = (): string[] => [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS.flatMap((s) => ['-c', s])];
