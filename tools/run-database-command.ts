import { z } from 'zod';
import { resolveDatabaseUrl } from '../prisma/cli/database-url.js';
import { createDatabase, type Database } from '../src/db/database.js';

// Operator commands (admin:token, units:import, certified:import, db:seed) run against the
// database the bot uses: DATABASE_URL, else the same local default as `npm run dev`. A
// database that is missing, unreachable or not migrated is told in one line, never as a
// stack trace.

const adapterCause = z.looseObject({
  meta: z.looseObject({
    driverAdapterError: z.looseObject({
      cause: z.looseObject({ kind: z.string(), db: z.string().optional(), host: z.string().optional(), port: z.number().optional() }),
    }),
  }),
});

/** The database named in a URL, with no password, as it may be printed. */
export function describeDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `"${decodeURIComponent(url.pathname.slice(1))}" at ${url.hostname}:${url.port || '5432'}`;
  } catch {
    return 'in DATABASE_URL';
  }
}

/** One line that says what is wrong with the database and what to do; undefined when it is not a database problem. */
export function describeDatabaseFailure(error: unknown, databaseUrl: string): string | undefined {
  const parsed = adapterCause.safeParse(error);
  if (!parsed.success) return undefined;
  const where = describeDatabaseUrl(databaseUrl);
  switch (parsed.data.meta.driverAdapterError.cause.kind) {
    case 'DatabaseDoesNotExist':
      return `Database ${where} does not exist: start the bot once with "npm run dev", or create it with "npm run migrate:deploy" (DATABASE_URL chooses another).`;
    case 'DatabaseNotReachable':
      return `PostgreSQL cannot be reached for database ${where}: is it running? (DATABASE_URL chooses another server)`;
    case 'TableDoesNotExist':
      return `Database ${where} has not been migrated: run "npm run migrate:deploy" first.`;
    case 'AuthenticationFailed':
      return `PostgreSQL refused the user or password for database ${where}: check DATABASE_URL.`;
    default:
      return undefined;
  }
}

/**
 * Runs `command` with the database and the present instant; its result is the exit code.
 * The database is checked first (reachable, migrated), so a command never half-runs.
 */
export async function runDatabaseCommand(command: (db: Database, now: Date) => Promise<number>): Promise<void> {
  const databaseUrl = resolveDatabaseUrl();
  const db = createDatabase({ databaseUrl, poolSize: 1 });
  try {
    await db.$queryRaw`SELECT 1 FROM _prisma_migrations LIMIT 1`;
    process.exitCode = await command(db, new Date()); // a script is its own composition root
  } catch (error) {
    const known = describeDatabaseFailure(error, databaseUrl);
    if (known === undefined) throw error;
    console.error(known);
    process.exitCode = 1;
  } finally {
    await db.$disconnect().catch(() => undefined);
  }
}
