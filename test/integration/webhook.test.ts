import { once } from 'node:events';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { createSqlPool } from '../../src/db/sql-pool.js';
import { createApp } from '../../src/http/app.js';
import { createQueues, createRedisConnection } from '../../src/jobs/queues.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { testConfig, uniqueId } from '../helpers/test-env.js';
import { listenOnFreePort, testWebhook } from '../helpers/listen.js';
import { waitFor } from '../helpers/wait-for.js';
import { followEvent, postSigned, signedHeaders, textEvent } from '../helpers/zalo-fixtures.js';

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
const sql = createSqlPool({ databaseUrl: config.databaseUrl, poolSize: 4 });
const redis = createRedisConnection(config.redisUrl, 'producer');
const queues = createQueues({ connection: redis, prefix: config.queuePrefix, outboundBackoffMs: 10, outboundMaxAttempts: 3 });
const metrics = createMetrics();
const logLines: string[] = [];
const logger = createLogger({
  level: 'info',
  destination: new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
});
const appId = config.zalo.appId;
const secret = config.zalo.webhookSecret;
let server: Server;
let url: string;

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const values = (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

beforeAll(async () => {
  const served = await listenOnFreePort(createApp({ db, sql, redis, logger, metrics, webhook: testWebhook(config, queues.enqueueInboundEvents) }));
  server = served.server;
  url = `${served.base}/webhooks/zalo`;
});

afterAll(async () => {
  server.close();
  await queues.inbound.obliterate({ force: true });
  await queues.close();
  redis.disconnect();
  await sql.end();
  await db.$disconnect();
});

describe('POST /webhooks/zalo', () => {
  it('records a correctly signed event, enqueues it and answers 200', async () => {
    const event = textEvent({ appId, userId: uniqueId('u'), text: 'Xin chào' });
    const started = performance.now();
    const response = await postSigned(url, event, { appId, secret });
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2000); // Zalo's own limit
    const row = await db.inboundEvent.findUnique({ where: { eventKey: `msg:${event.message.msg_id}` } });
    expect(row).toMatchObject({ eventName: 'user_send_text', userId: event.sender.id, status: 'pending' });
    // Enqueued right after the answer (the row is what the answer promises).
    await waitFor('the event enqueued', async () => (await queues.inbound.getJob(`in-${row?.id}`)) ?? undefined);
  });

  it.each([
    ['missing', () => ({})],
    ['forged', () => ({ 'x-zevent-signature': `mac=${'ab'.repeat(32)}` })],
    ['without mac=', (raw: string, ts: string) => ({ 'x-zevent-signature': signedHeaders(raw, { appId, secret, timestamp: ts })['x-zevent-signature']!.slice(4) })],
    ['computed over re-serialized JSON', (raw: string, ts: string) => signedHeaders(JSON.stringify(JSON.parse(raw), null, 1), { appId, secret, timestamp: ts })],
    ['made with another secret', (raw: string, ts: string) => signedHeaders(raw, { appId, secret: 'guess', timestamp: ts })],
  ])('refuses a signature that is %s with 401, records nothing and counts it', async (_name, headersFor) => {
    const event = textEvent({ appId, userId: uniqueId('u'), text: 'giả mạo' });
    const raw = JSON.stringify(event);
    const before = await counter('ocop_webhook_rejected_total', {});
    const response = await fetch(url, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', ...headersFor(raw, event.timestamp) } });
    expect(response.status).toBe(401);
    expect(await db.inboundEvent.count({ where: { eventKey: `msg:${event.message.msg_id}` } })).toBe(0);
    expect(await counter('ocop_webhook_rejected_total', {})).toBe(before + 1);
    expect(logLines.some((line) => line.includes('webhook refused'))).toBe(true);
  });

  it('writes an info access line for a refused webhook only: an accepted one is already a row in inbound_event', async () => {
    const accessLines = () => logLines.map((line) => JSON.parse(line) as { msg: string; route?: string; status?: number }).filter((line) => line.msg === 'request' && line.route === '/webhooks/zalo');
    const before = accessLines().length;
    const accepted = await postSigned(url, textEvent({ appId, userId: uniqueId('u'), text: 'Chào' }), { appId, secret });
    expect(accepted.status).toBe(200);
    const refused = await postSigned(url, textEvent({ appId, userId: uniqueId('u'), text: 'Chào' }), { appId, secret: 'not-the-secret' });
    expect(refused.status).toBe(401);
    await waitFor('the refused request to be logged', async () => (accessLines().length > before ? true : undefined));
    expect(accessLines().slice(before).map((line) => line.status)).toEqual([401]);
  });

  it('refuses a stale timestamp but admits a retry two hours after the first try', async () => {
    const stale = textEvent({ appId, userId: uniqueId('u'), text: 'cũ', timestamp: Date.now() - (config.webhook.maxAgeSeconds + 60) * 1000 });
    expect((await postSigned(url, stale, { appId, secret })).status).toBe(401);
    const retried = textEvent({ appId, userId: uniqueId('u'), text: 'gửi lại', timestamp: Date.now() - 2 * 3600 * 1000 });
    expect((await postSigned(url, retried, { appId, secret })).status).toBe(200);
  });

  it('answers malformed JSON with 400', async () => {
    const raw = '{"event_name": "user_send_text", "timestamp": "1732320000000",';
    const response = await fetch(url, { method: 'POST', body: raw, headers: signedHeaders(raw, { appId, secret, timestamp: '1732320000000' }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'bad_request' });
  });

  it('answers a 2 MB body with 413', async () => {
    const event = { ...textEvent({ appId, userId: uniqueId('u'), text: 'x'.repeat(2 * 1024 * 1024) }) };
    const response = await postSigned(url, event, { appId, secret });
    expect(response.status).toBe(413);
  });

  it('answers an unknown event with 200, records nothing and counts it', async () => {
    const before = await counter('ocop_webhook_accepted_total', { outcome: 'unknown_ignored' });
    const event = { app_id: appId, event_name: 'user_reacted_message', timestamp: String(Date.now()), sender: { id: uniqueId('u') } };
    const response = await postSigned(url, event, { appId, secret });
    expect(response.status).toBe(200);
    expect(await counter('ocop_webhook_accepted_total', { outcome: 'unknown_ignored' })).toBe(before + 1);
    expect(await db.inboundEvent.count({ where: { eventName: 'user_reacted_message' } })).toBe(0);
  });

  it('keeps a signed event of a known name but unexpected shape for inspection, answering 200', async () => {
    // Refusing it would make Zalo retry for hours and then disable the webhook.
    const odd = { app_id: appId, event_name: 'user_send_text', timestamp: String(Date.now()), sender: { id: uniqueId('u') }, note: 'no message field' };
    expect((await postSigned(url, odd, { appId, secret })).status).toBe(200);
    const rows = await db.inboundEvent.findMany({ where: { eventName: 'user_send_text', status: 'invalid' }, orderBy: { id: 'desc' }, take: 1 });
    expect(rows[0]?.payload).toMatchObject({ note: 'no message field' });
    expect(await queues.inbound.getJob(`in-${rows[0]?.id}`)).toBeUndefined();
  });

  it('records an OA echo for audit but never as work', async () => {
    const userId = uniqueId('u');
    const echo = { ...textEvent({ appId, userId, text: 'tin của OA' }), event_name: 'oa_send_text', sender: { id: 'oa-1' }, recipient: { id: userId } };
    expect((await postSigned(url, echo, { appId, secret })).status).toBe(200);
    const row = await db.inboundEvent.findUnique({ where: { eventKey: `msg:${echo.message.msg_id}` } });
    expect(row?.status).toBe('ignored');
    expect(await queues.inbound.getJob(`in-${row?.id}`)).toBeUndefined();
  });

  it('the same event delivered five times, some at once, is recorded and enqueued once', async () => {
    const event = followEvent({ appId, userId: uniqueId('u') });
    const raw = JSON.stringify(event);
    const headers = signedHeaders(raw, { appId, secret, timestamp: event.timestamp });
    const send = () => fetch(url, { method: 'POST', body: raw, headers: { ...headers, num_retry: '1' } });
    const statuses = [...(await Promise.all([send(), send(), send()])), await send(), await send()].map((r) => r.status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const rows = await db.inboundEvent.findMany({ where: { userId: event.follower.id } });
    expect(rows).toHaveLength(1);
    await waitFor('the event enqueued', async () => ((await queues.inbound.getJobs(['waiting', 'active', 'delayed'])).some((job) => job.data.eventId === String(rows[0]?.id)) ? true : undefined));
    const jobs = await queues.inbound.getJobs(['waiting', 'active', 'delayed']);
    expect(jobs.filter((job) => job.data.eventId === String(rows[0]?.id))).toHaveLength(1);
  });

  it('still answers 200 when Redis is unreachable, leaving the event for the sweep', async () => {
    const brokenRedis = createRedisConnection('redis://127.0.0.1:1', 'producer');
    brokenRedis.on('error', () => undefined);
    const brokenQueues = createQueues({ connection: brokenRedis, prefix: config.queuePrefix, outboundBackoffMs: 10, outboundMaxAttempts: 1 });
    const app = createApp({
      db,
      sql,
      redis: brokenRedis,
      logger,
      metrics,
      webhook: { appId, secret, maxAgeSeconds: 10800, maxFutureSkewSeconds: 300, enqueueInboundEvents: brokenQueues.enqueueInboundEvents, now: () => new Date() },
    });
    const broken = app.listen(0, '127.0.0.1');
    await once(broken, 'listening');
    const address = broken.address();
    const event = textEvent({ appId, userId: uniqueId('u'), text: 'Redis đang khởi động lại' });
    const response = await postSigned(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/webhooks/zalo`, event, { appId, secret });
    const ready = await fetch(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/readyz`);
    broken.close();
    brokenRedis.disconnect();
    expect(response.status).toBe(200);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ database: true, redis: false });
    expect(await db.inboundEvent.findUnique({ where: { eventKey: `msg:${event.message.msg_id}` } })).toMatchObject({ status: 'pending' });
  });
});
