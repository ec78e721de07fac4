import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const name = process.env.HUBKEY_TEST_DATABASE_NAME;
  if (!url || !name) return;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  // The template and every per-file copy (named <template>_<random>).
  const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`, [name, `${name}\\_%`]);
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  await admin.end();
}
