import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { createZaloSim, type ZaloSimServer } from '../../tools/zalo-sim/zalo-sim.js';
import { configForSim, simCredentials } from '../helpers/bot-with-sim.js';
import { resetDatabase, testConfig, testDatabaseUrl, testRedisUrl, uniqueId } from '../helpers/test-env.js';
import { waitFor } from '../helpers/wait-for.js';

// A worker process killed with SIGKILL in the middle of sending a reply: after a new
// worker starts, the reply has reached the user exactly once.

const sim = createZaloSim({ ...simCredentials, initialTokens: { accessToken: 'sim-access-0', refreshToken: 'sim-refresh-0' } });
let simServer: ZaloSimServer;
let web: RunningBot;
let workerEnv: Record<string, string>;
const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 3 });
const children: ChildProcess[] = [];

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: workerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL' && signal !== 'SIGTERM') console.error(`worker exited ${code}: ${output.slice(-3000)}`);
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  simServer = await sim.listen();
  await resetDatabase(db);
  const settings = configForSim(simServer.url, {
    // Short lock times so a dead worker's job is taken over within seconds.
    QUEUE_LOCK_MS: '1500',
    ZALO_HTTP_TIMEOUT_MS: '1500',
    SWEEP_INTERVAL_MS: '1000',
  });
  const config = testConfig({ ...settings, ROLE: 'web' });
  web = await startBot(config);
  sim.setWebhookUrl(`${web.url}/webhooks/zalo`);
  workerEnv = {
    ...(process.env as Record<string, string>),
    ...settings,
    NODE_ENV: 'test',
    ROLE: 'worker',
    DATABASE_URL: testDatabaseUrl,
    REDIS_URL: testRedisUrl,
    QUEUE_PREFIX: config.queuePrefix,
    LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await web?.close();
  await simServer?.close();
  await db.$disconnect();
});

describe('a worker killed mid-send', () => {
  it('after restart the reply is delivered exactly once', async () => {
    const userId = uniqueId('crash');
    await sim.userFollow(userId);
    const first = startWorkerProcess();
    await waitFor('greeting and menu', () => sim.getSent({ userId, channel: 'cs' }).length >= 1 || undefined, 30_000);

    // Zalo takes the next consultation message, then is slow to answer: the worker dies waiting.
    sim.failNext({ path: '/v3.0/oa/message/cs', delayMs: 4000 });
    await sim.userSendText(userId, 'Cho tôi hỏi thủ tục');
    await waitFor('the send to be in flight', () => sim.getSlowRequests().length >= 1 || undefined, 30_000);
    first.kill('SIGKILL');
    await once(first, 'exit');
    const row = await db.outboundMessage.findFirstOrThrow({ where: { recipient: userId }, orderBy: { id: 'desc' } });
    expect(row.status).toBe('sending');

    startWorkerProcess();
    const sent = await waitFor('the interrupted reply to be settled', async () => {
      const current = await db.outboundMessage.findUniqueOrThrow({ where: { id: row.id } });
      return current.status === 'sent' ? current : undefined;
    }, 30_000);
    // Two messages in all: greeting with the menu, and the reply, which Zalo had already taken.
    const delivered = sim.getSent({ userId, channel: 'cs' });
    expect(delivered).toHaveLength(2);
    expect(sent.zaloMessageId).toBe(delivered[1]?.messageId);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(sim.getSent({ userId, channel: 'cs' })).toHaveLength(2);
  });

  it('a worker killed while handling an event → the event is handled once, after restart', async () => {
    const userId = uniqueId('crash-in');
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // No worker runs: the event waits in the queue; one starts and is killed at once.
    await sim.userSendText(userId, 'xin chào');
    const doomed = startWorkerProcess();
    await new Promise((resolve) => setTimeout(resolve, 800));
    doomed.kill('SIGKILL');
    await once(doomed, 'exit');
    startWorkerProcess();
    await waitFor('the reply', () => sim.getSent({ userId, channel: 'cs' }).length >= 1 || undefined, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sim.getSent({ userId, channel: 'cs' })).toHaveLength(1);
    expect(await db.inboundEvent.findFirstOrThrow({ where: { userId, eventName: 'user_send_text' } })).toMatchObject({ status: 'processed' });
  });
});
