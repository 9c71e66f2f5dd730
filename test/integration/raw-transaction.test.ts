import { afterAll, describe, expect, it } from 'vitest';
import { Prisma } from '../../src/db/generated/client.js';
import { commitsBehind, inOrder, lastStatement, withRawTransaction } from '../../src/db/raw-transaction.js';
import { createSqlPool } from '../../src/db/sql-pool.js';
import { testDatabaseUrl, uniqueId } from '../helpers/test-env.js';

// A turn's transaction on the pipelining pool: statements sent together, and COMMIT sent
// behind the last one, which must then stop the commit by failing.

const sql = createSqlPool({ databaseUrl: testDatabaseUrl, poolSize: 2 });
afterAll(() => sql.end());

const at = new Date('2026-12-01T02:00:00Z');
const recordUser = (id: string) => Prisma.sql`INSERT INTO zalo_user (id, locale, following, created_at, updated_at) VALUES (${id}, 'vi', true, ${at}, ${at}) RETURNING id`;
const users = async (ids: string[]) => (await sql.query<{ id: string }>('SELECT id FROM zalo_user WHERE id = ANY($1)', [ids])).rows.map((row) => row.id).sort();

describe('raw transactions on a pipelining connection', () => {
  it('runs statements sent together in order and commits with the last one', async () => {
    const [first, second] = [uniqueId('raw'), uniqueId('raw')];
    const seen = await withRawTransaction(sql, async (tx) => {
      expect(commitsBehind(tx)).toBe(true);
      const [inserted, counted] = await inOrder(tx, [() => tx.$queryRaw<{ id: string }[]>(recordUser(first)), () => tx.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM zalo_user WHERE id = ${first}`] as const);
      await lastStatement(tx, () => tx.$queryRaw(recordUser(second)));
      return { inserted: inserted[0]?.id, counted: counted[0]?.n };
    });
    // The second statement read what the first wrote: Postgres ran them in the order sent.
    expect(seen).toEqual({ inserted: first, counted: 1n });
    expect(await users([first, second])).toEqual([first, second].sort());
  });

  it('commits nothing when the last statement fails, though COMMIT was already sent', async () => {
    const userId = uniqueId('raw');
    const failed = withRawTransaction(sql, async (tx) => {
      await tx.$queryRaw(recordUser(userId));
      // What a turn's write runs when its session was moved by another turn.
      await lastStatement(tx, () => tx.$queryRaw`SELECT conversation_session_written(0)`);
    });
    await expect(failed).rejects.toMatchObject({ code: 'OC409' });
    expect(await users([userId])).toEqual([]);
    // The connection is usable again.
    expect(await withRawTransaction(sql, (tx) => lastStatement(tx, () => tx.$queryRaw<{ n: number }[]>`SELECT 1 AS n`))).toEqual([{ n: 1 }]);
  });
});
