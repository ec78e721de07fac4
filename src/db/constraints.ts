import type { DomainError } from '../lib/errors';

/** The name of the constraint a driver error (node-postgres or PGlite, possibly wrapped by drizzle) violated. */
export function constraintOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const name = (e as { constraint?: unknown }).constraint;
    if (typeof name === 'string' && name) return name;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Runs a repository statement and turns a violation of one of the named constraints into the
 * domain error that names it, so no layer above guesses from a bare SQLSTATE.
 */
export async function namingConstraints<T>(run: () => Promise<T>, errors: Record<string, () => DomainError>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const make = errors[constraintOf(err) ?? ''];
    if (!make) throw err;
    const domain = make();
    (domain as { cause?: unknown }).cause = err;
    throw domain;
  }
}
