import pg from 'pg';
import { Prisma } from './generated/client.js';
import type { SqlPool } from './sql-pool.js';

// A transaction over a plain `pg` connection that speaks the raw half of Prisma's
// transaction API ($queryRaw, $executeRaw with Prisma.sql), for the hottest path: a
// conversation turn. Measured here, a statement through Prisma's interactive transaction
// cost over a millisecond and the same through `pg` about a tenth of one. Code written
// against RawTransaction runs unchanged in either. On a pipelining connection (see
// createSqlPool) statements that do not wait for each other's answers leave together
// (`inOrder`), in one write, and COMMIT leaves with the last statement (`lastStatement`):
// a turn costs three round trips instead of eight.

export interface RawTransaction {
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T>;
  $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number>;
}

/** What a transaction on a pipelining connection keeps for `inOrder` and `lastStatement`. */
interface Pipeline {
  /** sends the statements `send` makes in one write */
  together<R>(send: () => R): R;
  commit(): Promise<pg.QueryResult>;
  /** COMMIT, once sent behind the last statement */
  committing?: Promise<pg.QueryResult>;
}

const pipelines = new WeakMap<RawTransaction, Pipeline>();

/**
 * Runs `statements` one after the other, as if each were awaited before the next is made,
 * and returns their results. On a pipelining connection they are all sent at once and
 * Postgres still runs them in this order, each with its own snapshot; elsewhere (Prisma's
 * transaction) each waits for the one before. A statement that fails aborts the
 * transaction, so the ones after it fail too and the first error is the one thrown.
 */
export function inOrder<T extends readonly unknown[]>(tx: RawTransaction, statements: { readonly [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  const pipeline = pipelines.get(tx);
  if (pipeline) return pipeline.together(() => Promise.all(statements.map((statement) => statement()))) as Promise<unknown> as Promise<T>;
  return (async () => {
    const results: unknown[] = [];
    for (const statement of statements) results.push(await statement());
    return results as unknown as T;
  })();
}

/** Whether `lastStatement` sends COMMIT behind the statement. */
export function commitsBehind(tx: RawTransaction): boolean {
  return pipelines.has(tx);
}

/**
 * Runs the transaction's last statement. On a pipelining connection COMMIT leaves with it,
 * a round trip less, so whatever must keep the transaction from committing has to make the
 * statement fail, not just show in its rows: Postgres answers a COMMIT after a failed
 * statement by rolling back. Nothing may be sent after it.
 */
export function lastStatement<T>(tx: RawTransaction, statement: () => Promise<T>): Promise<T> {
  const pipeline = pipelines.get(tx);
  if (!pipeline) return statement();
  return pipeline.together(() => {
    const result = statement();
    pipeline.committing = pipeline.commit();
    return result;
  });
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

// A turn sends the same few statement texts every time. Each is prepared once per
// connection under a name, so Postgres parses it once and may keep its plan; a process
// that somehow made many different texts names only the first ones.
const maxNamedStatements = 200;
const statementNames = new Map<string, string>();

function nameOf(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < maxNamedStatements) {
    name = `raw-${statementNames.size}`;
    statementNames.set(text, name);
  }
  return name;
}

function statement(query: TemplateStringsArray | Prisma.Sql, values: unknown[]): pg.QueryConfig & { types: typeof types } {
  const sql = query instanceof Prisma.Sql ? query : Prisma.sql(query, ...values);
  const name = nameOf(sql.text);
  return { text: sql.text, values: sql.values.map(parameter), types, ...(name === undefined ? {} : { name }) };
}

/** Runs `work` in one transaction on a connection of `pool`: committed if it returns, rolled back if it throws. */
export async function withRawTransaction<T>(pool: SqlPool, work: (tx: RawTransaction) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    // Statements made in one go leave in one write rather than one each.
    const stream = client.connection.stream;
    const together = <R>(send: () => R): R => {
      stream.cork();
      try {
        return send();
      } finally {
        stream.uncork();
      }
    };
    let begun: Promise<unknown> = Promise.resolve();
    const run = async (query: TemplateStringsArray | Prisma.Sql, values: unknown[]) => {
      const [, result] = await Promise.all([begun, client.query(statement(query, values))]);
      return result;
    };
    const tx: RawTransaction = {
      async $queryRaw<R>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) {
        return (await run(query, values)).rows as R;
      },
      async $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) {
        return (await run(query, values)).rowCount ?? 0;
      },
    };
    // Pipelined, BEGIN leaves with the statements `work` makes before it first waits. Each
    // statement waits for BEGIN's answer too, so none is taken for done if the transaction
    // did not start.
    const start = () => {
      begun = client.query('BEGIN');
      begun.catch(() => undefined);
    };
    let working: Promise<T>;
    let pipeline: Pipeline | undefined;
    if (client.pipeline) {
      const commit = () => {
        const committing = client.query('COMMIT');
        committing.catch(() => undefined);
        return committing;
      };
      pipeline = { together, commit };
      pipelines.set(tx, pipeline);
      working = together(() => {
        start();
        return work(tx);
      });
    } else {
      start();
      await begun;
      working = work(tx);
    }
    try {
      const result = await working;
      await begun;
      const committed = await (pipeline?.committing ?? client.query('COMMIT'));
      // Only a failed statement turns COMMIT into a rollback, and that failure reached `work`.
      if (committed.command !== 'COMMIT') throw new Error(`the transaction ended in ${committed.command}, not COMMIT`);
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
