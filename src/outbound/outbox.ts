import type { Logger } from '../observability/logger.js';
import type { Transaction } from '../db/database.js';
import { Prisma } from '../db/generated/client.js';
import { outgoingChannel, type OutgoingMessage } from './outgoing-message.js';

export interface OutboxEntry {
  /** Unique for the cause: the same turn retried writes the same keys, so nothing twice. */
  idempotencyKey: string;
  recipient: string;
  message: OutgoingMessage;
  causeEventId?: bigint;
}

/**
 * Writes messages to the outbox inside the caller's transaction. Returns the ids of the
 * rows this call created (none for keys already present) for the caller to enqueue after
 * commit; rows whose enqueue is lost are found again by the sweep.
 */
export async function addToOutbox(tx: Transaction, entries: OutboxEntry[], now: Date): Promise<bigint[]> {
  if (entries.length === 0) return [];
  const rows = await tx.$queryRaw<{ id: bigint }[]>(outboxInsert(entries, now));
  return rows.map((row) => row.id);
}

/**
 * The statement that writes `entries` (non-empty) and returns the new rows' ids: one for
 * any number of rows, as raw SQL, since every conversation turn writes here and the
 * client's bulk insert costs several times the statement itself. A turn runs it inside
 * its own combined statement.
 */
export function outboxInsert(entries: OutboxEntry[], now: Date): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO outbound_message (idempotency_key, recipient, channel, payload, cause_event_id, created_at)
    SELECT entry.key, entry.recipient, entry.channel::"OutboundChannel", entry.payload::jsonb, entry.cause::bigint, ${now}
    FROM unnest(${entries.map((e) => e.idempotencyKey)}::text[], ${entries.map((e) => e.recipient)}::text[], ${entries.map((e) => outgoingChannel(e.message))}::text[],
                ${entries.map((e) => JSON.stringify(e.message))}::text[], ${entries.map((e) => (e.causeEventId === undefined ? null : String(e.causeEventId)))}::text[])
         WITH ORDINALITY AS entry(key, recipient, channel, payload, cause, position)
    ORDER BY entry.position
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id`;
}

/**
 * Enqueues rows after their transaction committed: outbox rows, or (`what`) other work
 * recorded in Postgres. If Redis is away the rows stay pending and the sweep enqueues them
 * later, so a failure here is only logged.
 */
export async function enqueueCommitted(enqueue: (ids: bigint[]) => Promise<void>, ids: bigint[], log: Pick<Logger, 'warn'>, what = 'outbound'): Promise<void> {
  if (ids.length === 0) return;
  await enqueue(ids).catch((error: unknown) => log.warn({ err: error }, `${what} enqueue deferred to the sweep`));
}
