// The Prisma CLI and these scripts are developer tools, outside the application's config
// module. A fresh clone has no environment set up, and `prisma generate` resolves the
// schema's env("DATABASE_URL") even though it never connects, so fall back to the local
// development database.
const LOCAL_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/ocop';

export function resolveDatabaseUrl(): string {
  return process.env['DATABASE_URL'] || LOCAL_DATABASE_URL;
}
