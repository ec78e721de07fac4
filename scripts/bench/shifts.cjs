'use strict';
// GET /hubs/:hubId/shifts for a month of a random staffed hub, as its staff.
const { benchData, addDays, pick, int } = require('./shared.cjs');

module.exports = function setupRequest(req) {
  const d = benchData();
  // A month from today inside the seeded bookings, as scripts/bench.ts's pg side picks it.
  const from = addDays(d.today, int(Math.max(1, Math.floor(d.seedDays / 2) - 31)));
  req.method = 'GET';
  req.path = `/hubs/${pick(d.rotaHubs)}/shifts?from=${from}T00:00&to=${addDays(from, 30)}T00:00&limit=200`;
  req.headers = { ...req.headers, authorization: `Bearer ${d.rotaToken}` };
  return req;
};
