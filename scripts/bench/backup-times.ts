/**
 * Backup and restore times of the embedded database: the demo network, then the same hub with
 * BENCH_BACKUP_BOOKINGS (default 100,000) bookings added by SQL. Each is backed up in Hubkey's
 * format (as the running server and the nightly job write it) and restored into a new DATA_DIR
 * (as `npm run restore` does, checksums checked). Run: `tsx scripts/bench/backup-times.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/client';
import { seedDemo } from '../../src/db/seed';
import { systemClock } from '../../src/lib/clock';
import { silentLogger } from '../../src/lib/logger';
import { humanBytes } from '../../src/modules/backups/backups.fns';
import { createBackupService } from '../../src/modules/backups/backups.service';

const BOOKINGS = Number(process.env.BENCH_BACKUP_BOOKINGS ?? 100_000);
const service = (database: Awaited<ReturnType<typeof openDatabase>>, dir: string) =>
  createBackupService({ database, clock: systemClock, logger: silentLogger, dir, keep: 14, hubIds: async () => [], alertStaff: async () => 0 });

async function measure(label: string, dataDir: string) {
  const backups = mkdtempSync(join(tmpdir(), 'hubkey-bt-backups-'));
  const source = await openDatabase({ dataDir });
  const b = await service(source, backups).backup();
  await source.close();
  const target = mkdtempSync(join(tmpdir(), 'hubkey-bt-restore-'));
  const restored = await openDatabase({ dataDir: target });
  const r = await service(restored, backups).restore(b.file);
  await restored.close();
  console.log(`${label}: ${b.rows!.toLocaleString('en-GB')} rows; backup ${(b.ms / 1000).toFixed(1)} s, ${humanBytes(b.bytes)}; restore into a new DATA_DIR ${(r.ms / 1000).toFixed(1)} s (migrations and checksums included)`);
  rmSync(backups, { recursive: true, force: true });
  rmSync(target, { recursive: true, force: true });
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'hubkey-bt-'));
  try {
    const db = await openDatabase({ dataDir });
    await db.migrate();
    await seedDemo(db.db);
    await db.close();
    await measure('Demo network', dataDir);

    const big = await openDatabase({ dataDir });
    const started = performance.now();
    // Five rooms, one-hour bookings two hours apart (clear of every buffer), 90% confirmed.
    await big.pglite!.query(
      `INSERT INTO bookings (room_id, hub_id, organisation_id, title, attendees, contact_phone, starts_at, ends_at, blocked_until, status, price)
       SELECT r.id, r.hub_id, o.id, 'Seeded booking ' || i, 1 + i % 10, '+4477009' || lpad((i % 100000)::text, 5, '0'),
              s.st, s.st + interval '1 hour', s.st + interval '1 hour' + make_interval(mins => r.buffer_minutes),
              (CASE WHEN i % 10 = 0 THEN 'cancelled' ELSE 'confirmed' END)::booking_status,
              jsonb_build_object('amountPence', 1000 + i % 5000, 'tier', 'community')
       FROM (SELECT id, hub_id, buffer_minutes, row_number() OVER (ORDER BY id) - 1 AS n FROM rooms) r
       CROSS JOIN generate_series(0, $1::int / 5 - 1) i
       CROSS JOIN LATERAL (SELECT timestamptz '2024-01-01 08:00Z' + make_interval(hours => i * 2) AS st) s
       CROSS JOIN LATERAL (SELECT id FROM organisations ORDER BY id OFFSET (i + r.n) % 4 LIMIT 1) o`,
      [BOOKINGS],
    );
    console.log(`(added ${BOOKINGS.toLocaleString('en-GB')} bookings in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    await big.close();
    await measure(`Demo network + ${BOOKINGS.toLocaleString('en-GB')} bookings`, dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
