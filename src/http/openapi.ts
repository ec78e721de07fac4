import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { TITLES } from './errors';
import { OPTIONAL_AUTH } from './auth';
import { errorCodesOf } from './schemas';
import { OPERATION_ERROR_CODES } from './openapi.codes';

/**
 * The codes every route may answer with a status, whatever it does: a malformed request, no
 * token, not allowed, not found, too many requests, the database away. A route names the others
 * (409 and 422 are always its own) in `errorResponses(…, { 409: [...] })` or in its description
 * as "409 `code`".
 */
const COMMON_CODES: Record<number, string[]> = {
  400: ['validation_failed'],
  401: ['unauthenticated'],
  403: ['forbidden'],
  404: ['not_found'],
  413: ['payload_too_large'],
  415: ['unsupported_media_type'],
  429: ['rate_limited'],
  500: ['internal_error'],
  503: ['database_unavailable'],
};

/** What a parameter means, by name, for the many routes that share one; a route's own `.describe()` wins. */
const PARAMETERS: Record<string, { description: string; example?: unknown }> = {
  hubId: { description: "The hub's id", example: '0b6c1c1e-8a8e-4f5e-9d0a-2f1b3c4d5e6f' },
  roomId: { description: "The room's id", example: '1c7d2d2f-9b9f-4a6f-8e1b-3a2c4d5e6f70' },
  doorId: { description: "The door's id", example: '2d8e3e30-aca0-4b70-9f2c-4b3d5e6f7081' },
  userId: { description: "The person's id", example: '3e9f4f41-bdb1-4c81-a03d-5c4e6f708192' },
  closureId: { description: "The closure's id", example: '4fa05052-cec2-4d92-b14e-6d5f708192a3' },
  organisationId: { description: "The organisation's id", example: '50b16163-dfd3-4ea3-925f-7e608192a3b4' },
  invitationId: { description: "The invitation's id (as POST /organisations/:id/members answered it)", example: '61c27274-e0e4-4fb4-a36e-8f7192a3b4c5' },
  token: { description: 'The secret token from the link Hubkey sent (an invitation or a calendar feed)', example: 'k3Jd9xQ2vTfA8LmN4pRs7uWz' },
  limit: { description: 'Items per page (1 to 200)', example: 50 },
  cursor: { description: "The previous page's `nextCursor`, to get the next page (opaque)" },
  status: { description: 'Only items in these statuses: one, several comma-separated, or the parameter repeated' },
  from: { description: "From this time: an ISO 8601 date-time, or a date YYYY-MM-DD (the hub's local day)", example: '2026-03-01' },
  to: { description: "Up to this time (exclusive): an ISO 8601 date-time, or a date YYYY-MM-DD (the hub's local day, included)", example: '2026-03-31' },
  startsAt: { description: "Start: ISO 8601, with an offset or in the hub's local time", example: '2026-03-31T10:00:00+01:00' },
  endsAt: { description: "End (exclusive): ISO 8601, with an offset or in the hub's local time", example: '2026-03-31T12:00:00+01:00' },
  capacity: { description: 'At least this many people', example: 10 },
  features: { description: 'Rooms with every one of these features (comma-separated or repeated)', example: 'step_free_access' },
  includeInactive: { description: 'true: rooms not taking bookings too', example: 'false' },
  all: { description: 'true (staff): every organisation on the network, not only mine', example: 'false' },
  role: { description: 'Only this role', example: 'volunteer' },
  open: { description: 'true: only shifts with a free place', example: 'true' },
  date: { description: "A local date of the hub, YYYY-MM-DD", example: '2026-03-31' },
  kind: { description: 'Only this kind' },
};
/** `:id` names the resource of the path segment before it. */
const ID_OF: Record<string, string> = {
  bookings: 'booking',
  organisations: 'organisation',
  shifts: 'shift',
  'access-codes': 'door code',
  hubs: 'hub',
  rooms: 'room',
  doors: 'door',
  invitations: 'invitation',
  refunds: 'refund',
  payments: 'payment',
};

type JsonSchema = { type?: string; properties?: Record<string, JsonSchema>; description?: string; example?: unknown; format?: string; enum?: unknown[]; [k: string]: unknown };

/** Fills in what a parameter's own schema leaves out: its description and an example. */
function describeParameters(schema: JsonSchema | undefined, url: string) {
  for (const [name, prop] of Object.entries(schema?.properties ?? {})) {
    const known = name === 'id' ? { description: `The ${ID_OF[url.split('/')[1]] ?? url.split('/')[1].replace(/s$/, '')}'s id` } : PARAMETERS[name];
    if (!prop.description && known) prop.description = known.description;
    if (prop.example === undefined) {
      const example = known?.example ?? (prop.format === 'uuid' ? '6c2f7a84-1d3e-4b5a-9c8d-7e6f5a4b3c2d' : prop.enum?.[0]);
      if (example !== undefined) prop.example = example;
    }
  }
}

const BODY_EXAMPLES: Record<string, unknown> = {
  email: 'alex@example.org',
  password: 'correct horse battery staple',
  name: 'Tuesday Memory Café',
  title: 'Memory café',
  reason: 'The speaker is ill',
  notice: 'The hall is closed for repairs after a leak',
  contactPhone: '07700 900123',
  phone: '07700 900123',
  attendees: 12,
  code: '482913',
  effectiveFrom: '2026-04-01',
  recheckOn: '2027-04-01',
};

/** An example of a JSON schema's value, from its own example, default, enum, format, bounds or the property's name. */
function exampleOf(schema: JsonSchema | undefined, name?: string, depth = 0): unknown {
  if (!schema || depth > 6) return undefined;
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum[0];
  const named = name ? (BODY_EXAMPLES[name] ?? PARAMETERS[name]?.example) : undefined;
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (variants?.length) return exampleOf(variants.find((v) => v.type !== 'null') ?? variants[0], name, depth + 1);
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set((schema.required as string[] | undefined) ?? []);
      for (const [k, v] of Object.entries(schema.properties ?? {})) {
        const value = exampleOf(v, k, depth + 1);
        if (value !== undefined && (required.has(k) || v.example !== undefined || BODY_EXAMPLES[k] !== undefined || PARAMETERS[k]?.example !== undefined)) out[k] = value;
      }
      return out;
    }
    case 'array': {
      const item = exampleOf(schema.items as JsonSchema, undefined, depth + 1);
      return item === undefined ? [] : [item];
    }
    case 'integer':
    case 'number':
      return named ?? (typeof schema.minimum === 'number' ? schema.minimum : 1);
    case 'boolean':
      return false;
    case 'string':
      if (named !== undefined) return named;
      if (schema.format === 'uuid') return '6c2f7a84-1d3e-4b5a-9c8d-7e6f5a4b3c2d';
      if (schema.format === 'date-time') return '2026-03-31T10:00:00+01:00';
      if (schema.format === 'email') return 'alex@example.org';
      return schema.pattern ? undefined : 'text';
    default:
      return named;
  }
}

/** The error codes a route names in its description, by status ("409 `checkout_in_progress`", "422 `price_changes`"). */
function codesInText(text: string): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const m of text.matchAll(/\b([45]\d\d)\s+`([a-z][a-z0-9_]*)`/g)) (out[Number(m[1])] ??= []).push(m[2]);
  return out;
}

const hooksOf = (h: unknown): onRequestHookHandler[] => (Array.isArray(h) ? h : h ? [h as onRequestHookHandler] : []);

/**
 * One place that makes each operation's documentation complete, so route files stay small:
 * security (routes that read a token when there is one get "bearer or none"; every other route
 * states its own, `security: []` when public), every error response as
 * `application/problem+json` naming the codes it can carry with an example, every parameter
 * described (from the shared names above when the route's schema does not), and an example of
 * each request body (made from its schema when the route gives none).
 */
export function transformRoute(input: Parameters<typeof jsonSchemaTransform>[0]) {
  const raw = (input.schema ?? {}) as { response?: Record<string, unknown>; security?: unknown; description?: string; summary?: string; hide?: boolean; params?: unknown; querystring?: unknown; body?: unknown };
  const { schema, url } = jsonSchemaTransform(input) as { schema: Record<string, unknown> & { response?: Record<string, unknown>; hide?: boolean }; url: string };
  if (!schema || schema.hide) return { schema, url };
  const route = (input as unknown as { route?: { onRequest?: unknown } }).route;
  const optional = hooksOf(route?.onRequest).some((h) => (h as unknown as Record<symbol, boolean>)[OPTIONAL_AUTH]);
  // A route that takes a token when there is one says so; any other route states its own (`[]`: public).
  if (raw.security === undefined && optional) schema.security = [{ bearer: [] }, {}];
  const security = (schema.security ?? []) as Record<string, string[]>[];
  const needsToken = security.length > 0 && security.every((s) => Object.keys(s).length > 0);

  describeParameters(schema.params as JsonSchema, url);
  describeParameters(schema.querystring as JsonSchema, url);
  const body = schema.body as JsonSchema | undefined;
  if (body && body.example === undefined) {
    const example = exampleOf(body);
    if (example !== undefined) body.example = example;
  }

  const declared = Object.keys(raw.response ?? {}).map(Number);
  const statuses = new Set(declared.filter((s) => s >= 400));
  if (raw.params || raw.querystring || raw.body) statuses.add(400);
  if (needsToken || optional) statuses.add(401);
  const described = codesInText(`${raw.summary ?? ''} ${raw.description ?? ''}`);
  const listed = OPERATION_ERROR_CODES[String((raw as { operationId?: string }).operationId)] ?? {};
  const response = (schema.response ??= {}) as Record<string, unknown>;
  for (const status of [...statuses].sort()) {
    if (listed[status]?.length === 0) {
      delete response[status]; // the route lists it, but the operation never answers it
      continue;
    }
    const own = raw.response?.[status] ? errorCodesOf(raw.response[status]) : [];
    const codes = [...new Set([...(COMMON_CODES[status] ?? []), ...own, ...(listed[status] ?? []), ...(described[status] ?? [])])];
    response[status] = {
      description: `${TITLES[status] ?? 'Error'}: ${codes.length ? codes.map((c) => `\`${c}\``).join(', ') : 'see `code`'}`,
      content: {
        'application/problem+json': {
          schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, ...(codes.length ? [{ type: 'object', properties: { code: { type: 'string', enum: codes } } }] : [])] },
          example: { type: `https://hubkey.dev/problems/${codes[0] ?? 'error'}`, title: TITLES[status] ?? 'Error', status, detail: 'What went wrong, for a person to read', code: codes[0] ?? 'error' },
        },
      },
    };
  }
  return { schema, url };
}

/**
 * Schemas given an id (`.meta({ id })`: Problem, Booking, Payment, …) become named components,
 * referenced by `$ref`. The library writes an input twin (`BookingInput`) of each as well; those
 * no request uses are left out.
 */
function namedComponents(input: Parameters<typeof jsonSchemaTransformObject>[0]) {
  const doc = jsonSchemaTransformObject(input) as { paths?: unknown; components?: { schemas?: Record<string, unknown> } };
  const schemas = doc.components?.schemas ?? {};
  const used = JSON.stringify(doc.paths ?? {}) + JSON.stringify(schemas);
  for (const name of Object.keys(schemas)) {
    if (name.endsWith('Input') && schemas[name.slice(0, -'Input'.length)] && !used.includes(`"#/components/schemas/${name}"`)) delete schemas[name];
  }
  return doc as ReturnType<typeof jsonSchemaTransformObject>;
}

/** The OpenAPI document is always built (scripts/openapi.ts reads it); /docs serves it only when `docs` is on. */
export async function registerOpenApi(app: FastifyInstance, publicUrl: string, docs = true) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Hubkey API',
        version: '0.1.0',
        description:
          'Booking and self-entry for a network of community hubs. Times are ISO 8601 with an offset; money is integer pence. Errors are RFC 9457 problem+json with a stable `code`. Log in with `POST /auth/login` and send the token as `Authorization: Bearer …`; operations whose security lists an empty requirement also answer without one.',
      },
      servers: [{ url: publicUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, deviceKey: { type: 'apiKey', in: 'header', name: 'X-Device-Key' } } },
      tags: [
        { name: 'service' },
        { name: 'people' },
        { name: 'hubs' },
        { name: 'rooms' },
        { name: 'organisations' },
        { name: 'bookings' },
        { name: 'pricing', description: 'Rate cards per tier and quotes' },
        { name: 'payments', description: 'Stripe Checkout, invoices, payments taken at the hub, refunds and the Stripe webhook' },
        { name: 'self-entry', description: 'Doors, door codes, keypad checks, the entry log and the SMS webhook' },
        { name: 'reports', description: 'Usage, income, subsidy, occupancy and volunteer hours for funders and trustees (JSON or CSV)' },
        { name: 'rota', description: 'Volunteer shifts (also made from bookings outside staffed hours), places, cover, attendance, hours and the calendar feed' },
      ],
    },
    transform: transformRoute,
    transformObject: namedComponents,
  });
  if (docs) await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
}
