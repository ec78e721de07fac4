import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';

/**
 * The "same SQL straight through pg" baseline.
 *
 * Nothing is copied by hand. One real request per scenario goes through the app while the pool is
 * watched: every statement it sends (query config with its text, row mode and type parsers, and
 * parameters), on which connection, when it started and ended, and what it returned. That
 * recording becomes a plan:
 *  - a parameter equal to one of the request's inputs (room id, times...) becomes a slot, filled
 *    per operation; a time a whole number of minutes (within a day) from an input time becomes
 *    that slot plus the same distance (the rota's cover before and after a booking); a uuid equal to a value an earlier statement returned (a new booking's id)
 *    is taken from that statement's result when replaying; anything else is sent as recorded;
 *  - statements on a checked-out client (a transaction) stay together and in order; units the
 *    app ran at overlapping times (Promise.all) run concurrently.
 * The baseline then sends the plan through pg's Pool: the app's SQL without Fastify, zod, drizzle's
 * query building and result mapping, or the services' JavaScript.
 */
interface Recorded {
  unit: number;
  /** Sent on a checked-out client (a transaction), not through pool.query. */
  onClient: boolean;
  config: QueryConfig;
  values: unknown[];
  start: number;
  end: number;
  rows: unknown[];
  failed: boolean;
}

type Arg = { k: 'const'; v: unknown } | { k: 'slot'; name: string; plusMs?: number } | { k: 'ref'; stmt: number; row: number; col: string };
export interface PlanStatement {
  config: QueryConfig;
  args: Arg[];
  /** The parameters as recorded (used for a value taken from a result when there are no results, e.g. EXPLAIN). */
  recorded: unknown[];
}
interface Unit {
  tx: boolean;
  stmts: number[];
}
export interface Plan {
  statements: PlanStatement[];
  /** Units run one wave after another; the units of a wave run concurrently. */
  waves: Unit[][];
}

type Q = (...args: unknown[]) => unknown;

/**
 * Watches the pool until the returned function is called; that restores the pool and returns what
 * was sent. pool.query is noted once (pg-pool's own callback checkout is left alone); clients
 * checked out with `await pool.connect()` (drizzle's transactions) are noted statement by statement.
 */
export function recordPool(pool: Pool): () => Recorded[] {
  const recorded: Recorded[] = [];
  let units = 0;
  const note = (unit: number, onClient: boolean, args: unknown[], result: unknown) => {
    const c = args[0];
    const rec: Recorded = {
      unit,
      onClient,
      config: typeof c === 'string' ? { text: c } : { ...(c as QueryConfig) },
      values: (Array.isArray(args[1]) ? args[1] : (c as QueryConfig).values ?? []) as unknown[],
      start: performance.now(),
      end: NaN,
      rows: [],
      failed: false,
    };
    delete rec.config.values;
    recorded.push(rec);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<QueryResult>).then(
        (r) => {
          rec.end = performance.now();
          rec.rows = r?.rows ?? [];
        },
        () => {
          rec.end = performance.now();
          rec.failed = true;
        },
      );
    }
    return result;
  };
  const p = pool as unknown as { query: Q; connect: Q };
  const origQuery = p.query;
  const origConnect = p.connect;
  p.query = (...args: unknown[]) => note(units++, false, args, origQuery.apply(pool, args));
  p.connect = (...args: unknown[]) => {
    if (typeof args[0] === 'function') return origConnect.apply(pool, args);
    return (origConnect.apply(pool, args) as Promise<PoolClient>).then((client) => {
      const unit = units++;
      const c = client as unknown as { query: Q; release: Q };
      const origClientQuery = c.query;
      const origRelease = c.release;
      c.query = (...qargs: unknown[]) => note(unit, true, qargs, origClientQuery.apply(client, qargs));
      c.release = (...rargs: unknown[]) => {
        c.query = origClientQuery;
        c.release = origRelease;
        return origRelease.apply(client, rargs);
      };
      return client;
    });
  };
  return () => {
    p.query = origQuery;
    p.connect = origConnect;
    return recorded;
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** How far from an input time a derived time may lie (a shift's cover before a booking, a widened window). */
const DERIVED_WITHIN_MS = 24 * 3_600_000;

/** The input time nearest to `v`, within DERIVED_WITHIN_MS and a whole number of minutes away (a time the app derived from it). */
function derivedTime(v: unknown, times: [string, number][]): { name: string; plusMs: number } | undefined {
  if (typeof v !== 'string' || !ISO_INSTANT.test(v)) return undefined;
  const t = Date.parse(v);
  let best: { name: string; plusMs: number } | undefined;
  for (const [name, at] of times) {
    const d = t - at;
    if (Math.abs(d) <= DERIVED_WITHIN_MS && d % 60_000 === 0 && (!best || Math.abs(d) < Math.abs(best.plusMs))) best = { name, plusMs: d };
  }
  return best;
}

/** Builds a replay plan from a recording and the request's inputs (slot name to the value the request used). */
export function toPlan(recorded: Recorded[], inputs: Record<string, unknown>): Plan {
  if (recorded.some((r) => r.failed)) throw new Error('a recorded statement failed; the recording cannot be replayed');
  const bySlot = new Map<unknown, string>();
  for (const [name, v] of Object.entries(inputs)) {
    if (bySlot.has(v)) throw new Error(`inputs ${bySlot.get(v)} and ${name} have the same value; record with distinct ones`);
    bySlot.set(v, name);
  }
  const seen = new Set<string>();
  // Input times (ISO instants): a parameter a whole number of minutes from one of them, within a
  // day, is replayed at the same distance from that input (e.g. the rota's cover around a booking).
  const times = Object.entries(inputs).flatMap(([name, v]): [string, number][] => (typeof v === 'string' && ISO_INSTANT.test(v) ? [[name, Date.parse(v)]] : []));
  const statements: PlanStatement[] = recorded.map((r, i) => ({
    config: r.config,
    recorded: r.values,
    args: r.values.map((v): Arg => {
      const slot = bySlot.get(v);
      if (slot) {
        seen.add(slot);
        return { k: 'slot', name: slot };
      }
      const derived = derivedTime(v, times);
      if (derived) return { k: 'slot', ...derived };
      if (typeof v === 'string' && UUID.test(v)) {
        for (let j = i - 1; j >= 0; j--) {
          // Only a statement that had answered before this one was sent can have supplied the value.
          if (recorded[j].end > r.start) continue;
          for (const [row, values] of recorded[j].rows.entries()) {
            for (const [col, x] of Object.entries(values as Record<string, unknown>)) if (x === v) return { k: 'ref', stmt: j, row, col };
          }
        }
      }
      return { k: 'const', v };
    }),
  }));
  for (const name of Object.keys(inputs)) if (!seen.has(name)) throw new Error(`input ${name} was not among the statements' parameters`);

  const units = new Map<number, Unit & { start: number; end: number }>();
  for (const [i, r] of recorded.entries()) {
    const u = units.get(r.unit) ?? { tx: r.onClient, stmts: [], start: r.start, end: r.end };
    u.stmts.push(i);
    u.end = Math.max(u.end, r.end);
    units.set(r.unit, u);
  }
  const waves: Unit[][] = [];
  let waveEnd = -Infinity;
  for (const u of [...units.values()].sort((a, b) => a.start - b.start)) {
    const unit = { tx: u.tx, stmts: u.stmts };
    if (waves.length && u.start < waveEnd) {
      waves[waves.length - 1].push(unit);
      waveEnd = Math.max(waveEnd, u.end);
    } else {
      waves.push([unit]);
      waveEnd = u.end;
    }
  }
  return { statements, waves };
}

export function bindArgs(s: PlanStatement, params: Record<string, unknown>, results: unknown[][] = []): unknown[] {
  return s.args.map((a, i) => {
    if (a.k === 'const') return a.v;
    if (a.k === 'slot') return a.plusMs === undefined ? params[a.name] : new Date(Date.parse(params[a.name] as string) + a.plusMs).toISOString();
    if (results.length === 0) return s.recorded[i];
    const rows = results[a.stmt];
    if (!rows?.[a.row]) throw new Error(`statement ${a.stmt} returned no row ${a.row} to take a value from`);
    return (rows[a.row] as Record<string, unknown>)[a.col];
  });
}

/** Replays one operation. */
export async function replay(pool: Pool, plan: Plan, params: Record<string, unknown>): Promise<void> {
  const results: unknown[][] = [];
  // A fresh config each time: pg writes the values into the object it is given.
  const send = async (q: { query: (c: QueryConfig) => Promise<QueryResult> }, i: number) => {
    const s = plan.statements[i];
    results[i] = (await q.query({ ...s.config, values: bindArgs(s, params, results) })).rows;
  };
  for (const wave of plan.waves) {
    await Promise.all(
      wave.map(async (unit) => {
        if (!unit.tx) return send(pool, unit.stmts[0]);
        const client = await pool.connect();
        let failed = false;
        try {
          for (const i of unit.stmts) await send(client, i);
        } catch (err) {
          failed = true;
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        } finally {
          client.release(failed);
        }
      }),
    );
  }
}

/** One line per wave: what the app sent, and how the baseline will send it. */
export function describePlan(plan: Plan): string[] {
  const short = (i: number) => {
    const t = plan.statements[i].config.text.replace(/\s+/g, ' ');
    const verb = /^\w+/.exec(t)?.[0].toLowerCase() ?? '?';
    const table = /(?:from|into|update) "(\w+)"/i.exec(t)?.[1];
    // Its row locks in the order they appear (a sub-select's lock before the statement's own).
    const locks = [...t.matchAll(/\bfor (update|share)\b/gi)].map((m) => m[1].toLowerCase());
    return table ? `${verb} ${table}${locks.length ? ` for ${locks.join(' + ')}` : ''}` : verb;
  };
  return plan.waves.map((w) => w.map((u) => (u.tx ? `[tx: ${u.stmts.map(short).join(', ')}]` : short(u.stmts[0]))).join(' ‖ '));
}

export interface LoadResult {
  ops: number;
  errors: number;
  firstError?: string;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * `connections` loops, each running one operation after another until the time is up (so the run
 * ends by itself), timing each with performance.now().
 */
export async function pgLoad(run: () => Promise<void>, opts: { connections: number; seconds: number }): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + opts.seconds * 1000;
  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        try {
          await run();
          latencies.push(performance.now() - t);
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { ops: latencies.length, errors, firstError, seconds, rps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
