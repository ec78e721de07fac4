/**
 * How long `npm start` takes to answer `/ready`, from the moment the process is spawned, on a
 * fresh, empty DATA_DIR (a fresh clone's first start) and then again on the same DATA_DIR (a
 * restart). Spawns exactly what `npm start` runs (the command is read from package.json, so it
 * stays the same), polls `/ready` every 20 ms, and prints every run with the load average.
 *
 *   node --import tsx scripts/bench/startup.ts [runs=5] [port=3210]
 *
 * The machine's load moves the absolute figures a lot; compare runs made in the same session.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const runs = Number(process.argv[2] ?? 5);
const port = Number(process.argv[3] ?? 3210);

/** `npm start`'s command line from package.json, run with node directly (npm itself adds ~0.3 s, the same before and after). */
function startCommand(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts.start.split(/\s+/);
  if (words[0] !== 'node') throw new Error(`npm start is not a node command: ${pkg.scripts.start}`);
  return words.slice(1);
}

async function ready(): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/ready`);
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Starts the server on `dataDir`, returns ms until `/ready` answers 200, then stops it (SIGTERM) and waits for it to exit. */
async function once(dataDir: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, startCommand(), {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: '', LOG_LEVEL: 'warn', NODE_ENV: 'development' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => (dead = true));
  try {
    for (;;) {
      if (dead) throw new Error('the server exited before it was ready');
      if (await ready()) return performance.now() - started;
      if (performance.now() - started > 180_000) throw new Error('not ready after 180 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const fresh: number[] = [];
  const restart: number[] = [];
  console.log(`start command: node ${startCommand().join(' ')}`);
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'startup-bench-'));
    try {
      const before = load();
      const a = await once(dir);
      const b = await once(dir);
      fresh.push(a);
      restart.push(b);
      console.log(`run ${i + 1}: fresh ${a.toFixed(0).padStart(6)} ms   restart ${b.toFixed(0).padStart(6)} ms   load ${before}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`median: fresh ${median(fresh).toFixed(0)} ms, restart ${median(restart).toFixed(0)} ms (${runs} runs; load now ${load()})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
