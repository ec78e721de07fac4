'use strict';
/**
 * Shared by the autocannon request builders below. They run inside autocannon's worker thread,
 * which cannot receive functions from scripts/bench.ts, so they are plain CommonJS files that read
 * the run's data (room ids, token, dates) from the JSON file named by HUBKEY_BENCH_DATA.
 */
const { readFileSync } = require('node:fs');
const { env } = require('node:process');

let cached;
function benchData() {
  if (!cached) {
    if (!env.HUBKEY_BENCH_DATA) throw new Error('HUBKEY_BENCH_DATA is not set: run these through npm run bench');
    cached = JSON.parse(readFileSync(env.HUBKEY_BENCH_DATA, 'utf8'));
  }
  return cached;
}

/** YYYY-MM-DD plus n calendar days. */
function addDays(isoDate, n) {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

const pick = (arr) => arr[Math.floor(Math.random() * arr.length)];
const int = (n) => Math.floor(Math.random() * n);

module.exports = { benchData, addDays, pick, int };
