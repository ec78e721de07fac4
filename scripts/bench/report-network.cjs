'use strict';
// GET /reports/usage: the whole network over the report year (as a network admin).
const { benchData } = require('./shared.cjs');

module.exports = function setupRequest(req) {
  const d = benchData();
  req.method = 'GET';
  req.path = `/reports/usage?from=${d.reportFrom}&to=${d.reportTo}`;
  req.headers = { ...req.headers, authorization: `Bearer ${d.adminToken}` };
  return req;
};
