import { Queue, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';

// The only place that knows queue names. Payloads carry ids, never text or tokens:
// Redis keeps them in clear.

export const queueNames = { inbound: 'inbound', outbound: 'outbound', documents: 'documents', notifications: 'notifications', maintenance: 'maintenance' } as const;

/** Attempts at one inbound event before it is marked failed and the user gets an apology. */
export const inboundMaxAttempts = 5;

export const inboundJobSchema = z.object({ eventId: z.string().regex(/^\d+$/) });
export const outboundJobSchema = z.object({ messageId: z.string().regex(/^\d+$/) });
export const documentJobSchema = z.object({ documentId: z.string().regex(/^\d+$/) });
export const notificationJobSchema = z.object({ recipientKind: z.enum(['producer', 'official', 'council_person', 'certified_producer']), recipientId: z.string().regex(/^\d+$/) });

/** One person with notifications due, and the earliest: their job's id is derived from both. */
export interface DueRecipient {
  ref: { kind: z.infer<typeof notificationJobSchema>['recipientKind']; id: bigint };
  firstDue: Date;
}

export interface Queues {
  inbound: Queue;
  outbound: Queue;
  documents: Queue;
  notifications: Queue;
  maintenance: Queue;
  enqueueInboundEvents(eventIds: bigint[]): Promise<void>;
  enqueueOutboundMessages(ids: bigint[]): Promise<void>;
  enqueueDocumentIntake(documentIds: bigint[]): Promise<void>;
  enqueueNotificationDispatch(due: DueRecipient[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Workers block on Redis and must wait through a restart; producers (the webhook, the
 * token lock, the rate limiter) give up after a short while so a caller is never stuck.
 */
export function createRedisConnection(url: string, role: 'producer' | 'worker'): Redis {
  return role === 'worker'
    ? new Redis(url, { maxRetriesPerRequest: null, connectTimeout: 2000 })
    : new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 3000, connectTimeout: 2000 });
}

export function createQueues(options: { connection: ConnectionOptions; prefix: string; outboundBackoffMs: number; outboundMaxAttempts: number }): Queues {
  const common = { connection: options.connection, prefix: options.prefix };
  const inbound = new Queue(queueNames.inbound, {
    ...common,
    defaultJobOptions: {
      attempts: inboundMaxAttempts,
      backoff: { type: 'exponential', delay: 1000 },
      // Postgres keeps the record of every event; a finished or failed job is not needed,
      // and removing it lets the sweep enqueue the same id again.
      removeOnComplete: true,
      removeOnFail: true,
    },
  });
  const outbound = new Queue(queueNames.outbound, {
    ...common,
    defaultJobOptions: {
      attempts: options.outboundMaxAttempts,
      backoff: { type: 'exponential', delay: options.outboundBackoffMs },
      removeOnComplete: true,
      removeOnFail: true,
    },
  });
  // Downloads of producers' files: retried a few times (Zalo's CDN may hiccup), then the
  // document stays "downloading" for the sweep.
  const documents = new Queue(queueNames.documents, {
    ...common,
    defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: true },
  });
  // One job per person with something due: it sends everything due for them as one message.
  const notifications = new Queue(queueNames.notifications, {
    ...common,
    defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: true },
  });
  const maintenance = new Queue(queueNames.maintenance, { ...common, defaultJobOptions: { removeOnComplete: true, removeOnFail: 100 } });

  return {
    inbound,
    outbound,
    documents,
    notifications,
    maintenance,
    async enqueueInboundEvents(eventIds) {
      if (eventIds.length === 0) return;
      await inbound.addBulk(eventIds.map((id) => ({ name: 'inbound-event', data: { eventId: String(id) }, opts: { jobId: `in-${id}` } })));
    },
    async enqueueOutboundMessages(ids) {
      if (ids.length === 0) return;
      await outbound.addBulk(ids.map((id) => ({ name: 'outbound-message', data: { messageId: String(id) }, opts: { jobId: `out-${id}` } })));
    },
    async enqueueDocumentIntake(ids) {
      if (ids.length === 0) return;
      await documents.addBulk(ids.map((id) => ({ name: 'document-intake', data: { documentId: String(id) }, opts: { jobId: `doc-${id}` } })));
    },
    async enqueueNotificationDispatch(due) {
      if (due.length === 0) return;
      await notifications.addBulk(
        due.map(({ ref, firstDue }) => ({
          name: 'notification-dispatch',
          data: { recipientKind: ref.kind, recipientId: String(ref.id) },
          // The same person and the same due time: the same job, however often it is scheduled.
          opts: { jobId: `notify-${ref.kind}-${ref.id}-${firstDue.getTime()}` },
        })),
      );
    },
    async close() {
      await Promise.all([inbound.close(), outbound.close(), documents.close(), notifications.close(), maintenance.close()]);
    },
  };
}
