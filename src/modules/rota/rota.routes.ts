import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/auth';
import { cursorPart, errorResponses, localDate, page, pageQuery, pageResult, parseCursor } from '../../http/schemas';
import type { RotaServices } from './rota.module';
import {
  assignedView,
  attendanceBody,
  calendarUrlView,
  hoursView,
  myShiftsView,
  onSiteView,
  placeView,
  rangeQuery,
  reasonBody,
  seriesView,
  shiftBody,
  shiftPatchBody,
  shiftsQuery,
  shiftView,
  uncoveredView,
  userBody,
  volunteerBody,
  volunteersView,
  volunteerView,
} from './rota.schemas';

const bearer = [{ bearer: [] }];
const tags = ['rota'];
const hubIdParam = z.object({ hubId: z.uuid() });
const idParam = z.object({ id: z.uuid() });

/** Volunteer rotas: shifts, places, cover, attendance, hours and the calendar link. */
export const rotaRoutes: FastifyPluginAsyncZod<{ rota: RotaServices }> = async (app, { rota }) => {
  app.addHook('onRequest', app.authenticate);
  const { shifts, signups, people, calendar } = rota;

  app.get(
    '/hubs/:hubId/shifts',
    {
      schema: {
        tags,
        operationId: 'listShifts',
        summary: "A hub's shifts starting in [from, to) by start (staff and the hub's volunteers); open=true: only those with a free place",
        security: bearer,
        params: hubIdParam,
        querystring: shiftsQuery.extend(pageQuery),
        response: { 200: page(shiftView), ...errorResponses(400, 401, 404) },
      },
    },
    async (req) => {
      const after = parseCursor(req.query.cursor, [cursorPart.instant, cursorPart.id]);
      return pageResult(await shifts.list(actorOf(req), req.params.hubId, { ...req.query, after, limit: req.query.limit }));
    },
  );

  app.post(
    '/hubs/:hubId/shifts',
    {
      schema: {
        tags,
        operationId: 'createShift',
        summary: 'Create a shift, or with recurrence a weekly series in the hub\'s local time (staff)',
        security: bearer,
        params: hubIdParam,
        body: shiftBody,
        response: { 201: z.union([shiftView, seriesView]), ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req, reply) => reply.status(201).send(await shifts.create(actorOf(req), req.params.hubId, req.body)),
  );

  app.get(
    '/shifts/:id',
    { schema: { tags, operationId: 'getShift', summary: 'A shift (staff and the hub\'s volunteers)', security: bearer, params: idParam, response: { 200: shiftView, ...errorResponses(401, 404) } } },
    async (req) => shifts.get(actorOf(req), req.params.id),
  );

  app.patch(
    '/shifts/:id',
    {
      schema: {
        tags,
        operationId: 'updateShift',
        summary: 'Change a shift (staff); its volunteers are texted when its time changes',
        security: bearer,
        params: idParam,
        body: shiftPatchBody,
        response: { 200: shiftView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req) => shifts.update(actorOf(req), req.params.id, req.body),
  );

  app.delete(
    '/shifts/:id',
    {
      schema: {
        tags,
        operationId: 'cancelShift',
        summary: 'Cancel a shift with a reason (staff); everyone on it is texted',
        security: bearer,
        params: idParam,
        body: reasonBody,
        response: { 200: shiftView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req) => shifts.cancel(actorOf(req), req.params.id, req.body.reason),
  );

  type Actor = ReturnType<typeof actorOf>;
  const schemaOf = (operationId: string, summary: string, response: Record<number, z.ZodType>) => ({
    tags,
    operationId,
    summary,
    security: bearer,
    params: idParam,
    response: { ...response, ...errorResponses(401, 403, 404, 409, 422) },
  });
  /** A place-taking action: 201 with the place. */
  const placeRoute = (path: string, operationId: string, summary: string, fn: (a: Actor, id: string) => Promise<z.infer<typeof placeView>>) =>
    app.post(path, { schema: schemaOf(operationId, summary, { 201: placeView }) }, async (req, reply) => reply.status(201).send(await fn(actorOf(req), req.params.id)));
  /** A place-changing action: 200 with the shift. */
  const shiftRoute = (path: string, operationId: string, summary: string, fn: (a: Actor, id: string) => Promise<z.infer<typeof shiftView>>) =>
    app.post(path, { schema: schemaOf(operationId, summary, { 200: shiftView }) }, async (req) => fn(actorOf(req), req.params.id));

  placeRoute('/shifts/:id/signup', 'signUpForShift', 'Take a place (shift_full, shift_collides, not_a_volunteer, not_trained, rest_too_short, too_many_hours, signup_blocked, shift_started, shift_cancelled, already_signed_up)', (a, id) => signups.signup(a, id));
  placeRoute('/shifts/:id/waitlist', 'joinShiftWaitlist', 'Join the waiting list of a full shift', (a, id) => signups.waitlist(a, id));
  shiftRoute('/shifts/:id/withdraw', 'withdrawFromShift', 'Leave a shift (until withdrawHours before it; then 422 withdraw_too_late) or its waiting list', (a, id) => signups.withdraw(a, id));
  shiftRoute('/shifts/:id/cover', 'askShiftCover', 'Put my place up for cover; I keep it until someone takes it', (a, id) => signups.askCover(a, id));
  placeRoute('/shifts/:id/cover/take', 'takeShiftCover', 'Take over a place put up for cover', (a, id) => signups.takeCover(a, id));

  app.post(
    '/shifts/:id/assign',
    {
      schema: {
        tags,
        operationId: 'assignToShift',
        summary: 'Put a volunteer on a shift (staff); rules may be overridden and the override is recorded',
        security: bearer,
        params: idParam,
        body: userBody,
        response: { 201: assignedView, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.status(201).send(await signups.assign(actorOf(req), req.params.id, req.body.userId)),
  );

  app.post(
    '/shifts/:id/unassign',
    {
      schema: { tags, operationId: 'unassignFromShift', summary: 'Take a volunteer off a shift (staff)', security: bearer, params: idParam, body: userBody, response: { 200: shiftView, ...errorResponses(400, 401, 403, 404, 422) } },
    },
    async (req) => signups.unassign(actorOf(req), req.params.id, req.body.userId),
  );

  app.post(
    '/shifts/:id/attendance',
    {
      schema: {
        tags,
        operationId: 'recordShiftAttendance',
        summary: 'Record attended (with minutes, default the shift\'s length), no_show or excused (staff)',
        security: bearer,
        params: idParam,
        body: attendanceBody,
        response: { 200: placeView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req) => signups.attendance(actorOf(req), req.params.id, req.body),
  );

  app.get(
    '/hubs/:hubId/uncovered',
    {
      schema: {
        tags,
        operationId: 'listUncoveredBookings',
        summary: 'Bookings on a local date that need a volunteer and do not have one yet (staff)',
        security: bearer,
        params: hubIdParam,
        querystring: z.object({ date: localDate }),
        response: { 200: uncoveredView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => shifts.uncovered(actorOf(req), req.params.hubId, req.query.date),
  );

  app.get(
    '/hubs/:hubId/on-site',
    { schema: { tags, operationId: 'whoIsOnSite', summary: 'Who is expected in the building now (staff)', security: bearer, params: hubIdParam, response: { 200: onSiteView, ...errorResponses(401, 403, 404) } } },
    async (req) => shifts.onSite(actorOf(req), req.params.hubId),
  );

  app.get(
    '/hubs/:hubId/volunteers',
    { schema: { tags, operationId: 'listVolunteers', summary: "The hub's volunteers: trained roles, upcoming places, hours, no-shows (staff)", security: bearer, params: hubIdParam, response: { 200: volunteersView, ...errorResponses(401, 403, 404) } } },
    async (req) => people.volunteers(actorOf(req), req.params.hubId),
  );

  app.put(
    '/hubs/:hubId/volunteers/:userId',
    {
      schema: {
        tags,
        operationId: 'setVolunteer',
        summary: "Record a volunteer's trained roles and notes; clearNoShows lifts a sign-up block (staff)",
        security: bearer,
        params: z.object({ hubId: z.uuid(), userId: z.uuid() }),
        body: volunteerBody,
        response: { 200: volunteerView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => people.setVolunteer(actorOf(req), req.params.hubId, req.params.userId, req.body),
  );

  app.get(
    '/me/shifts',
    { schema: { tags, operationId: 'myShifts', summary: 'My places with their shifts and, inside the code window, the door code', security: bearer, querystring: rangeQuery, response: { 200: myShiftsView, ...errorResponses(400, 401) } } },
    async (req) => people.myShifts(actorOf(req), req.query),
  );

  app.get(
    '/me/hours',
    { schema: { tags, operationId: 'myHours', summary: 'My attended hours by hub, role and month', security: bearer, querystring: rangeQuery, response: { 200: hoursView, ...errorResponses(400, 401) } } },
    async (req) => people.myHours(actorOf(req), req.query),
  );

  app.get(
    '/me/calendar-url',
    { schema: { tags, operationId: 'myCalendarUrl', summary: 'My secret iCalendar feed URL (shifts and my organisations\' bookings)', security: bearer, response: { 200: calendarUrlView, ...errorResponses(401) } } },
    async (req) => calendar.url(actorOf(req)),
  );

  app.post(
    '/me/calendar-url/rotate',
    { schema: { tags, operationId: 'rotateMyCalendarUrl', summary: 'Replace my calendar feed URL; the old one stops working', security: bearer, response: { 200: calendarUrlView, ...errorResponses(401) } } },
    async (req) => calendar.rotate(actorOf(req)),
  );
};

/** The calendar feed: no bearer token (calendar apps cannot send one); the secret is in the URL. */
export const calendarFeedRoutes: FastifyPluginAsyncZod<{ rota: RotaServices }> = async (app, { rota }) => {
  app.get(
    '/calendar/:token.ics',
    {
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags,
        operationId: 'calendarFeed',
        security: [],
        summary: 'An iCalendar (RFC 5545) feed; the token comes from GET /me/calendar-url',
        params: z.object({ token: z.string().max(100) }),
        response: { 200: z.string().describe('text/calendar'), ...errorResponses(404) },
      },
    },
    async (req, reply) => reply.type('text/calendar; charset=utf-8').header('cache-control', 'private, max-age=300').send(await rota.calendar.feed(req.params.token)),
  );
};
