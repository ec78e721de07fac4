'use strict';
// GET /search/rooms for a random 2-hour window from tomorrow to the last seeded day, with capacity and features.
const { benchData, addDays, pick, int } = require('./shared.cjs');

module.exports = function setupRequest(req) {
  const d = benchData();
  const day = addDays(d.searchFirstDay, int(d.searchDays));
  const hour = pick(d.searchHours);
  const hh = (h) => String(h).padStart(2, '0');
  const features = pick(d.searchFeatures);
  req.method = 'GET';
  req.path =
    `/search/rooms?startsAt=${day}T${hh(hour)}:00&endsAt=${day}T${hh(hour + 2)}:00&capacity=${pick(d.searchCapacities)}` +
    (features.length ? `&features=${features.join(',')}` : '');
  return req;
};
