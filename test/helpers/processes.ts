import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface Proc {
  name: string;
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves when a line of output matches. */
  waitFor(pattern: RegExp): Promise<void>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  alive(): boolean;
}

/**
 * Starts a Hubkey entry point (src/server.ts, src/worker.ts) as a real child process, with node
 * loading TypeScript through tsx, or a compiled file given as `script` ending in .js.
 */
export function startProcess(name: string, script: string, env: Record<string, string>, opts: { cwd?: string; args?: string[] } = {}): Proc {
  const args = script.endsWith('.js') ? [script, ...(opts.args ?? [])] : ['--import', 'tsx', script, ...(opts.args ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: opts.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const w of [...waiters]) {
      if (w.pattern.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let code: number | string | undefined;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (c, signal) => {
      code = c ?? signal ?? 'unknown';
      resolve(code);
    }),
  );
  return {
    name,
    child,
    output: () => out,
    waitFor: (pattern) =>
      pattern.test(out)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ pattern, resolve })),
            exited.then((c) => Promise.reject(new Error(`${name} exited (${c}) before printing ${pattern}:\n${out.slice(-3000)}`))),
          ]),
    exited,
    alive: () => code === undefined,
  };
}

/** Polls `fn` every `everyMs` until it returns a truthy value; fails after `timeoutMs` with `what`. */
export async function until<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String((last as Error).message ?? last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
