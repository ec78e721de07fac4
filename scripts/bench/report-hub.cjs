'use strict';
// GET /hubs/:hubId/reports/usage for a random hub over the report year (as a network admin).
const { benchData, pick } = require('./shared.cjs');

module.exports = function setupRequest(req) {
  const d = benchData();
  req.method = 'GET';
  req.path = `/hubs/${pick(d.hubIds)}/reports/usage?from=${d.reportFrom}&to=${d.reportTo}`;
  req.headers = { ...req.headers, authorization: `Bearer ${d.adminToken}` };
  return req;
};
