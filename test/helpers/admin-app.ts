import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { createApp, type AppDeps } from '../../src/http/app.js';
import type { Database } from '../../src/db/database.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { capturedLogger } from './zalo-harness.js';

/** The bot's web app on a free port, with the admin API (and packet links) it is given. */
export async function startAdminApp(options: { db: Database; redis: Redis; now: () => Date; admin: AppDeps['admin']; packetLinks?: AppDeps['packetLinks'] }) {
  const app = createApp({
    db: options.db,
    redis: options.redis,
    logger: capturedLogger().logger,
    metrics: createMetrics(),
    webhook: { appId: 'test-app', secret: 'unused', maxAgeSeconds: 10_800, maxFutureSkewSeconds: 300, enqueueInboundEvents: async () => undefined, now: () => options.now().getTime() },
    admin: options.admin,
    ...(options.packetLinks ? { packetLinks: options.packetLinks } : {}),
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the app did not get a port');
  return { base: `http://127.0.0.1:${address.port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
