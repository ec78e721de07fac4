import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/cluster';
import { type Proc, startProcess } from '../helpers/processes';

/**
 * The documented production commands, `node dist/src/server.js` and `node dist/src/worker.js`
 * after `npm run build`, laid out as in the Docker image (package.json, node_modules, migrations,
 * dist/). SIGTERM reaches node itself: the server answers the request in flight, then exits 0.
 * Runs on the embedded database (a temporary DATA_DIR), so it needs no server.
 */
jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');
let dir: string;
const dataDir = mkdtempSync(join(tmpdir(), 'hubkey-shutdown-data-'));

/** A hash of everything the build reads, so a second run of the suite (CI runs it twice) reuses the build. */
function sourceHash(): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(p).update(readFileSync(p));
    }
  };
  walk(join(ROOT, 'src'));
  for (const f of ['scripts/migrate.ts', 'scripts/seed.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json']) h.update(f).update(readFileSync(join(ROOT, f)));
  return h.digest('hex').slice(0, 16);
}

beforeAll(async () => {
  dir = join(tmpdir(), `hubkey-build-${sourceHash()}`);
  if (existsSync(join(dir, 'dist', 'src', 'server.js'))) return;
  // `npm run build`, into a folder of the test's own, moved into place when complete.
  const building = mkdtempSync(join(tmpdir(), 'hubkey-building-'));
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(building, 'dist')], { cwd: ROOT });
  copyFileSync(join(ROOT, 'package.json'), join(building, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(building, 'node_modules'));
  symlinkSync(join(ROOT, 'migrations'), join(building, 'migrations'));
  try {
    renameSync(building, dir);
  } catch {
    // Another run finished the same build first.
    rmSync(building, { recursive: true, force: true });
  }
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const env = (port: number) => ({ NODE_ENV: 'test', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' });

describe('SIGTERM to the production command', () => {
  let server: Proc | undefined;
  afterEach(() => {
    if (server?.alive()) server.child.kill('SIGKILL');
  });

  it('the server finishes the request in flight, then exits 0', async () => {
    const port = await freePort();
    server = startProcess('server', 'dist/src/server.js', env(port), { cwd: dir });
    await server.waitFor(/Hubkey is listening/);

    // A login whose body is still arriving when SIGTERM comes: in flight, not yet answered.
    const body = JSON.stringify({ email: 'community@example.org', password: 'hubkey-demo' });
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/auth/login', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' } });
    const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 10));
    await server.waitFor(/"url":"\/auth\/login".*"msg":"incoming request"/);

    server.child.kill('SIGTERM');
    await server.waitFor(/"msg":"shutting down"/);
    req.end(body.slice(10));

    const res = await answered;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toHaveProperty('token');
    expect(await server.exited).toBe(0);
    // The answer went out after shutdown began, and before the process said it was done.
    const out = server.output();
    expect(out.indexOf('"msg":"shutting down"')).toBeLessThan(out.indexOf('"msg":"request completed"'));
    expect(out.indexOf('"msg":"request completed"')).toBeLessThan(out.indexOf('"msg":"shut down cleanly"'));
  });

  it('the worker stops its schedule and exits 0', async () => {
    server = startProcess('worker', 'dist/src/worker.js', env(await freePort()), { cwd: dir });
    await server.waitFor(/worker started/);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/"msg":"shut down cleanly"/);
  });
});
