import type { FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';

/**
 * A POST that needs nothing accepts no body: an absent body, an empty JSON body (content-type
 * set, nothing sent) and a JSON `null` all reach the route's schema as "no body" (undefined), so
 * a body schema with a default (`.default({})`) fills it in, and one that needs a body still
 * answers 400. Fastify's own JSON parser (with its prototype-poisoning protection) parses the rest.
 */
export function acceptEmptyBodies(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    return parseJson(req, text, done);
  });
  // Fastify hands an absent body to the validator as null; the zod schema should see undefined.
  app.setValidatorCompiler((route) => {
    const validate = validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
    return route.httpPart === 'body' ? (data: unknown) => validate(data ?? undefined) : validate;
  });
}
