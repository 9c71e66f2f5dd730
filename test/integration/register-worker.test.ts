import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { registerWorker, type JobKind, type WorkerContext } from '../../src/jobs/register-worker.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { capturedLogger } from '../helpers/zalo-harness.js';
import { testConfig } from '../helpers/test-env.js';
import { waitFor } from '../helpers/wait-for.js';

const config = testConfig();
const connection = createRedisConnection(config.redisUrl, 'worker');
const queue = new Queue('documents', { connection, prefix: config.queuePrefix });
const closers: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const close of closers) await close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
});

function context(enqueueOutbound: WorkerContext['enqueueOutbound']) {
  const { logger, lines } = capturedLogger('warn');
  const metrics = createMetrics();
  const count = async (result: string) => ((await metrics.jobsFinished.get()).values.find((v) => v.labels.result === result)?.value ?? 0);
  return { context: { connection, prefix: config.queuePrefix, lockMs: 5000, logger, metrics, enqueueOutbound }, lines, count };
}

describe('registerWorker', () => {
  it('parses the payload, does the work, then enqueues the outbox rows it returns, and counts the job', async () => {
    const enqueued: bigint[][] = [];
    const { context: ctx, count } = context(async (ids) => {
      enqueued.push(ids);
    });
    const seen: string[] = [];
    const kind: JobKind<{ documentId: string }> = {
      queue: 'documents',
      payload: z.object({ documentId: z.string().regex(/^\d+$/) }),
      concurrency: 1,
      process: async ({ documentId }) => {
        seen.push(documentId);
        return [7n, 8n];
      },
    };
    const worker = registerWorker(kind, ctx);
    closers.push(() => worker.close());
    await queue.add('document-intake', { documentId: '41' }, { jobId: 'doc-41' });
    await waitFor('the job to complete', async () => ((await count('completed')) === 1 ? true : undefined));
    expect(seen).toEqual(['41']);
    expect(enqueued).toEqual([[7n, 8n]]);
    await worker.close();
  });

  it('fails a malformed payload for good without running the work, and records the give-up once', async () => {
    const { context: ctx, count } = context(async () => undefined);
    let ran = 0;
    let gaveUp = 0;
    const kind: JobKind<{ documentId: string }> = {
      queue: 'documents',
      payload: z.object({ documentId: z.string().regex(/^\d+$/) }),
      concurrency: 1,
      process: async () => {
        ran += 1;
      },
      gaveUp: async () => {
        gaveUp += 1;
      },
    };
    const worker = registerWorker(kind, ctx);
    closers.push(() => worker.close());
    await queue.add('document-intake', { documentId: 'not a number' }, { jobId: 'doc-bad', attempts: 5 });
    await waitFor('the job to fail', async () => ((await count('gave_up')) === 1 ? true : undefined));
    expect(ran).toBe(0);
    expect(await count('retry')).toBe(0);
    // A payload that cannot be read gives the give-up hook nothing to record.
    expect(gaveUp).toBe(0);
    await worker.close();
  });

  it('keeps a job done when Redis refuses the enqueue after it: the sweep finds the rows', async () => {
    const { context: ctx, count, lines } = context(async () => {
      throw new Error('Redis is away');
    });
    const kind: JobKind<{ documentId: string }> = { queue: 'documents', payload: z.object({ documentId: z.string() }), concurrency: 1, process: async () => [9n] };
    const worker = registerWorker(kind, ctx);
    closers.push(() => worker.close());
    await queue.add('document-intake', { documentId: '43' }, { jobId: 'doc-43' });
    await waitFor('the job to complete', async () => ((await count('completed')) === 1 ? true : undefined));
    expect(lines.join('')).toContain('outbound enqueue deferred to the sweep');
    await worker.close();
  });
});
