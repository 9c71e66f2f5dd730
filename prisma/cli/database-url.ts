// The Prisma CLI and the operator scripts are developer tools, outside the application's
// config module. A fresh clone has no environment set up, and `prisma generate` resolves
// the schema's env("DATABASE_URL") even though it never connects, so they fall back to the
// local development database: the one `npm run dev` uses, so a script run beside it sees
// the same data.
export const LOCAL_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/ocop_dev';

export function resolveDatabaseUrl(): string {
  return process.env['DATABASE_URL'] || LOCAL_DATABASE_URL;
}
