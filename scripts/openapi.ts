import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config/env';
import { createContainer } from '../src/container';
import { openDatabase } from '../src/db/client';
import { packageRoot } from '../src/lib/paths';

/**
 * Writes the OpenAPI document the server generates to docs/openapi.json, for client authors and
 * reviewers. test/integration/openapi.test.ts fails when the committed file is stale.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const database = await openDatabase({ dataDir: 'memory://' });
  const container = await createContainer(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://localhost:3000', JWT_SECRET: randomBytes(32).toString('hex'), ACCESS_CODE_KEY: randomBytes(32).toString('hex') }), { database });
  const app = await buildApp(container);
  try {
    const doc = app.swagger() as unknown as Record<string, unknown>;
    return JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
  } finally {
    await app.close();
    await container.close();
  }
}

export const OPENAPI_FILE = join(packageRoot(), 'docs', 'openapi.json');

if (require.main === module) {
  openApiDocument()
    .then((doc) => {
      writeFileSync(OPENAPI_FILE, JSON.stringify(doc, null, 2) + '\n');
      console.log(`Wrote ${OPENAPI_FILE} (${Object.keys(doc.paths as object).length} paths).`);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
