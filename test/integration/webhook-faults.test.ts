import type { Server } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { createSqlPool } from '../../src/db/sql-pool.js';
import { createApp } from '../../src/http/app.js';
import { createInboundRecorder } from '../../src/http/inbound-recorder.js';
import { createQueues, createRedisConnection } from '../../src/jobs/queues.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { listenOnFreePort, testWebhook } from '../helpers/listen.js';
import { capturedLogger } from '../helpers/zalo-harness.js';
import { testConfig, uniqueId } from '../helpers/test-env.js';
import { signedHeaders, textEvent, zaloMsgId } from '../helpers/zalo-fixtures.js';

// Signed events Postgres cannot take as they are, duplicates that arrive together, and a
// database that stops answering: each request gets its own answer, in Zalo's time.

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 8 });
const sql = createSqlPool({ databaseUrl: config.databaseUrl, poolSize: 4 });
const redis = createRedisConnection(config.redisUrl, 'producer');
const queues = createQueues({ connection: redis, prefix: config.queuePrefix, outboundBackoffMs: 10, outboundMaxAttempts: 3 });
const appId = config.zalo.appId;
const secret = config.zalo.webhookSecret;
let server: Server;
let url: string;

beforeAll(async () => {
  const served = await listenOnFreePort(createApp({ db, sql, redis, logger: capturedLogger().logger, metrics: createMetrics(), webhook: testWebhook(config, queues.enqueueInboundEvents) }));
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

function postRaw(raw: string, timestamp: string): Promise<Response> {
  return fetch(url, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', ...signedHeaders(raw, { appId, secret, timestamp }) } });
}

function post(event: { timestamp: string }): Promise<Response> {
  return postRaw(JSON.stringify(event), event.timestamp);
}

const keyOf = (event: { message: { msg_id: string } }) => `msg:${event.message.msg_id}`;

describe('events Postgres cannot store as they are', () => {
  it('are kept (cleaned, digested or as invalid) and never fail the valid events written with them', async () => {
    const userId = uniqueId('u');
    const withNul = textEvent({ appId, userId, text: 'trước\u0000sau' });
    const withLoneSurrogate = textEvent({ appId, userId, text: 'vỡ \ud800 chữ' });
    const hugeId = textEvent({ appId, userId, text: 'id dài', msgId: `${'9'.repeat(300_000)}${zaloMsgId()}` });
    const deep = textEvent({ appId, userId, text: 'lồng sâu' });
    const deepRaw = JSON.stringify(deep).replace(/}$/, `,"extra":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`);
    const valid = Array.from({ length: 40 }, (_, i) => textEvent({ appId, userId: uniqueId('v'), text: `hợp lệ ${i}` }));

    const answers = await Promise.all([
      post(withNul),
      post(withLoneSurrogate),
      post(hugeId),
      postRaw(deepRaw, deep.timestamp),
      ...valid.map((event) => post(event)),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));

    expect(await db.inboundEvent.count({ where: { eventKey: { in: valid.map(keyOf) }, status: 'pending' } })).toBe(valid.length);
    const nul = await db.inboundEvent.findUniqueOrThrow({ where: { eventKey: keyOf(withNul) } });
    expect(nul.payload).toMatchObject({ message: { text: 'trước\uFFFDsau' } });
    const lone = await db.inboundEvent.findUniqueOrThrow({ where: { eventKey: keyOf(withLoneSurrogate) } });
    expect(lone.payload).toMatchObject({ message: { text: 'vỡ \uFFFD chữ' } });
    const digested = await db.inboundEvent.findMany({ where: { eventKey: { startsWith: 'sha256:' }, userId } });
    expect(digested).toHaveLength(1);
    const nested = await db.inboundEvent.findUniqueOrThrow({ where: { eventKey: keyOf(deep) } });
    expect(nested).toMatchObject({ status: 'invalid', payload: { unstorable: 'nested deeper than 64 levels' } });
  });

  it('a redelivered odd event is a duplicate, answered 200 again', async () => {
    const event = textEvent({ appId, userId: uniqueId('u'), text: 'lại\u0000nữa' });
    expect((await post(event)).status).toBe(200);
    expect((await post(event)).status).toBe(200);
    expect(await db.inboundEvent.count({ where: { eventKey: keyOf(event) } })).toBe(1);
  });
});

describe('duplicates arriving together', () => {
  it('are each recorded once, with no deadlock and no 5xx', async () => {
    const events = Array.from({ length: 60 }, (_, i) => textEvent({ appId, userId: uniqueId('d'), text: `bản ${i}`, msgId: zaloMsgId() }));
    // Every event four times, shuffled, all at once: batches hold the same keys in any order.
    const copies = events.flatMap((event) => [event, event, event, event]);
    for (let i = copies.length - 1; i > 0; i -= 1) {
      const j = (i * 7919) % (i + 1);
      [copies[i], copies[j]] = [copies[j]!, copies[i]!];
    }
    const answers = await Promise.all(copies.map((event) => post(event)));
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    const rows = await db.inboundEvent.groupBy({ by: ['eventKey'], where: { eventKey: { in: events.map(keyOf) } }, _count: true });
    expect(rows).toHaveLength(events.length);
    expect(rows.every((row) => row._count === 1)).toBe(true);
  });
});

describe('batches that share keys in different orders', () => {
  it('write without deadlock: every copy answered, every key recorded once', async () => {
    const recorder = createInboundRecorder({ sql, logger: capturedLogger().logger, enqueueInboundEvents: async () => undefined, now: () => new Date(), budgetMs: 20_000 });
    const keys = Array.from({ length: 300 }, () => `msg:${zaloMsgId()}`);
    // Four copies of each key, in four different orders, all waiting at once: the writers
    // take slices of 200 that hold the same keys in different orders.
    const orders = [keys, [...keys].reverse(), keys.filter((_, i) => i % 2 === 0).concat(keys.filter((_, i) => i % 2 === 1)), keys.filter((_, i) => i % 2 === 1).concat(keys.filter((_, i) => i % 2 === 0))];
    const outcomes = await Promise.allSettled(
      orders.flat().map((eventKey) => recorder.record({ eventKey, eventName: 'user_send_text', userId: 'u-order', zaloTimestamp: new Date(), payload: {}, status: 'ignored' })),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value === 'recorded')).toHaveLength(keys.length);
    expect(await db.inboundEvent.count({ where: { eventKey: { in: keys } } })).toBe(keys.length);
  });
});

describe('a database that stops answering', () => {
  it("gets a 503 within Zalo's budget, and the redelivery gets the event through once", async () => {
    const blocker = new pg.Client({ connectionString: config.databaseUrl });
    await blocker.connect();
    const event = textEvent({ appId, userId: uniqueId('b'), text: 'chờ' });
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE inbound_event IN ACCESS EXCLUSIVE MODE');
      const started = performance.now();
      const answer = await post(event);
      expect(answer.status).toBe(503);
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect((await post(event)).status).toBe(200);
    expect(await db.inboundEvent.count({ where: { eventKey: keyOf(event) } })).toBe(1);
  });
});
