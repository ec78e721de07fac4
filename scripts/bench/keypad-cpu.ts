/**
 * What one keypad verify costs this process, in a way a busy machine does not blur: CPU time (user +
 * system) per verify and statements per verify, through app.inject (no HTTP socket, no load
 * generator in the process), 20 at a time, on a bench database kept with BENCH_KEEP_DB=1. It makes
 * 70 keypad doors of its own at the first hub and a shift code valid now on them.
 *
 *   BENCH_DB_NAME=x node --import tsx scripts/bench/keypad-cpu.ts
 *
 * Wall-clock figures under load measure the run queue as much as the code (docs/performance.md);
 * the process's CPU time per verify and the statements it sends do not depend on it as much.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { buildApp } from '../../src/app.js';
import { benchAppConfig, benchDatabaseUrl } from './config.js';
import { createContainer } from '../../src/container.js';

const VERIFIES = Number(process.env.KEYPAD_CPU_VERIFIES || 3000);
const CONCURRENCY = 20;

async function main() {
  const u = benchDatabaseUrl();
  const config = benchAppConfig(u.toString(), { DATABASE_POOL_MAX: '20' });
  const container = await createContainer(config);
  const app = await buildApp(container);
  const pool = container.database.pool!;
  try {
    const adminId = (await pool.query<{ id: string }>(`INSERT INTO users (email, password_hash, name, is_admin) VALUES ($1, 'x', 'Keypad CPU', true) RETURNING id`, [`keypad-cpu-${randomUUID()}@example.org`])).rows[0].id;
    const admin = (await container.repos.users.loadActor(adminId))!;
    const hub = (await pool.query<{ id: string }>('SELECT id FROM hubs ORDER BY name LIMIT 1')).rows[0].id;
    const rooms = (await pool.query<{ id: string }>('SELECT id FROM rooms WHERE hub_id = $1 ORDER BY name', [hub])).rows;
    const doors: { id: string; key: string }[] = [];
    for (let i = 0; i < 70; i++) {
      const d = await container.services.doors.createDoor(admin, hub, { name: `CPU door ${i + 1}`, provider: 'keypad', roomIds: [rooms[i % rooms.length].id] });
      doors.push({ id: d.id, key: (d as { deviceKey?: string }).deviceKey! });
    }
    const now = Date.now();
    const issued = await container.services.accessCodes.issueShiftCode({ hubId: hub, userId: adminId, shiftRef: randomUUID(), startsAt: new Date(now - 30 * 60_000), endsAt: new Date(now + 3_600_000), phone: null });
    const code = (await container.services.accessCodes.shiftCode(issued.id))!.code!;
    const wrong = code === '000000' ? '111111' : '000000';

    // Statements sent on the app's pool (drizzle's queries, prepared or not, go through pool.query).
    let statements = 0;
    const p = pool as unknown as { query: (...a: unknown[]) => unknown };
    const query = p.query;
    p.query = (...a: unknown[]) => {
      statements++;
      return query.apply(pool, a);
    };

    const run = async (label: string, doorsUsed: typeof doors, digits: string, n: number, print: boolean) => {
      const reasons: Record<string, number> = {};
      let next = 0;
      const s0 = statements;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < n) {
            const d = doorsUsed[next++ % doorsUsed.length];
            const res = await app.inject({ method: 'POST', url: `/doors/${d.id}/verify`, headers: { 'x-device-key': d.key }, payload: { code: digits } });
            const reason = res.statusCode === 200 ? (res.json() as { reason: string }).reason : String(res.statusCode);
            reasons[reason] = (reasons[reason] ?? 0) + 1;
          }
        }),
      );
      const cpu = process.cpuUsage(c0);
      const ms = performance.now() - t0;
      if (print) {
        console.log(
          `  ${label}: ${n} verifies in ${(ms / 1000).toFixed(1)} s [load ${loadavg().map((x) => x.toFixed(1)).join(' ')}]: CPU ${((cpu.user + cpu.system) / 1000 / n).toFixed(3)} ms per verify ` +
            `(user ${(cpu.user / 1000 / n).toFixed(3)}, system ${(cpu.system / 1000 / n).toFixed(3)}), ${((statements - s0) / n).toFixed(2)} statements per verify; ${JSON.stringify(reasons)}`,
        );
      }
    };
    console.log(`Keypad verify, CPU and statements per verify, ${CONCURRENCY} at a time through app.inject, on ${u.pathname.slice(1)}:`);
    // Right codes on 60 doors (the route allows 120 a minute per door: spread below it), wrong ones on the last 10.
    const right = doors.slice(0, 60);
    const jammed = doors.slice(60);
    await run('warm-up', right, code, 500, false);
    await run('right code', right, code, Math.min(VERIFIES, 2000), true);
    await run('wrong code (the doors lock out after five)', jammed, wrong, Math.min(VERIFIES, 1000), true);
  } finally {
    await app.close();
    await container.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
