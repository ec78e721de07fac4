import { readFileSync } from 'node:fs';
import { OPENAPI_FILE, openApiDocument } from '../../scripts/openapi';

// Each test opens a cold embedded database and builds the whole app (API and web pages); on a
// loaded two-core machine that has taken more than jest's 30 s.
const BUILD_TIMEOUT = 90_000;

describe('docs/openapi.json', () => {
  // Generating the document starts a cold embedded database: do it once for both tests, with room
  // for a loaded CI machine.
  let generated: Record<string, unknown>;
  beforeAll(async () => {
    generated = await openApiDocument();
  }, 120_000);

  it('is the document the server generates (run `npm run openapi` after changing a route)', () => {
    const committed = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
    expect(committed).toEqual(generated);
  });

  it('gives every operation an id and a tag', () => {
    const doc = generated as { paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>> };
    const missing = Object.entries(doc.paths)
      .filter(([path]) => !path.startsWith('/docs'))
      .flatMap(([path, ops]) => Object.entries(ops).filter(([, op]) => !op.operationId || !op.tags?.length).map(([m]) => `${m.toUpperCase()} ${path}`));
    expect(missing).toEqual([]);
  }, BUILD_TIMEOUT);
});
