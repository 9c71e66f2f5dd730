import pg from 'pg';
import { pathToFileURL } from 'node:url';
import { resolveDatabaseUrl } from './database-url.js';

// `prisma migrate deploy` does not create a missing database, so every fresh machine
// (a developer's, CI's, a new test database) goes through this first. Returns whether
// the database had to be created.
export async function createDatabase(databaseUrl: string): Promise<boolean> {
  const target = new URL(databaseUrl);
  const database = decodeURIComponent(target.pathname.slice(1));
  if (!database) throw new Error(`DATABASE_URL names no database: ${target.origin}`);

  const maintenanceUrl = new URL(target);
  maintenanceUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenanceUrl.href });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (existing.rowCount) return false;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    return true;
  } catch (error) {
    // Two processes racing to create the same database: the loser's work is done anyway.
    if (error instanceof Error && 'code' in error && error.code === '42P04') return false;
    throw error;
  } finally {
    await client.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const created = await createDatabase(resolveDatabaseUrl());
  console.log(created ? 'Database created.' : 'Database already exists.');
}
