import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import { benchDatabaseUrl, benchRedisUrl, resetBenchState, simBotEnv, startProcess } from '../../bench/bench-env.js';
import { createDatabase } from '../../src/db/database.js';
import { computeZaloSignature, formatZaloSignatureHeader } from '../../src/zalo/signature.js';
import { createZaloSim } from '../../tools/zalo-sim/zalo-sim.js';
import { startTcpProxy } from './tcp-proxy.js';

// `npm run faults`: the faults a production bot meets, replayed against the web and worker
// roles as separate processes, the local Zalo stand-in, the real Postgres and Redis.
// Users write while Zalo fails (-32, 502, answers slower than the timeout), the worker and
// then the web process are killed with SIGKILL and restarted, Redis loses every key of the
// deployment, and 2,000 malformed or hostile bodies hit the webhook. Then it waits for the
// bot to settle and prints what was lost, sent twice, or answered 5xx: all must be 0.
// The bot reaches Postgres through a TCP proxy (tcp-proxy.ts) that cuts every connection
// for a few seconds (a restart), and later holds every byte for 20 s (a network partition).
// Not part of `npm test` (it takes a few minutes).

const appId = 'bench-app';
const secret = 'bench-oa-secret';
const prefix = `bench-faults-${randomInt(1e9)}`;
const users = 50;
const messages = Number(process.env.FAULTS_MESSAGES ?? 400);
const rate = 40;

execFileSync('npm', ['run', '--silent', 'migrate:deploy'], { env: { ...process.env, DATABASE_URL: benchDatabaseUrl }, stdio: 'inherit' });
await resetBenchState();
const sim = createZaloSim({ appId, oaSecretKey: secret, appSecret: 'bench-app-secret', initialTokens: { accessToken: 'bench-access', refreshToken: 'bench-refresh' }, echoSends: false, postReceipts: false });
const simServer = await sim.listen();
const database = new URL(benchDatabaseUrl);
const postgres = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
const proxiedDatabaseUrl = Object.assign(new URL(benchDatabaseUrl), { hostname: '127.0.0.1', port: String(postgres.port) }).toString();
const env = simBotEnv(simServer.url, {
  DATABASE_URL: proxiedDatabaseUrl,
  PORT: '0',
  QUEUE_PREFIX: prefix,
  LOG_LEVEL: 'warn',
  ZALO_HTTP_TIMEOUT_MS: '2000',
  OUTBOUND_BACKOFF_MS: '500',
  OUTBOUND_IN_DOUBT_SETTLE_MS: '3000',
  SWEEP_INTERVAL_MS: '2000',
  SWEEP_MIN_AGE_MS: '3000',
  QUEUE_LOCK_MS: '3000',
});
const webUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/;
const workerReady = /worker role started/;
let web = await startProcess(['src/main.ts'], { ...env, ROLE: 'web', LOG_LEVEL: 'info' }, webUrl);
let webPort = new URL(web.match[1]!).port;
let worker = await startProcess(['src/main.ts'], { ...env, ROLE: 'worker', LOG_LEVEL: 'info' }, workerReady);
sim.setWebhookUrl(`${web.match[1]}/webhooks/zalo`);
const redis = new Redis(benchRedisUrl);
const db = createDatabase({ databaseUrl: benchDatabaseUrl, poolSize: 2 });
const counts = { lost: 0, duplicated: 0, serverErrors: 0, fuzz5xx: 0, redelivered: 0 };

try {
  const userIds = Array.from({ length: users }, (_, i) => `${prefix}-u${i}`);
  const started = performance.now();
  const posts: Promise<unknown>[] = [];
  const outages: Promise<void>[] = [];
  const outage = (start: () => void, ms: number) => {
    start();
    outages.push(new Promise((resolve) => setTimeout(() => resolve(postgres.heal()), ms)));
  };
  for (let i = 0; i < messages; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (i === Math.floor(messages * 0.1)) sim.failNext({ path: '/v3.0/oa/message/cs', error: -32, times: 30 });
    if (i === Math.floor(messages * 0.2)) sim.failNext({ path: '/v3.0/oa/message/cs', httpStatus: 502, times: 15 });
    if (i === Math.floor(messages * 0.3)) sim.failNext({ path: '/v3.0/oa/message/cs', delayMs: 2500, times: 5 });
    // Restarts come before the Postgres outages: a process starting needs its database.
    if (i === Math.floor(messages * 0.25)) {
      worker.child.kill('SIGKILL');
      worker = await startProcess(['src/main.ts'], { ...env, ROLE: 'worker', LOG_LEVEL: 'info' }, workerReady);
    }
    if (i === Math.floor(messages * 0.35)) {
      web.child.kill('SIGKILL');
      web = await startProcess(['src/main.ts'], { ...env, ROLE: 'web', LOG_LEVEL: 'info', PORT: webPort }, webUrl);
      webPort = new URL(web.match[1]!).port;
    }
    if (i === Math.floor(messages * 0.45)) outage(() => postgres.cut(), 3000);
    if (i === Math.floor(messages * 0.8)) outage(() => postgres.blackhole(), 20_000);
    if (i === Math.floor(messages * 0.9)) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    posts.push(sim.userSendText(userIds[i % users]!, `tin ${i}`).catch(() => undefined));
  }
  await Promise.all(posts);
  await Promise.all(outages);

  // Zalo delivers again what was not answered 200 (the web process was down, or answered 5xx).
  for (let round = 0; round < 5; round += 1) {
    const unanswered = sim.getDeliveries({ eventName: 'user_send_text' }).filter((d) => d.attempts.at(-1)?.status !== 200);
    if (unanswered.length === 0) break;
    counts.redelivered += unanswered.length;
    await Promise.all(unanswered.map((d) => sim.redeliver(d.id)));
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }

  counts.fuzz5xx = await fuzzWebhook(`${web.match[1]}/webhooks/zalo`, 2000);

  // Settle: every recorded event handled, every outbox row sent or failed.
  const deadline = Date.now() + 180_000;
  for (;;) {
    const open = (await db.inboundEvent.count({ where: { status: 'pending' } })) + (await db.outboundMessage.count({ where: { status: { in: ['pending', 'sending'] } } }));
    if (open === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }

  // Lost: a message a user wrote that was never handled, or a reply to a user never sent.
  // Duplicated: Zalo received more messages for a user than the outbox has rows sent to them.
  const sent = sim.getSent({ channel: 'cs' });
  const wrote = new Set(sim.getDeliveries({ eventName: 'user_send_text' }).filter((d) => d.userId !== null && userIds.includes(d.userId)).map((d) => d.rawBody));
  const handled = await db.inboundEvent.count({ where: { userId: { in: userIds }, eventName: 'user_send_text', status: 'processed' } });
  const unsent = await db.outboundMessage.count({ where: { recipient: { in: userIds }, status: { not: 'sent' } } });
  counts.lost = Math.max(0, wrote.size - handled) + unsent;
  for (const userId of userIds) {
    const rows = await db.outboundMessage.count({ where: { recipient: userId, status: 'sent' } });
    counts.duplicated += Math.max(0, sent.filter((m) => m.userId === userId).length - rows);
  }
  counts.serverErrors = sim.getDeliveries({ eventName: 'user_send_text' }).filter((d) => (d.attempts.at(-1)?.status ?? 0) >= 500).length;
  const failedRows = await db.outboundMessage.findMany({ where: { status: 'failed', recipient: { in: userIds } }, select: { lastError: true } });
  console.log(`\nFaults: ${messages} messages from ${users} users at ${rate}/s; Zalo -32 ×30, 502 ×15, slow ×5; worker and web SIGKILLed; Postgres cut for 3 s and blackholed for 20 s; Redis emptied; 2,000 fuzzed bodies`);
  console.log(`  redelivered by "Zalo" after a non-200: ${counts.redelivered}`);
  console.log(`  messages written ${wrote.size}, handled ${handled}; replies sent ${sent.filter((m) => m.userId !== null && userIds.includes(m.userId)).length}`);
  console.log(`  lost: ${counts.lost}, duplicated: ${counts.duplicated}, 5xx left unanswered: ${counts.serverErrors}, 5xx to fuzzed bodies: ${counts.fuzz5xx}`);
  if (failedRows.length > 0) console.log(`  outbox rows failed: ${failedRows.length} (${[...new Set(failedRows.map((r) => r.lastError?.slice(0, 80)))].join('; ')})`);
  process.exitCode = counts.lost + counts.duplicated + counts.serverErrors + counts.fuzz5xx === 0 ? 0 : 1;
} finally {
  await Promise.all([web.stop(), worker.stop()]);
  await postgres.close();
  await simServer.close();
  redis.disconnect();
  await db.$disconnect();
  await resetBenchState();
}

/** Hostile and broken bodies; returns how many got a 5xx. */
async function fuzzWebhook(url: string, count: number): Promise<number> {
  const shapes: (() => { body: string | Buffer; headers: Record<string, string> })[] = [
    () => ({ body: Buffer.from(Array.from({ length: randomInt(1, 2000) }, () => randomInt(256))), headers: { 'content-type': 'application/json' } }),
    () => signed({ event_name: 'user_send_text', sender: { id: `fz-${randomInt(1e6)}` }, message: { msg_id: `${randomInt(1e9)}`, text: `nul\u0000 và \ud800 lẻ` } }),
    () => signed({ event_name: 'user_send_text', sender: { id: 'x'.repeat(randomInt(300, 5000)) }, message: { msg_id: 'y'.repeat(randomInt(300, 5000)), text: 'dài' } }),
    () => {
      const raw = `{"app_id":"${appId}","event_name":"user_send_text","timestamp":"${Date.now()}","deep":${'['.repeat(3000)}${']'.repeat(3000)}}`;
      return { body: raw, headers: headersFor(raw, String(Date.now())) };
    },
    () => signed({ event_name: 'user_send_image', sender: { id: `fz-${randomInt(1e6)}` }, message: { msg_id: `${randomInt(1e9)}`, attachments: [{ type: 'image', payload: { url: 'http://127.0.0.1:1/x.jpg' } }] } }),
    () => ({ body: JSON.stringify({ event_name: 'user_send_text', timestamp: String(Date.now()) }), headers: { 'content-type': 'application/json', 'x-zevent-signature': `mac=${'0'.repeat(64)}` } }),
    () => ({ body: 'plain', headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' } }),
  ];
  let serverErrors = 0;
  for (let i = 0; i < count; i += 20) {
    const batch = Array.from({ length: 20 }, () => shapes[randomInt(shapes.length)]!());
    const answers = await Promise.all(batch.map((request) => fetch(url, { method: 'POST', body: request.body, headers: request.headers }).then((r) => r.status, () => 0)));
    serverErrors += answers.filter((status) => status >= 500).length;
  }
  return serverErrors;
}

function signed(fields: Record<string, unknown>) {
  const timestamp = String(Date.now());
  const raw = JSON.stringify({ app_id: appId, timestamp, recipient: { id: 'oa' }, ...fields });
  return { body: raw, headers: headersFor(raw, timestamp) };
}

function headersFor(raw: string, timestamp: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-zevent-signature': formatZaloSignatureHeader(computeZaloSignature({ appId, rawBody: raw, timestamp, secret })) };
}
