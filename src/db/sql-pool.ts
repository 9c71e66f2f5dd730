import pg from 'pg';

/** Plain SQL over `pg`, for the writes too hot for Prisma (see createSqlPool). */
export type SqlPool = pg.Pool;

/**
 * The webhook records every event before it answers Zalo. Profiled under load, Prisma's
 * client and its WASM query compiler took about a tenth of that path's CPU; the same
 * statement through `pg` brought the p99 at 300 requests/s from about 2.1× to 1.5× that
 * of a bare signature-and-INSERT handler (npm run bench). Conversation turns use such a
 * pool too (db/raw-transaction.ts). Everything else goes through Prisma.
 *
 * Connections pipeline: a statement is sent without waiting for the answers of those
 * before it, so a transaction's statements that do not depend on each other share one
 * round trip. Postgres still runs them one after the other, in the order sent.
 */
export function createSqlPool(options: { databaseUrl: string; poolSize: number }): SqlPool {
  return new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize, pipeline: true });
}
