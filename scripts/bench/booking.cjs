'use strict';
/**
 * POST /bookings at a slot no other request of the run uses: room k % rooms, day 2 + k / rooms
 * (the rooms of hubs without staffed hours, or of staffed hubs: HUBKEY_BENCH_BOOKING_AT),
 * at the API's own local hours (d.apiSlot), which the seeded bookings and the pg baseline's slot
 * never touch. k starts at HUBKEY_BENCH_SLOT_OFFSET so the warm-up and the measured run differ.
 */
const { env } = require('node:process');
const { benchData, addDays } = require('./shared.cjs');

let k = Number(env.HUBKEY_BENCH_SLOT_OFFSET || 0);
let rooms;

module.exports = function setupRequest(req) {
  const d = benchData();
  // HUBKEY_BENCH_BOOKING_AT: 'unstaffed' (hubs without staffed hours: no rota work) or 'staffed'
  // (the rota follows each booking), as the pg side's recording of the same row.
  if (!rooms) {
    const staffed = new Set(d.rotaHubs);
    const want = env.HUBKEY_BENCH_BOOKING_AT === 'staffed';
    rooms = d.rooms.filter((r) => staffed.has(r.hubId) === want);
  }
  const n = k++;
  const room = rooms[n % rooms.length];
  // From the day after tomorrow, outside the 24-hour code lead (as scripts/bench.ts's pg side).
  const day = addDays(d.today, 2 + (Math.floor(n / rooms.length) % d.slotDays));
  req.method = 'POST';
  req.path = '/bookings';
  req.headers = { 'content-type': 'application/json', authorization: `Bearer ${d.token}` };
  req.body = JSON.stringify({
    roomId: room.id,
    organisationId: d.organisationId,
    startsAt: `${day}T${d.apiSlot[0]}`,
    endsAt: `${day}T${d.apiSlot[1]}`,
    title: 'Bench booking',
    attendees: Math.min(room.capacity, 5),
  });
  return req;
};
