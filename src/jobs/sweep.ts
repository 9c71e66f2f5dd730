import type { Database } from '../db/database.js';
import { dueRecipients } from '../notify/dispatch-notifications.js';
import type { Logger } from '../observability/logger.js';
import type { ZaloTokenStore } from '../zalo/token-store.js';
import type { Queues } from './queues.js';

const batchSize = 500;

/**
 * Redis carries only work that Postgres can give again. The sweep re-enqueues events
 * and messages still pending after `minAgeMs` (their job was lost: Redis restarted, or
 * the enqueue after commit failed), and keeps the token pair fresh when traffic is low.
 * Deterministic job ids make a re-enqueue of a job still queued a no-op.
 */
export async function sweepPendingWork(deps: { db: Database; queues: Queues; tokens: ZaloTokenStore; logger: Logger; now: () => Date; minAgeMs: number; notifications: boolean }) {
  const before = new Date(deps.now().getTime() - deps.minAgeMs);
  const events = await deps.db.inboundEvent.findMany({
    where: { status: 'pending', receivedAt: { lt: before } },
    orderBy: { id: 'asc' },
    take: batchSize,
    select: { id: true },
  });
  await deps.queues.enqueueInboundEvents(events.map((e) => e.id));

  const messages = await deps.db.outboundMessage.findMany({
    where: { status: { in: ['pending', 'sending'] }, createdAt: { lt: before } },
    orderBy: { id: 'asc' },
    take: batchSize,
    select: { id: true },
  });
  await deps.queues.enqueueOutboundMessages(messages.map((m) => m.id));

  const documents = await deps.db.dossierDocument.findMany({
    where: { status: 'downloading', createdAt: { lt: before } },
    orderBy: { id: 'asc' },
    take: batchSize,
    select: { id: true },
  });
  await deps.queues.enqueueDocumentIntake(documents.map((d) => d.id));

  // Notifications whose time has come: one job per person. This is also how a job Redis
  // lost comes back: the rows stay planned until a job sends them.
  const due = deps.notifications ? await dueRecipients(deps.db, deps.now()) : [];
  await deps.queues.enqueueNotificationDispatch(due);

  let tokenRefreshed = false;
  try {
    tokenRefreshed = await deps.tokens.refreshIfDue();
  } catch (error) {
    deps.logger.error({ err: error }, 'scheduled token refresh failed');
  }
  if (events.length > 0 || messages.length > 0 || documents.length > 0) {
    deps.logger.info({ inbound: events.length, outbound: messages.length, documents: documents.length }, 'sweep re-enqueued pending work');
  }
  return { inbound: events.length, outbound: messages.length, documents: documents.length, notifications: due.length, tokenRefreshed };
}
