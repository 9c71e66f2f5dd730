import pg from 'pg';
import { Prisma } from './generated/client.js';
import type { SqlPool } from './sql-pool.js';

// A transaction over a plain `pg` connection that speaks the raw half of Prisma's
// transaction API ($queryRaw, $executeRaw with Prisma.sql), for the hottest path: a
// conversation turn. Measured here, a statement through Prisma's interactive transaction
// cost over a millisecond and the same through `pg` about a tenth of one; a turn makes
// seven of them. Code written against RawTransaction runs unchanged in either.

export interface RawTransaction {
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T>;
  $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number>;
}

/** Values as Prisma returns them: int8 as bigint, timestamps (stored in UTC, without zone) as their instant. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (value: string) => BigInt(value);
    // int8[]: "{1,2,3}" (ids have no quotes or nested arrays)
    if (oid === 1016) return (value: string) => (value === '{}' ? [] : value.slice(1, -1).split(',').map((v) => (v === 'NULL' ? null : BigInt(v))));
    if (oid === 1114) return (value: string) => new Date(`${value.replace(' ', 'T')}Z`);
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

/** Parameters as Prisma sends them: an instant in UTC (the columns keep UTC without a zone). */
function parameter(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

function statement(query: TemplateStringsArray | Prisma.Sql, values: unknown[]): { text: string; values: unknown[] } {
  const sql = query instanceof Prisma.Sql ? query : Prisma.sql(query, ...values);
  return { text: sql.text, values: sql.values.map(parameter) };
}

/** Runs `work` in one transaction on a connection of `pool`: committed if it returns, rolled back if it throws. */
export async function withRawTransaction<T>(pool: SqlPool, work: (tx: RawTransaction) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const tx: RawTransaction = {
      async $queryRaw<R>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) {
        const { text, values: params } = statement(query, values);
        return (await client.query({ text, values: params, types })).rows as R;
      },
      async $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) {
        const { text, values: params } = statement(query, values);
        return (await client.query({ text, values: params, types })).rowCount ?? 0;
      },
    };
    try {
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    }
  } finally {
    // A connection that could not even roll back is not given to the next turn.
    client.release(broken);
  }
}
