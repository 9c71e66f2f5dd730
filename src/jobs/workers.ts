import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { ProcessClock } from '../calendar/clock.js';
import type { Logger } from '../observability/logger.js';
import { handleInboundEvent, type InboundDeps } from '../conversation/handle-inbound-event.js';
import { abandonOutboundMessage, deliverOutboundMessage, DeliveryDeferredError, type OutboundDeps } from '../outbound/deliver-outbound.js';
import { intakeDocument, type IntakeDeps } from '../dossier/intake-document.js';
import { dispatchNotifications, type DispatchDeps } from '../notify/dispatch-notifications.js';
import { planNotifications, type PlanDeps } from '../notify/plan-notifications.js';
import { documentJobSchema, inboundJobSchema, notificationJobSchema, outboundJobSchema, queueNames, type Queues } from './queues.js';
import { sweepPendingWork } from './sweep.js';
import type { ZaloTokenStore } from '../zalo/token-store.js';

export interface WorkerSettings {
  connection: ConnectionOptions;
  prefix: string;
  inboundConcurrency: number;
  outboundConcurrency: number;
  lockMs: number;
  sweepIntervalMs: number;
  sweepMinAgeMs: number;
  /** for BullMQ delays and the sweep watchdog, which BullMQ and Redis measure on the process clock */
  processClock: ProcessClock;
}

export interface Workers {
  /** Stops taking jobs and waits for the ones in flight. */
  close(): Promise<void>;
}

/**
 * Whether reminders should be planned now: every `intervalMs` by the service's clock, the
 * last run kept in Redis so that every worker process shares it. The sweep is one
 * repeatable job, so one process plans at a time.
 */
function planningDue(lastRun: string | null, now: Date, intervalMs: number): boolean {
  const last = Number(lastRun ?? Number.NaN);
  return !Number.isFinite(last) || now.getTime() - last >= intervalMs || now.getTime() < last;
}

function parsePayload<T>(schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } }, job: Job): T {
  const parsed = schema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`job ${job.id} has an invalid payload`);
  return parsed.data;
}

export async function startWorkers(deps: {
  settings: WorkerSettings;
  queues: Queues;
  inbound: InboundDeps;
  outbound: OutboundDeps;
  intake: IntakeDeps;
  /** Distributes meetings coming due and sends deadline summaries; returns outbox ids. */
  meetingSchedule?: () => Promise<bigint[]>;
  /** Reminders: planned by the sweep from the state of the data every `planIntervalMs`, sent per person when due. */
  notify?: { dispatch: DispatchDeps; plan: PlanDeps; planIntervalMs: number };
  tokens: ZaloTokenStore;
  logger: Logger;
}): Promise<Workers> {
  const { settings, queues, logger } = deps;
  const common = { connection: settings.connection, prefix: settings.prefix, lockDuration: settings.lockMs, stalledInterval: Math.max(1000, Math.floor(settings.lockMs / 2)) };

  const inbound = new Worker(
    queueNames.inbound,
    async (job) => {
      const { eventId } = parsePayload(inboundJobSchema, job);
      await handleInboundEvent(deps.inbound, BigInt(eventId), queues.enqueueOutboundMessages);
    },
    { ...common, concurrency: settings.inboundConcurrency },
  );

  const outbound = new Worker(
    queueNames.outbound,
    async (job, token) => {
      const { messageId } = parsePayload(outboundJobSchema, job);
      try {
        await deliverOutboundMessage(deps.outbound, BigInt(messageId));
      } catch (error) {
        if (error instanceof DeliveryDeferredError && token) {
          // Another job is sending to this person, or an interrupted send is settling:
          // wait without using an attempt.
          await job.moveToDelayed(settings.processClock() + error.delayMs + Math.floor(Math.random() * 200), token);
          throw new DelayedError();
        }
        throw error;
      }
    },
    { ...common, concurrency: settings.outboundConcurrency },
  );
  outbound.on('failed', (job, error) => {
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    const parsed = outboundJobSchema.safeParse(job.data);
    if (!parsed.success) return;
    abandonOutboundMessage(deps.outbound, BigInt(parsed.data.messageId), `gave up after ${job.attemptsMade} attempts: ${error.message}`).catch((err: unknown) =>
      logger.error({ err, messageId: parsed.data.messageId }, 'could not record an abandoned message'),
    );
  });

  const documents = new Worker(
    queueNames.documents,
    async (job) => {
      const { documentId } = parsePayload(documentJobSchema, job);
      const outboundIds = await intakeDocument(deps.intake, BigInt(documentId));
      await queues.enqueueOutboundMessages(outboundIds).catch((error: unknown) => logger.warn({ err: error }, 'outbound enqueue deferred to the sweep'));
    },
    // Downloads wait on the network, not the CPU: a few at once.
    { ...common, concurrency: 4 },
  );

  const notify = deps.notify;
  const notifications = new Worker(
    queueNames.notifications,
    async (job) => {
      if (!notify) throw new UnrecoverableError('this worker does not send notifications');
      const { recipientKind, recipientId } = parsePayload(notificationJobSchema, job);
      const outboxIds = await dispatchNotifications(notify.dispatch, { kind: recipientKind, id: BigInt(recipientId) });
      await queues.enqueueOutboundMessages(outboxIds).catch((error: unknown) => logger.warn({ err: error }, 'outbound enqueue deferred to the sweep'));
    },
    { ...common, concurrency: 2, autorun: notify !== undefined },
  );

  const lastSweepKey = `${settings.prefix}:sweep:last-run`;
  const maintenance = new Worker(
    queueNames.maintenance,
    async (job) => {
      // On the process clock, like the scheduler itself: the watchdog below reads it.
      await (await queues.maintenance.client).set(lastSweepKey, String(settings.processClock()));
      const swept = await sweepPendingWork({
        db: deps.inbound.db,
        queues,
        tokens: deps.tokens,
        logger,
        now: deps.inbound.now,
        minAgeMs: settings.sweepMinAgeMs,
        notifications: notify !== undefined,
      });
      if (notify) {
        const redis = await queues.maintenance.client;
        const key = `${settings.prefix}:notify:planned-at`;
        const at = notify.plan.now();
        if (planningDue(await redis.get(key), at, notify.planIntervalMs)) {
          // Recorded once done: a failed run is tried again by the next sweep.
          await planNotifications(notify.plan).then(
            () => redis.set(key, String(at.getTime())),
            (error: unknown) => logger.error({ err: error }, 'planning notifications failed; the next sweep tries again'),
          );
        }
      }
      if (deps.meetingSchedule) {
        const outboxIds = await deps.meetingSchedule().catch((error: unknown) => {
          logger.error({ err: error }, 'meeting distribution failed; the next sweep tries again');
          return [];
        });
        await queues.enqueueOutboundMessages(outboxIds).catch((error: unknown) => logger.warn({ err: error }, 'outbound enqueue deferred to the sweep'));
      }
      return swept;
    },
    { ...common, concurrency: 1 },
  );
  const scheduleSweep = () => queues.maintenance.upsertJobScheduler('sweep', { every: settings.sweepIntervalMs }, { name: 'sweep' });
  await scheduleSweep();
  // Redis may come back empty (a restart without persistence, a failover, a flush): the
  // scheduler is then gone with everything else, and so would be the sweep that re-queues
  // recorded work. Every interval, a sweep that has not run for three intervals (or whose
  // trace is gone) is scheduled again; a healthy scheduler is left alone.
  const watchdog = setInterval(() => {
    void (async () => {
      const last = Number(await (await queues.maintenance.client).get(lastSweepKey));
      if (Number.isFinite(last) && last > 0 && settings.processClock() - last < settings.sweepIntervalMs * 3) return;
      await scheduleSweep();
      logger.warn('the sweep had stopped (Redis lost its schedule?): scheduled again');
    })().catch((error: unknown) => logger.debug({ err: error }, 'sweep watchdog could not reach Redis'));
  }, settings.sweepIntervalMs);
  watchdog.unref();

  for (const [name, worker] of Object.entries({ inbound, outbound, documents, notifications, maintenance })) {
    worker.on('error', (error) => logger.error({ err: error, worker: name }, 'worker error'));
    worker.on('failed', (job, error) => logger.warn({ worker: name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: error }, 'job attempt failed'));
  }

  return {
    async close() {
      clearInterval(watchdog);
      await Promise.all([inbound.close(), outbound.close(), documents.close(), notifications.close(), maintenance.close()]);
    },
  };
}
