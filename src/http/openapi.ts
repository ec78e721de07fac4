import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** The OpenAPI document is always built (scripts/openapi.ts reads it); /docs serves it only when `docs` is on. */
export async function registerOpenApi(app: FastifyInstance, publicUrl: string, docs = true) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Hubkey API',
        version: '0.1.0',
        description:
          'Booking and self-entry for a network of community hubs. Times are ISO 8601 with an offset; money is integer pence. Errors are RFC 9457 problem+json with a stable `code`.',
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
        { name: 'payments', description: 'Stripe Checkout, invoices, refunds and the Stripe webhook' },
        { name: 'self-entry', description: 'Doors, door codes, keypad checks, the entry log and the SMS webhook' },
        { name: 'reports', description: 'Usage, income, subsidy, occupancy and volunteer hours for funders and trustees (JSON or CSV)' },
        { name: 'rota', description: 'Volunteer shifts (also made from bookings outside staffed hours), places, cover, attendance, hours and the calendar feed' },
      ],
    },
    transform: jsonSchemaTransform,
  });
  if (docs) await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
}
