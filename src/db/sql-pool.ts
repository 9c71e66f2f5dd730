import pg from 'pg';

/** Plain SQL over `pg`, for the one write too hot for Prisma (see createSqlPool). */
export type SqlPool = pg.Pool;

/**
 * The webhook records every event before it answers Zalo. Profiled under load, Prisma's
 * client and its WASM query compiler took about a tenth of that path's CPU; the same
 * statement through `pg` brought the p99 at 300 requests/s from about 2.1× to 1.5× that
 * of a bare signature-and-INSERT handler (npm run bench). Everything else goes through
 * Prisma.
 */
export function createSqlPool(options: { databaseUrl: string; poolSize: number }): SqlPool {
  return new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize });
}
