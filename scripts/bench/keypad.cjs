'use strict';
/**
 * POST /doors/:doorId/verify as a door controller sends it. HUBKEY_BENCH_KEYPAD picks the case:
 * "right" (a door of the first group and the code valid on it now), "wrong" (a door of the second
 * group and a code no one holds: these doors soon lock out, as they would under guessing) or
 * "mixed" (the third group: nine in ten right, one in ten wrong).
 */
const { env } = require('node:process');
const { benchData, pick, int } = require('./shared.cjs');

const mode = env.HUBKEY_BENCH_KEYPAD || 'right';

function wrongCode(code) {
  let w;
  do w = String(int(10 ** code.length)).padStart(code.length, '0');
  while (w === code);
  return w;
}

module.exports = function setupRequest(req) {
  const d = benchData();
  const group = mode === 'right' ? 0 : mode === 'wrong' ? 1 : 2;
  const door = pick(d.keypadDoors.filter((x) => x.group === group));
  const right = mode === 'right' || (mode === 'mixed' && Math.random() >= 0.1);
  req.method = 'POST';
  req.path = `/doors/${door.id}/verify`;
  req.headers = { 'content-type': 'application/json', 'x-device-key': door.key };
  req.body = JSON.stringify({ code: right ? door.code : wrongCode(door.code) });
  return req;
};
