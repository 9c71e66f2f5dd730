import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { z } from 'zod';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { enqueueCommitted } from '../outbound/outbox.js';
import type { queueNames } from './queues.js';

/** One kind of job: its queue, its payload's shape, and the work it does. */
export interface JobKind<P> {
  queue: (typeof queueNames)[keyof typeof queueNames];
  payload: z.ZodType<P>;
  concurrency: number;
  /** false: the queue is served by another process (this one lacks what the work needs). */
  autorun?: boolean;
  /**
   * Does the work. Outbox rows it committed are returned, not enqueued: the registration
   * enqueues them after it, and if Redis is away the sweep finds them.
   */
  process(payload: P, job: Job, token: string | undefined): Promise<readonly bigint[] | void>;
  /** Called once the last attempt has failed, to record it where people will see it. */
  gaveUp?(payload: P, error: Error, attemptsMade: number): Promise<void>;
}

export interface WorkerContext {
  connection: ConnectionOptions;
  prefix: string;
  lockMs: number;
  logger: Logger;
  metrics: Metrics;
  enqueueOutbound: (ids: bigint[]) => Promise<void>;
}

/**
 * The one way a queue is served: the payload parsed (a malformed one fails for good), the
 * work done, its outbox rows enqueued after commit, each outcome counted and every failure
 * logged with its job. A queue's particulars live in its `JobKind`.
 */
export function registerWorker<P>(kind: JobKind<P>, context: WorkerContext): Worker {
  const { logger, metrics } = context;
  const worker = new Worker(
    kind.queue,
    async (job, token) => {
      const parsed = kind.payload.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`job ${job.id} has an invalid payload`);
      const outboxIds = await kind.process(parsed.data, job, token);
      await enqueueCommitted(context.enqueueOutbound, [...(outboxIds ?? [])], logger);
    },
    {
      connection: context.connection,
      prefix: context.prefix,
      lockDuration: context.lockMs,
      stalledInterval: Math.max(1000, Math.floor(context.lockMs / 2)),
      concurrency: kind.concurrency,
      autorun: kind.autorun ?? true,
    },
  );
  worker.on('completed', () => metrics.jobsFinished.inc({ queue: kind.queue, result: 'completed' }));
  worker.on('error', (error) => logger.error({ err: error, worker: kind.queue }, 'worker error'));
  worker.on('failed', (job, error) => {
    logger.warn({ worker: kind.queue, jobId: job?.id, attemptsMade: job?.attemptsMade, err: error }, 'job attempt failed');
    const last = job !== undefined && (error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1));
    metrics.jobsFinished.inc({ queue: kind.queue, result: last ? 'gave_up' : 'retry' });
    if (!last || !kind.gaveUp) return;
    const parsed = kind.payload.safeParse(job.data);
    if (!parsed.success) return;
    kind.gaveUp(parsed.data, error, job.attemptsMade).catch((err: unknown) => logger.error({ err, worker: kind.queue, jobId: job.id }, 'could not record a job that gave up'));
  });
  return worker;
}
