import { defineConfig } from 'drizzle-kit';

// Only used to generate SQL from src/db/schema (npm run db:generate); migrations are applied by the app.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './migrations',
});
