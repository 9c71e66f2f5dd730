import { DelayedError, UnrecoverableError, type ConnectionOptions } from 'bullmq';
import { z } from 'zod';
import type { ProcessClock } from '../calendar/clock.js';
import type { Logger } from '../observability/logger.js';
import { handleInboundEvent, type InboundDeps } from '../conversation/handle-inbound-event.js';
import { abandonOutboundMessage, deliverOutboundMessage, DeliveryDeferredError, type OutboundDeps } from '../outbound/deliver-outbound.js';
import { intakeDocument, type IntakeDeps } from '../dossier/intake-document.js';
import { dispatchNotifications, type DispatchDeps } from '../notify/dispatch-notifications.js';
import { planNotifications, type PlanDeps } from '../notify/plan-notifications.js';
import { documentJobSchema, inboundJobSchema, notificationJobSchema, outboundJobSchema, queueNames, type Queues } from './queues.js';
import { registerWorker, type JobKind } from './register-worker.js';
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
  const context = { connection: settings.connection, prefix: settings.prefix, lockMs: settings.lockMs, logger, metrics: deps.inbound.metrics, enqueueOutbound: queues.enqueueOutboundMessages };
  const notify = deps.notify;
  const lastSweepKey = `${settings.prefix}:sweep:last-run`;

  const kinds = {
    inbound: {
      queue: queueNames.inbound,
      payload: inboundJobSchema,
      concurrency: settings.inboundConcurrency,
      // A turn enqueues its own replies: one job may apply several of the person's events.
      process: ({ eventId }) => handleInboundEvent(deps.inbound, BigInt(eventId), queues.enqueueOutboundMessages),
    } satisfies JobKind<z.infer<typeof inboundJobSchema>>,
    outbound: {
      queue: queueNames.outbound,
      payload: outboundJobSchema,
      concurrency: settings.outboundConcurrency,
      async process({ messageId }, job, token) {
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
      gaveUp: ({ messageId }, error, attemptsMade) => abandonOutboundMessage(deps.outbound, BigInt(messageId), `gave up after ${attemptsMade} attempts: ${error.message}`),
    } satisfies JobKind<z.infer<typeof outboundJobSchema>>,
    documents: {
      queue: queueNames.documents,
      payload: documentJobSchema,
      // Downloads wait on the network, not the CPU: a few at once.
      concurrency: 4,
      process: ({ documentId }) => intakeDocument(deps.intake, BigInt(documentId)),
    } satisfies JobKind<z.infer<typeof documentJobSchema>>,
    notifications: {
      queue: queueNames.notifications,
      payload: notificationJobSchema,
      concurrency: 2,
      autorun: notify !== undefined,
      process({ recipientKind, recipientId }) {
        if (!notify) throw new UnrecoverableError('this worker does not send notifications');
        return dispatchNotifications(notify.dispatch, { kind: recipientKind, id: BigInt(recipientId) });
      },
    } satisfies JobKind<z.infer<typeof notificationJobSchema>>,
    maintenance: {
      queue: queueNames.maintenance,
      payload: z.unknown(),
      concurrency: 1,
      async process() {
        // On the process clock, like the scheduler itself: the watchdog below reads it.
        await (await queues.maintenance.client).set(lastSweepKey, String(settings.processClock()));
        await sweepPendingWork({
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
        if (!deps.meetingSchedule) return [];
        return deps.meetingSchedule().catch((error: unknown) => {
          logger.error({ err: error }, 'meeting distribution failed; the next sweep tries again');
          return [];
        });
      },
    } satisfies JobKind<unknown>,
  };
  const workers = [registerWorker(kinds.inbound, context), registerWorker(kinds.outbound, context), registerWorker(kinds.documents, context), registerWorker(kinds.notifications, context), registerWorker(kinds.maintenance, context)];
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

  return {
    async close() {
      clearInterval(watchdog);
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
