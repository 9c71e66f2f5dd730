import { defineConfig } from 'prisma/config';
import { CliPrismaPg } from './prisma/cli/cli-prisma-pg.js';
import { resolveDatabaseUrl } from './prisma/cli/database-url.js';

// The CLI runs on Prisma's WASM schema engine through a driver adapter, so neither
// generate nor migrate downloads a native engine (see prisma/cli/cli-prisma-pg.ts).
// Moving to Prisma 7: drop `engine` and `adapter` and give the URL in `datasource`.

// The schema's env("DATABASE_URL") must resolve even for `prisma generate`.
const databaseUrl = resolveDatabaseUrl();
process.env['DATABASE_URL'] = databaseUrl;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new CliPrismaPg(databaseUrl),
  schema: 'prisma/schema.prisma',
  migrations: { seed: 'tsx prisma/seed.ts' },
});
