import type { Database } from '../db/database.js';
import type { Logger } from '../observability/logger.js';
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

/**
 * Records webhook events in Postgres, then enqueues the new ones. Up to a few writes run
 * at once; requests that arrive while they are busy are written together in the next
 * statement: no added wait when traffic is light, one INSERT and one queue call per
 * batch when it is heavy.
 * A key already present (a redelivery) resolves as 'duplicate' and is not enqueued.
 */
export function createInboundRecorder(deps: { db: Database; logger: Logger; enqueueInboundEvents: (ids: bigint[]) => Promise<void>; now: () => Date; maxConcurrentWrites?: number }) {
  const maxWriters = deps.maxConcurrentWrites ?? 4;
  let waiting: { record: InboundRecord; receivedAt: Date; resolve: (outcome: RecordOutcome) => void; reject: (error: unknown) => void }[] = [];
  let writers = 0;

  async function write(batch: typeof waiting): Promise<void> {
    try {
      // One plain statement: this is the hottest write of the system. Timestamps are
      // stored as UTC, as Prisma writes them, and come from the application clock (the
      // sweep compares received_at with it); an event not to be handled is done on arrival.
      const rows = await deps.db.$queryRaw<{ id: bigint; eventKey: string; status: string }[]>`
        INSERT INTO inbound_event (event_key, event_name, user_id, zalo_timestamp, payload, status, received_at, processed_at)
        SELECT r.event_key, r.event_name, r.user_id, r.zalo_timestamp AT TIME ZONE 'UTC', r.payload, r.status::"InboundStatus",
               r.received_at AT TIME ZONE 'UTC', CASE WHEN r.status = 'pending' THEN NULL ELSE r.received_at AT TIME ZONE 'UTC' END
        FROM jsonb_to_recordset(${JSON.stringify(batch.map(({ record, receivedAt }) => ({ ...record, event_key: record.eventKey, event_name: record.eventName, user_id: record.userId, zalo_timestamp: record.zaloTimestamp.toISOString(), received_at: receivedAt.toISOString() })))}::jsonb)
          AS r(event_key text, event_name text, user_id text, zalo_timestamp timestamptz, payload jsonb, status text, received_at timestamptz)
        ON CONFLICT (event_key) DO NOTHING
        RETURNING id, event_key AS "eventKey", status::text AS status`;
      const inserted = new Map(rows.map((row) => [row.eventKey, row]));
      const toEnqueue = rows.filter((row) => row.status === 'pending').map((row) => row.id);
      if (toEnqueue.length > 0) {
        await withTimeout(deps.enqueueInboundEvents(toEnqueue), enqueueTimeoutMs).catch((error: unknown) =>
          // Recorded in Postgres: the sweep enqueues them when Redis is back.
          deps.logger.warn({ err: error, count: toEnqueue.length }, 'enqueue deferred to the sweep'),
        );
      }
      for (const item of batch) {
        // Two copies of one event in the same batch: the first is the recorded one.
        item.resolve(inserted.delete(item.record.eventKey) ? 'recorded' : 'duplicate');
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
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
      return new Promise<RecordOutcome>((resolve, reject) => {
        waiting.push({ record, receivedAt: deps.now(), resolve, reject });
        if (writers < maxWriters) void drain();
      });
    },
  };
}

export type InboundRecorder = ReturnType<typeof createInboundRecorder>;
