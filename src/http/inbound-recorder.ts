import { createHash } from 'node:crypto';
import type { SqlPool } from '../db/sql-pool.js';
import type { Logger } from '../observability/logger.js';
import { HttpError } from './http-error.js';
import { withTimeout } from './with-timeout.js';

export interface InboundRecord {
  eventKey: string;
  eventName: string;
  userId: string | null;
  zaloTimestamp: Date;
  payload: object;
  status: 'pending' | 'ignored' | 'invalid';
}

export type RecordOutcome = 'recorded' | 'duplicate';

const enqueueTimeoutMs = 500;
const maxBatch = 200;
const maxEnqueue = 500;
/** Longer keys and user ids are not Zalo's (its ids are a few dozen characters); btree rows must stay small. */
const maxIdLength = 200;
/** Deeper JSON is not Zalo's either, and Postgres' jsonb parser refuses it past its stack depth. */
const maxDepth = 64;
/** Zalo waits about 2 s for an answer, then delivers again: better a quick 503 than a late 200. */
const defaultBudgetMs = 1500;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text Postgres can store: no NUL, no lone surrogate (each becomes U+FFFD). */
function storableText(text: string): string {
  return text.replace(/\u0000/g, '\uFFFD').replace(loneSurrogate, '\uFFFD');
}

class TooDeepError extends Error {}

/** Text storableText would change: a NUL, or any surrogate (a pair is kept, but it is rare). */
const mayNeedCleaning = /[\u0000\uD800-\uDFFF]/;

/** Whether `value` is stored exactly as it is, as nearly every event is: then it is not copied. */
function isStorableAsIs(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return !mayNeedCleaning.test(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth >= maxDepth) return false;
  if (Array.isArray(value)) return value.every((item) => isStorableAsIs(item, depth + 1));
  return Object.entries(value).every(([key, item]) => !mayNeedCleaning.test(key) && isStorableAsIs(item, depth + 1));
}

function storableJson(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= maxDepth) throw new TooDeepError();
  if (Array.isArray(value)) return value.map((item) => storableJson(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(key), storableJson(item, depth + 1)]));
}

/**
 * What of an event Postgres can keep. Text is cleaned; an over-long id is replaced by its
 * digest (the key) or dropped (the user); a payload nested too deep is kept as `invalid`
 * with its name and time only. Zalo's own events pass unchanged.
 */
export function storableRecord(record: InboundRecord): InboundRecord {
  const eventKey = record.eventKey.length > maxIdLength ? `sha256:${createHash('sha256').update(record.eventKey).digest('hex')}` : storableText(record.eventKey);
  const eventName = storableText(record.eventName).slice(0, maxIdLength);
  const userTooLong = record.userId !== null && record.userId.length > maxIdLength;
  const userId = record.userId === null || userTooLong ? null : storableText(record.userId);
  try {
    const payload = isStorableAsIs(record.payload, 0) ? record.payload : (storableJson(record.payload, 0) as object);
    return { ...record, eventKey, eventName, userId, payload, status: userTooLong ? 'invalid' : record.status };
  } catch (error) {
    if (!(error instanceof TooDeepError)) throw error;
    return { ...record, eventKey, eventName, userId, payload: { event_name: eventName, unstorable: `nested deeper than ${maxDepth} levels` }, status: 'invalid' };
  }
}

interface Waiting {
  record: InboundRecord;
  receivedAt: Date;
  resolve: (outcome: RecordOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Records webhook events in Postgres, then enqueues the new ones. Up to a few writes run
 * at once; requests that arrive while they are busy are written together in the next
 * statement: no added wait when traffic is light, one INSERT and one queue call per
 * batch when it is heavy.
 * A key already present (a redelivery) resolves as 'duplicate' and is not enqueued. One
 * event Postgres refuses never decides another's answer: a failed batch is retried one
 * event at a time. An answer that cannot be had within the budget is a 503, and Zalo
 * delivers the event again.
 */
export function createInboundRecorder(deps: { sql: SqlPool; logger: Logger; enqueueInboundEvents: (ids: bigint[]) => Promise<void>; now: () => Date; maxConcurrentWrites?: number; budgetMs?: number }) {
  const maxWriters = deps.maxConcurrentWrites ?? 4;
  const budgetMs = deps.budgetMs ?? defaultBudgetMs;
  let waiting: Waiting[] = [];
  let writers = 0;
  /** recorded, pending events not yet handed to the queue */
  const toEnqueue: bigint[] = [];
  let enqueuing = false;

  /** One statement for the rows, in key order so that concurrent batches lock in the same order. */
  async function insert(rows: Waiting[]): Promise<{ id: bigint; eventKey: string; status: string }[]> {
    // Timestamps are stored as UTC, as Prisma writes them, and come from the application
    // clock (the sweep compares received_at with it); an event not to be handled is done on arrival.
    const json = JSON.stringify(
      rows.map(({ record, receivedAt }) => ({
        event_key: record.eventKey,
        event_name: record.eventName,
        user_id: record.userId,
        zalo_timestamp: record.zaloTimestamp.toISOString(),
        payload: record.payload,
        status: record.status,
        received_at: receivedAt.toISOString(),
      })),
    );
    const result = await deps.sql.query<{ id: string; eventKey: string; status: string }>(
      `INSERT INTO inbound_event (event_key, event_name, user_id, zalo_timestamp, payload, status, received_at, processed_at)
       SELECT r.event_key, r.event_name, r.user_id, r.zalo_timestamp AT TIME ZONE 'UTC', r.payload, r.status::"InboundStatus",
              r.received_at AT TIME ZONE 'UTC', CASE WHEN r.status = 'pending' THEN NULL ELSE r.received_at AT TIME ZONE 'UTC' END
       FROM jsonb_to_recordset($1::jsonb)
         AS r(event_key text, event_name text, user_id text, zalo_timestamp timestamptz, payload jsonb, status text, received_at timestamptz)
       ORDER BY r.event_key
       ON CONFLICT (event_key) DO NOTHING
       RETURNING id::text AS id, event_key AS "eventKey", status::text AS status`,
      [json],
    );
    return result.rows.map((row) => ({ ...row, id: BigInt(row.id) }));
  }

  /** Inserts one event alone; if Postgres still refuses it, keeps its name as `invalid`. */
  async function insertAlone(item: Waiting): Promise<{ id: bigint; eventKey: string; status: string }[]> {
    try {
      return await insert([item]);
    } catch (error) {
      deps.logger.warn({ err: error, eventName: item.record.eventName }, 'an event Postgres refused is kept without its payload');
      return insert([{ ...item, record: { ...item.record, status: 'invalid', payload: { event_name: item.record.eventName, unstorable: 'refused by the database' } } }]);
    }
  }

  async function write(batch: Waiting[]): Promise<void> {
    // Two copies of one event in the same batch: the first is the one recorded.
    const byKey = new Map<string, Waiting>();
    for (const item of batch) if (!byKey.has(item.record.eventKey)) byKey.set(item.record.eventKey, item);
    const unique = [...byKey.values()];
    const inserted = new Map<string, { id: bigint; status: string }>();
    const failed = new Map<string, unknown>();
    try {
      for (const row of await insert(unique)) inserted.set(row.eventKey, row);
    } catch {
      // One event Postgres refuses must not decide the others' answers: each alone. If
      // Postgres itself is down, every one fails and its request answers 503.
      for (const item of unique) {
        try {
          for (const row of await insertAlone(item)) inserted.set(row.eventKey, row);
        } catch (error) {
          failed.set(item.record.eventKey, error);
        }
      }
    }
    // Recorded is what Zalo's answer promises: the requests are answered now, and the events
    // enqueued right after (an enqueue lost with the process is the sweep's to make).
    for (const item of batch) {
      const key = item.record.eventKey;
      const error = failed.get(key);
      if (error !== undefined) item.reject(error);
      else if (byKey.get(key) === item && inserted.has(key)) item.resolve('recorded');
      else item.resolve('duplicate');
    }
    for (const row of inserted.values()) if (row.status === 'pending') toEnqueue.push(row.id);
    if (!enqueuing && toEnqueue.length > 0) void enqueue();
  }

  /**
   * Enqueues what the batches recorded, not waited for by any batch. While one call to the
   * queue is out, the events recorded meanwhile wait and go together in the next: a call
   * costs about as much for one job as for a few, and under load batches end faster than
   * Redis answers. A call that takes longer than enqueueTimeoutMs is left to finish (or fail)
   * on its own and the next one starts.
   */
  async function enqueue(): Promise<void> {
    enqueuing = true;
    while (toEnqueue.length > 0) {
      const ids = toEnqueue.splice(0, maxEnqueue);
      await withTimeout(deps.enqueueInboundEvents(ids), enqueueTimeoutMs).catch((error: unknown) =>
        // Recorded in Postgres: the sweep enqueues them when Redis is back.
        deps.logger.warn({ err: error, count: ids.length }, 'enqueue deferred to the sweep'),
      );
    }
    enqueuing = false;
  }

  async function drain(): Promise<void> {
    writers += 1;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      await write(batch);
    }
    writers -= 1;
  }

  return {
    record(record: InboundRecord): Promise<RecordOutcome> {
      const written = new Promise<RecordOutcome>((resolve, reject) => {
        waiting.push({ record: storableRecord(record), receivedAt: deps.now(), resolve, reject });
        if (writers < maxWriters) void drain();
      });
      return withTimeout(written, budgetMs).catch((error: unknown) => {
        throw new HttpError('unavailable', error instanceof Error && error.message.startsWith('timed out') ? 'the event could not be recorded in time; it will be delivered again' : 'the event could not be recorded');
      });
    },
  };
}

export type InboundRecorder = ReturnType<typeof createInboundRecorder>;
