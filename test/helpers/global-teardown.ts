import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const name = process.env.HUBKEY_TEST_DATABASE_NAME;
  if (!url || !name) return;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
