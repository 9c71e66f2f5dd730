import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { createQueues, createRedisConnection } from '../../src/jobs/queues.js';
import { sweepPendingWork } from '../../src/jobs/sweep.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { planNotifications } from '../../src/notify/plan-notifications.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createZaloTokenStore } from '../../src/zalo/token-store.js';
import { createZaloTokenRefresher } from '../../src/zalo/zalo-client.js';
import { createZaloSim, type ZaloSimServer } from '../../tools/zalo-sim/zalo-sim.js';
import { configForSim, simCredentials } from '../helpers/bot-with-sim.js';
import { loadProjectConversation, translate } from '../helpers/conversation-harness.js';
import { linkedUser, makeIdea, makeProducer } from '../helpers/notify-fixtures.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig, testDatabaseUrl } from '../helpers/test-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { capturedLogger } from '../helpers/zalo-harness.js';

// Redis loses every queued reminder half-way; the rows in Postgres stay planned, so the
// next sweep schedules the same jobs again, and each person gets each reminder once.

const vn = (local: string) => new Date(`${local}:00+07:00`);
const clock = { now: vn('2026-12-03T10:00') };
const sim = createZaloSim({ ...simCredentials, initialTokens: { accessToken: 'sim-access-0', refreshToken: 'sim-refresh-0' } });
const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 2 });
const running: RunningBot[] = [];
const producers = ['lost-1', 'lost-2', 'lost-3'];
let simServer: ZaloSimServer;

beforeAll(async () => {
  simServer = await sim.listen();
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
});

afterAll(async () => {
  for (const bot of running) await bot.close();
  await simServer.close();
  await db.$disconnect();
});

describe('Redis losing the reminder jobs', () => {
  it('the sweep schedules every pending reminder again under the same job id; each is sent once', async () => {
    const settings = configForSim(simServer.url, { SWEEP_INTERVAL_MS: '200' });
    // A web process only: nothing sweeps or sends until the test says so.
    const webConfig = testConfig({ ...settings, ROLE: 'web' });
    running.push(await startBot(webConfig, { now: () => clock.now }));
    for (const userId of producers) {
      // Followers in the stand-in (no webhook: this test is not about their greeting).
      await sim.userFollow(userId);
      const producer = await makeProducer(db, userId);
      await makeIdea(db, producer.id, clock.now);
      await makeIdea(db, producer.id, clock.now);
    }
    const worker = testConfig({ ...settings, ROLE: 'worker', QUEUE_PREFIX: webConfig.queuePrefix });
    const conversation = await loadProjectConversation(db);
    const timing = { calendar: conversation.calendar, quietStart: '21:00', quietEnd: '07:00', routineTime: '08:00' };
    await planNotifications({ db, now: () => clock.now, timing, rules: conversation.notifyRules, ruleSets: conversation.setup.ruleSets, checklists: conversation.setup.checklists, settingsFor: conversation.provinceSettings, translate, logger: capturedLogger().logger });
    expect(await db.notification.count({ where: { state: 'planned' } })).toBe(6);

    // Tuesday 8 December, 08:00: all six are due. The sweep makes one job per person.
    clock.now = vn('2026-12-08T08:00');
    for (const userId of producers) await linkedUser(db, userId, vn('2026-12-07T20:00'));
    const redis = createRedisConnection(webConfig.redisUrl, 'producer');
    const queues = createQueues({ connection: redis, prefix: webConfig.queuePrefix, outboundBackoffMs: 50, outboundMaxAttempts: 3 });
    const logger = capturedLogger().logger;
    const tokens = createZaloTokenStore({
      db,
      redis,
      keyPrefix: webConfig.queuePrefix,
      refreshTokens: createZaloTokenRefresher({ oauthUrl: simServer.url, appId: simCredentials.appId, appSecret: simCredentials.appSecret, timeoutMs: 2000 }),
      httpTimeoutMs: 2000,
      refreshMarginSeconds: 3600,
      logger,
      metrics: createMetrics(),
      now: () => clock.now,
    });
    const sweep = () => sweepPendingWork({ db, queues, tokens, logger, now: () => clock.now, minAgeMs: 10_000, notifications: true });
    expect(await sweep()).toMatchObject({ notifications: 3 });
    const jobIds = (await queues.notifications.getWaiting()).map((job) => job.id).sort();
    expect(jobIds).toHaveLength(3);
    expect(await sweep()).toMatchObject({ notifications: 3 });
    expect(await queues.notifications.count()).toBe(3); // the same ids: scheduled twice, queued once

    // Every key of this deployment's queues is gone, as after a restart without persistence.
    const keys = await redis.keys(`${webConfig.queuePrefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    expect(await queues.notifications.count()).toBe(0);
    expect(await db.notification.count({ where: { state: 'planned' } })).toBe(6);

    await sweep();
    expect((await queues.notifications.getWaiting()).map((job) => job.id).sort()).toEqual(jobIds);
    await queues.close();
    redis.disconnect();

    running.push(await startBot(worker, { now: () => clock.now }));
    await waitFor('every reminder sent', async () => (await db.notification.count({ where: { state: 'sent' } })) === 6 && (await db.outboundMessage.count({ where: { status: { in: ['pending', 'sending'] } } })) === 0, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // a few more sweeps
    for (const userId of producers) {
      const reminders = sim.getSent({ userId, channel: 'cs' }).filter((m) => m.text?.startsWith('🔔'));
      expect(reminders).toHaveLength(1);
      expect(reminders[0]?.text).toMatch(/^🔔 Nhắc việc OCOP \(2 việc\):/);
    }
  });
});
