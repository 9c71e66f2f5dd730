import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { createQueues, createRedisConnection } from '../../src/jobs/queues.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { createZaloSim, type ZaloSimServer } from '../../tools/zalo-sim/zalo-sim.js';
import { configForSim, simCredentials } from '../helpers/bot-with-sim.js';
import { resetDatabase, testConfig, testDatabaseUrl, uniqueId } from '../helpers/test-env.js';
import { waitFor } from '../helpers/wait-for.js';

// Redis restarted without its data: queued jobs are gone, Postgres still has the work.

const sim = createZaloSim({ ...simCredentials, initialTokens: { accessToken: 'sim-access-0', refreshToken: 'sim-refresh-0' } });
const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 2 });
const running: RunningBot[] = [];
let simServer: ZaloSimServer;

beforeAll(async () => {
  simServer = await sim.listen();
  await resetDatabase(db);
});

afterAll(async () => {
  for (const bot of running) await bot.close();
  await simServer.close();
  await db.$disconnect();
});

describe('Redis losing its queues', () => {
  it('the sweep enqueues recorded events again and the user still gets one reply', async () => {
    const settings = configForSim(simServer.url, { SWEEP_MIN_AGE_MS: '300', SWEEP_INTERVAL_MS: '500' });
    const webConfig = testConfig({ ...settings, ROLE: 'web' });
    const web = await startBot(webConfig);
    running.push(web);
    sim.setWebhookUrl(`${web.url}/webhooks/zalo`);
    const userId = uniqueId('lost');
    expect((await sim.userSendText(userId, 'Redis vừa khởi động lại')).status).toBe(200);

    // Every job the webhook queued is lost, as after a restart of a Redis without persistence.
    const redis = createRedisConnection(webConfig.redisUrl, 'producer');
    const queues = createQueues({ connection: redis, prefix: webConfig.queuePrefix, outboundBackoffMs: 50, outboundMaxAttempts: 3 });
    expect(await queues.inbound.count()).toBe(1);
    await queues.inbound.obliterate({ force: true });
    expect(await queues.inbound.count()).toBe(0);
    await queues.close();
    redis.disconnect();
    expect(await db.inboundEvent.findFirstOrThrow({ where: { userId } })).toMatchObject({ status: 'pending' });

    const worker = await startBot(testConfig({ ...settings, ROLE: 'worker', QUEUE_PREFIX: webConfig.queuePrefix }));
    running.push(worker);
    await waitFor('the reply', () => sim.getSent({ userId, channel: 'cs' }).length >= 1 || undefined, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1200)); // two more sweeps
    expect(sim.getSent({ userId, channel: 'cs' })).toHaveLength(1);
    expect(await db.inboundEvent.findFirstOrThrow({ where: { userId } })).toMatchObject({ status: 'processed' });
  });
  it('a worker whose Redis came back empty schedules its sweep again by itself', async () => {
    // Alone: another worker's sweep would pick the event up for it.
    for (const other of running.splice(0)) await other.close();
    const settings = configForSim(simServer.url, { SWEEP_MIN_AGE_MS: '300', SWEEP_INTERVAL_MS: '500' });
    const config = testConfig({ ...settings, ROLE: 'all' });
    const bot = await startBot(config);
    running.push(bot);
    const prefix = config.queuePrefix;
    const redis = createRedisConnection(config.redisUrl, 'producer');
    try {
      await waitFor('the sweep scheduler', async () => (await redis.keys(`${prefix}:maintenance:repeat:*`)).length > 0 || (await redis.exists(`${prefix}:sweep:last-run`)) === 1 || undefined, 10_000);
      // Everything of this deployment in Redis is gone, the schedule included, while the worker runs.
      const wipe = async () => {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      };
      await wipe();
      // A message recorded while its job is lost: only the sweep can bring it back.
      const userId = uniqueId('empty');
      await sim.userFollow(userId);
      const event = await db.inboundEvent.create({
        data: { eventKey: `msg:${uniqueId('m')}`, eventName: 'user_send_text', userId, zaloTimestamp: new Date(), receivedAt: new Date(), payload: { app_id: simCredentials.appId, event_name: 'user_send_text', timestamp: String(Date.now()), sender: { id: userId }, recipient: { id: 'oa' }, message: { msg_id: uniqueId('m'), text: 'menu' } } },
      });
      await wipe();
      await waitFor('the event to be handled', async () => (await db.inboundEvent.findUniqueOrThrow({ where: { id: event.id } })).status === 'processed' || undefined, 15_000);
    } finally {
      redis.disconnect();
    }
  });
});
