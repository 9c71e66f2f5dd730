import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { AppDeps } from '../../src/http/app.js';
import type { Config } from '../../src/config/config.js';

/** Serves `app` on a free loopback port. */
export async function listenOnFreePort(app: Express): Promise<{ server: Server; base: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the app did not get a port');
  return { server, base: `http://127.0.0.1:${address.port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * The webhook settings of a test's config. Real time: the fixtures stamp events with the
 * process clock, as Zalo stamps them, and the age window compares the two; nothing here
 * depends on the date itself.
 */
export function testWebhook(config: Config, enqueueInboundEvents: (ids: bigint[]) => Promise<void>): AppDeps['webhook'] {
  return { appId: config.zalo.appId, secret: config.zalo.webhookSecret, maxAgeSeconds: config.webhook.maxAgeSeconds, maxFutureSkewSeconds: 300, enqueueInboundEvents, now: () => new Date() };
}
