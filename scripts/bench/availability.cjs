'use strict';
// GET /rooms/:roomId/availability over a 7-day window of a random room, inside the seeded range.
const { benchData, addDays, pick, int } = require('./shared.cjs');

module.exports = function setupRequest(req) {
  const d = benchData();
  const from = addDays(d.seedFirstDay, int(d.seedDays - 7));
  req.method = 'GET';
  req.path = `/rooms/${pick(d.rooms).id}/availability?from=${from}T00:00&to=${addDays(from, 7)}T00:00`;
  return req;
};
