import { pathToFileURL } from 'node:url';
import { createDatabase } from './create-database.js';
import { resolveDatabaseUrl } from './database-url.js';
import { runPrisma } from './run-prisma.js';

// Applies pending migrations, creating the database first because `migrate deploy`
// will not. Extra arguments go to Prisma (for example `--schema` to use another
// migrations folder). Resolves with Prisma's exit code.
export async function migrateDeploy(prismaArgs: readonly string[] = []): Promise<number> {
  const databaseUrl = resolveDatabaseUrl();
  await createDatabase(databaseUrl);
  return runPrisma(['migrate', 'deploy', ...prismaArgs], { ...process.env, DATABASE_URL: databaseUrl });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await migrateDeploy(process.argv.slice(2));
}
