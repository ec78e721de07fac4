import { readFileSync } from 'node:fs';
import { OPENAPI_FILE, openApiDocument } from '../../scripts/openapi';

// Each test opens a cold embedded database and builds the whole app (API and web pages); on a
// loaded two-core machine that has taken more than jest's 30 s.
const BUILD_TIMEOUT = 90_000;

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; description?: string }[];
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: { allOf?: { properties?: { code?: { enum?: string[] } } }[] }; example?: { code?: string } }> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, unknown> } };

describe('docs/openapi.json', () => {
  // Generating the document starts a cold embedded database: do it once for every test, with room
  // for a loaded CI machine.
  let generated: Record<string, unknown>;
  let doc: Doc;
  beforeAll(async () => {
    generated = await openApiDocument();
    doc = generated as unknown as Doc;
  }, 120_000);
  /** Every operation but the docs' own, as "METHOD /path" with its object. */
  const operations = () =>
    Object.entries(doc.paths)
      .filter(([path]) => !path.startsWith('/docs'))
      .flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => ({ name: `${m.toUpperCase()} ${path}`, op })));

  it('is the document the server generates (run `npm run openapi` after changing a route)', () => {
    const committed = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
    expect(committed).toEqual(generated);
  });

  it('gives every operation an id and a tag', () => {
    expect(operations().filter(({ op }) => !op.operationId || !op.tags?.length).map((o) => o.name)).toEqual([]);
  }, BUILD_TIMEOUT);

  it('states every operation\'s security (`[]` when public), so Swagger UI sends the token where one is read', () => {
    expect(operations().filter(({ op }) => !Array.isArray(op.security)).map((o) => o.name)).toEqual([]);
    // Search reads a token when there is one (quotes for the caller's organisation).
    expect(doc.paths['/search/rooms'].get.security).toEqual([{ bearer: [] }, {}]);
    expect(doc.paths['/bookings/{id}/payments/offline'].post.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/auth/login'].post.security).toEqual([]);
  });

  it('documents every error as application/problem+json naming the codes it can carry, with an example', () => {
    const bad = operations().flatMap(({ name, op }) => {
      const errors = Object.entries(op.responses ?? {}).filter(([s]) => Number(s) >= 400);
      if (!errors.length) return [`${name}: no error responses`];
      return errors.flatMap(([status, r]) => {
        const types = Object.keys(r.content ?? {});
        const media = r.content?.['application/problem+json'];
        const codes = media?.schema?.allOf?.[1]?.properties?.code?.enum ?? [];
        return [
          ...(types.join() !== 'application/problem+json' ? [`${name} ${status}: content ${types.join() || 'none'}`] : []),
          ...(codes.length ? [] : [`${name} ${status}: no error codes`]),
          ...(media?.example?.code && codes.includes(media.example.code) ? [] : [`${name} ${status}: no example`]),
        ];
      });
    });
    expect(bad).toEqual([]);
    const offline = doc.paths['/bookings/{id}/payments/offline'].post.responses!;
    expect(offline['409'].content!['application/problem+json'].schema!.allOf![1].properties!.code!.enum).toEqual(expect.arrayContaining(['already_paid', 'checkout_in_progress']));
    expect(offline['400'].content!['application/problem+json'].schema!.allOf![1].properties!.code!.enum).toEqual(expect.arrayContaining(['validation_failed', 'wrong_amount']));
    expect(doc.paths['/webhooks/stripe'].post.responses!['503'].description).toMatch(/payments_unavailable/);
  });

  it('describes every parameter', () => {
    const bad = operations().flatMap(({ name, op }) => (op.parameters ?? []).filter((p) => !p.description?.trim()).map((p) => `${name}: ${p.in} ${p.name}`));
    expect(bad).toEqual([]);
  });

  it('gives every request body an example', () => {
    const bad = operations().flatMap(({ name, op }) =>
      Object.entries((op as { requestBody?: { content?: Record<string, { schema?: { example?: unknown }; example?: unknown }> } }).requestBody?.content ?? {})
        .filter(([, media]) => media.example === undefined && media.schema?.example === undefined)
        .map(([type]) => `${name}: ${type}`),
    );
    expect(bad).toEqual([]);
    expect(doc.paths['/bookings/{id}/payments/offline'].post).toMatchObject({ requestBody: { content: { 'application/json': { schema: { example: { amountPence: 2400, method: 'bank_transfer' } } } } } });
  });

  it('names the shared schemas as components', () => {
    expect(Object.keys(doc.components?.schemas ?? {})).toEqual(expect.arrayContaining(['Problem', 'Booking', 'Payment', 'Refund', 'Hub', 'Room']));
    expect(JSON.stringify(doc.paths['/bookings/{id}'].get.responses!['200'])).toContain('#/components/schemas/Booking');
  });
});
