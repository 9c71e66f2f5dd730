import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { createZaloSim, type ZaloSimServer } from '../../tools/zalo-sim/zalo-sim.js';
import { configForSim, simCredentials } from '../helpers/bot-with-sim.js';
import { resetDatabase, testDatabaseUrl, testRedisUrl, uniqueId } from '../helpers/test-env.js';
import { waitFor } from '../helpers/wait-for.js';

const sim = createZaloSim({ ...simCredentials, initialTokens: { accessToken: 'sim-access-0', refreshToken: 'sim-refresh-0' } });
const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 2 });
let simServer: ZaloSimServer;

beforeAll(async () => {
  simServer = await sim.listen();
  await resetDatabase(db);
});

afterAll(async () => {
  await simServer.close();
  await db.$disconnect();
});

describe('SIGTERM', () => {
  it('stops intake, lets the in-flight send finish, closes connections and exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...(process.env as Record<string, string>),
        ...configForSim(simServer.url),
        NODE_ENV: 'test',
        ROLE: 'all',
        PORT: '0',
        DATABASE_URL: testDatabaseUrl,
        REDIS_URL: testRedisUrl,
        QUEUE_PREFIX: uniqueId('shutdown').slice(0, 20),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    const url = await waitFor('the bot to listen', () => output.match(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/)?.[1], 30_000);
    sim.setWebhookUrl(`${url}/webhooks/zalo`);

    const userId = uniqueId('bye');
    sim.failNext({ path: '/v3.0/oa/message/cs', delayMs: 1500 });
    await sim.userSendText(userId, 'Tạm biệt');
    await waitFor('the send to be in flight', () => sim.getSlowRequests().length >= 1 || undefined, 15_000);

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(output).toContain('"msg":"stopped"');
    // The in-flight job finished: its outcome is recorded, not left for a takeover.
    const row = await db.outboundMessage.findFirstOrThrow({ where: { recipient: userId } });
    expect(row.status).toBe('sent');
    // Intake is closed.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
