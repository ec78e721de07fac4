import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { validateTwilioSignature } from '../../adapters/sms/sms';
import { actorOf } from '../../http/auth';
import { cursorPart, dateTimeInput, errorResponses, page, pageQuery, pageResult, parseCursor } from '../../http/schemas';
import { DomainError, invalid } from '../../lib/errors';
import { exactResponse } from '../../http/serializer';
import type { BookingAccessService } from './booking-access.service';
import type { CodesService } from './codes.service';
import type { DoorsService } from './doors.service';
import type { InboundSmsService } from './inbound-sms.service';
import type { KeypadService } from './keypad.service';
import type { OutboxService } from '../notifications/outbox.service';
import type { KeypadDoorRow } from './access.repository';
import { accessView, doorBody, doorCreatedView, doorView, entryView, lockoutClearView, revokeView, verifyBody, verifyView } from './access.schemas';

const bearer = [{ bearer: [] }];
const hubIdParam = z.object({ hubId: z.uuid() });
const idParam = z.object({ id: z.uuid() });
const doorIdParam = z.object({ doorId: z.uuid() });
const uuid = z.uuid();

/** Self-entry for people: doors, a booking's access, revoking codes, the entry log. */
export interface AccessRouteServices {
  doors: Pick<DoorsService, 'listDoors' | 'createDoor' | 'updateDoor' | 'rotateDeviceKey'>;
  bookingAccess: Pick<BookingAccessService, 'getBookingAccess' | 'resend'>;
  codes: Pick<CodesService, 'revoke' | 'reissue'>;
  keypad: Pick<KeypadService, 'listEntries' | 'clearLockout'>;
}

export const accessRoutes: FastifyPluginAsyncZod<AccessRouteServices> = async (app, { doors, bookingAccess, codes, keypad }) => {
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/hubs/:hubId/doors',
    {
      schema: {
        tags: ['self-entry'],
        operationId: 'listDoors',
        summary: 'Doors of a hub by name (staff)',
        security: bearer,
        params: hubIdParam,
        querystring: z.object(pageQuery),
        response: { 200: page(doorView), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => pageResult(await doors.listDoors(actorOf(req), req.params.hubId, { limit: req.query.limit, after: parseCursor(req.query.cursor, [cursorPart.text, cursorPart.id]) })),
  );

  app.post(
    '/hubs/:hubId/doors',
    {
      schema: {
        tags: ['self-entry'],
        operationId: 'createDoor',
        summary: 'Add a door and the rooms it leads to (staff)',
        description: 'A keypad door answers with `deviceKey`, shown this once. A seam door needs `providerDeviceId` and SEAM_API_KEY on the server.',
        security: bearer,
        params: hubIdParam,
        body: doorBody,
        response: { 201: doorCreatedView, ...errorResponses(400, 401, 403, 404, 422, 503) },
      },
    },
    async (req, reply) => reply.status(201).send(await doors.createDoor(actorOf(req), req.params.hubId, req.body)),
  );

  app.patch(
    '/doors/:doorId',
    {
      schema: {
        tags: ['self-entry'],
        operationId: 'updateDoor',
        summary: 'Rename a door, change the rooms it leads to, or retire it with active: false (staff of the hub, admins)',
        description:
          'roomIds replaces the rooms (all of the door\'s hub). Codes follow at once: codes of bookings in rooms added now open the door (pushed to a smart lock), ' +
          'codes only for rooms taken off stop opening it (taken off a smart lock); a code whose digits clash with another on this door gets new digits, texted.',
        security: bearer,
        params: doorIdParam,
        body: z
          .object({ name: z.string().trim().min(1).max(100), active: z.boolean(), roomIds: z.array(z.uuid()).max(100) })
          .partial()
          .strict()
          .refine((p) => Object.keys(p).length > 0, 'send name, active or roomIds'),
        response: { 200: doorView, ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (req) => doors.updateDoor(actorOf(req), req.params.doorId, req.body),
  );

  app.post(
    '/doors/:doorId/device-key',
    {
      schema: {
        tags: ['self-entry'],
        operationId: 'rotateDoorDeviceKey',
        summary: "Replace a keypad door's device key (staff); the new key is shown this once and the old one stops working",
        security: bearer,
        params: doorIdParam,
        response: { 200: z.object({ doorId: z.uuid(), deviceKey: z.string() }), ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return doors.rotateDeviceKey(actorOf(req), req.params.doorId);
    },
  );

  app.post(
    '/doors/:doorId/lockout/clear',
    {
      schema: {
        tags: ['self-entry'],
        operationId: 'clearDoorLockout',
        summary: "Forget a door's wrong codes so far, so it checks the next code at once (staff of the hub, admins)",
        description: 'For a door slowed down by wrong codes (docs/security.md): only wrong codes after this count from now on. Answers what was cleared.',
        security: bearer,
        params: doorIdParam,
        response: { 200: lockoutClearView, ...errorResponses(400, 401, 404) },
      },
    },
    async (req) => keypad.clearLockout(actorOf(req), req.params.doorId),
  );

  app.get(
    '/bookings/:id/access',
    {
      schema: {
        tags: ['self-entry'],
        operationId: 'getBookingAccess',
        summary: "A booking's door code window, doors and status; the code itself only to its organisation inside the window",
        security: bearer,
        params: idParam,
        response: { 200: accessView, ...errorResponses(400, 401, 404) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return bookingAccess.getBookingAccess(actorOf(req), req.params.id);
    },
  );

  app.post(
    '/bookings/:id/access/resend',
    {
      schema: {
        tags: ['self-entry'],
        operationId: 'resendBookingAccess',
        summary: "Text the current code to the booking's contact again (at most once a minute)",
        security: bearer,
        params: idParam,
        response: { 202: accessView, ...errorResponses(400, 401, 404, 422, 429) },
      },
    },
    async (req, reply) => reply.status(202).header('cache-control', 'no-store').send(await bookingAccess.resend(actorOf(req), req.params.id)),
  );

  app.post(
    '/access-codes/:id/revoke',
    {
      schema: {
        tags: ['self-entry'],
        operationId: 'revokeAccessCode',
        summary: 'Stop a code working on every door, and take it off smart locks (staff)',
        security: bearer,
        params: idParam,
        body: z.object({ reason: z.string().trim().min(1).max(300).optional() }).strict().default({}),
        response: { 200: revokeView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req) => codes.revoke(actorOf(req), req.params.id, req.body.reason),
  );

  app.post(
    '/access-codes/:id/reissue',
    {
      schema: {
        tags: ['self-entry'],
        operationId: 'reissueAccessCode',
        summary: "Give a booking a new code after staff revoked its last one (staff of the hub)",
        description:
          'New digits (the revoked ones may be known to someone), on the doors of the booking\'s room, texted to the contact when due; the hirer can then get it again with POST /bookings/:id/access/resend. ' +
          'Only for a revoked code of a confirmed booking whose window has not closed. Answers the booking\'s access.',
        security: bearer,
        params: idParam,
        response: { 200: accessView, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.header('cache-control', 'no-store').send(await bookingAccess.getBookingAccess(actorOf(req), await codes.reissue(actorOf(req), req.params.id))),
  );

  app.get(
    '/hubs/:hubId/entries',
    {
      schema: {
        tags: ['self-entry'],
        operationId: 'listEntries',
        summary: 'Every keypad attempt at the hub, oldest first (staff)',
        security: bearer,
        params: hubIdParam,
        querystring: z.object({ from: dateTimeInput.optional(), to: dateTimeInput.optional(), ...pageQuery }),
        response: { 200: z.object({ items: z.array(entryView), nextCursor: z.string().nullable() }), ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req) => {
      const parts = parseCursor(req.query.cursor, [cursorPart.instant, cursorPart.id]);
      const after = parts && { at: new Date(parts[0]), id: parts[1] };
      const page = await keypad.listEntries(actorOf(req), req.params.hubId, { ...req.query, after });
      return pageResult({ items: page.items, next: page.next && [page.next.at.toISOString(), page.next.id] });
    },
  );
};

/** Calls with no device key, or a wrong one, may come from anyone: a client address gets this many a minute. */
export const VERIFY_UNAUTHENTICATED_PER_MINUTE = 30;
/** A door's own controller (right key) gets this many a minute, counted for that door alone. */
export const VERIFY_DEVICE_PER_MINUTE = 120;

/**
 * Door controllers: `X-Device-Key` instead of a person's token. The key is checked first, so the
 * rate limit counts the real controller's calls apart from everyone else's: calls without the
 * right key are counted per client address and can never use up the door's own allowance.
 */
export const doorDeviceRoutes: FastifyPluginAsyncZod<{ keypad: Pick<KeypadService, 'authenticateDevice' | 'verifyAt' | 'invalidDeviceKey'> }> = async (app, { keypad }) => {
  const devices = new WeakMap<object, KeypadDoorRow>();
  const doorKey = (doorId: string) => `verify:door:${doorId}`;
  app.post(
    '/doors/:doorId/verify',
    {
      config: {
        rateLimit: {
          max: (_req: unknown, key: string) => (key.startsWith('verify:door:') ? VERIFY_DEVICE_PER_MINUTE : VERIFY_UNAUTHENTICATED_PER_MINUTE),
          timeWindow: '1 minute',
          keyGenerator: async (req: FastifyRequest) => {
            const doorId = (req.params as { doorId?: string }).doorId ?? '';
            const key = req.headers['x-device-key'];
            const door = uuid.safeParse(doorId).success ? await keypad.authenticateDevice(doorId, typeof key === 'string' ? key : undefined) : undefined;
            if (!door) return `verify:anonymous:${req.ip}`;
            devices.set(req, door);
            return doorKey(door.id);
          },
        },
      },
      schema: {
        tags: ['self-entry'],
        operationId: 'verifyDoorCode',
        summary: 'Whether a code opens this door now (door controllers)',
        description:
          'Granted only for a code valid now on this door. The device key is checked first: calls without it are limited per client address ' +
          `(${VERIFY_UNAUTHENTICATED_PER_MINUTE} a minute) and never count against the door's own controller (${VERIFY_DEVICE_PER_MINUTE} a minute). ` +
          'After five wrong codes in 24 hours the door waits between codes (30 s doubling to 5 min; up to 1 hour after 20): while it waits it checks nothing and answers `locked_out` with `retryAfter`. ' +
          'Staff are alerted once and can clear the count (POST /doors/:doorId/lockout/clear). A code past its window is `expired`; one staff ended or replaced is `revoked`.',
        security: [{ deviceKey: [] }],
        params: z.object({ doorId: z.uuid() }),
        body: verifyBody,
        response: { 200: exactResponse(verifyView), ...errorResponses(400, 401, 429) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const door = devices.get(req);
      if (!door) throw keypad.invalidDeviceKey();
      return keypad.verifyAt(door, req.body.code);
    },
  );
};

/**
 * Twilio's webhooks (inbound texts, delivery reports), in their own scope: the form body is parsed here from the raw
 * bytes, and the X-Twilio-Signature is checked over the URL Twilio called and the parameters.
 */
export const smsWebhookRoutes: FastifyPluginAsyncZod<{
  inboundSms: Pick<InboundSmsService, 'handleInboundSms'>;
  deliveryReports: Pick<OutboxService, 'recordStatus'>;
  authToken?: string;
  publicUrl: string;
}> = async (app, opts) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  /** The form parameters of a request Twilio signed (over the URL it called and the parameters); 403 otherwise. */
  const signedParams = (req: { body: unknown; url: string; headers: Record<string, string | string[] | undefined> }) => {
    const params = (req.body ?? {}) as Record<string, string>;
    const signature = req.headers['x-twilio-signature'];
    if (!opts.authToken || !validateTwilioSignature({ authToken: opts.authToken, url: opts.publicUrl + req.url, params, signature: typeof signature === 'string' ? signature : undefined })) {
      throw new DomainError('forbidden', 'invalid_signature', 'The request is not signed by Twilio');
    }
    return params;
  };

  app.post(
    '/webhooks/sms',
    {
      schema: {
        tags: ['self-entry'],
        operationId: 'inboundSms',
        security: [],
        summary: 'Twilio inbound text (signed): "CODE" resends the current code, "OPEN" lifts a waiting keypad for the booking in progress, anything else gets a help reply',
        description: 'Answers empty TwiML; replies go out through the outbox.',
        hide: false,
        response: { 200: z.string(), ...errorResponses(400, 403, 415) },
      },
    },
    async (req, reply) => {
      const params = signedParams(req);
      if (typeof params.From !== 'string' || typeof params.Body !== 'string') throw invalid('From and Body are required', [{ path: 'body.From', message: 'required' }]);
      await opts.inboundSms.handleInboundSms(params.From, params.Body);
      return reply.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    },
  );

  app.post(
    '/webhooks/sms/status',
    {
      schema: {
        tags: ['self-entry'],
        operationId: 'smsStatusCallback',
        security: [],
        summary: 'Twilio delivery report (signed StatusCallback): records delivered / undelivered on the text and on the door code it carried',
        description: 'An undelivered or failed door-code text shows on the booking\'s access and alerts the hub\'s staff once per cause a day.',
        hide: false,
        response: { 204: z.null(), ...errorResponses(400, 403, 415) },
      },
    },
    async (req, reply) => {
      const params = signedParams(req);
      if (typeof params.MessageSid !== 'string' || typeof params.MessageStatus !== 'string') {
        throw invalid('MessageSid and MessageStatus are required', [{ path: 'body.MessageSid', message: 'required' }]);
      }
      await opts.deliveryReports.recordStatus(params.MessageSid, params.MessageStatus, params.ErrorCode || undefined);
      return reply.status(204).send(null);
    },
  );
};
