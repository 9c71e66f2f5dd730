import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { addToOutbox } from '../../src/outbound/outbox.js';
import { abandonOutboundMessage, DeliveryDeferredError, deliverOutboundMessage, RetryLaterError, type OutboundDeps } from '../../src/outbound/deliver-outbound.js';
import { createZaloSim, type ZaloSimServer } from '../../tools/zalo-sim/zalo-sim.js';
import { simCredentials } from '../helpers/bot-with-sim.js';
import { capturedLogger, zaloStack } from '../helpers/zalo-harness.js';
import { testConfig, uniqueId } from '../helpers/test-env.js';

// A send whose outcome is unknown (Zalo slower than our timeout, a worker killed, Postgres
// gone after Zalo said yes) is settled without a duplicate, and never holds up the
// person's later messages for good, nor spends their attempts.

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 4 });
const redis = createRedisConnection(config.redisUrl, 'producer');
const clock = { now: new Date('2027-02-10T03:00:00Z') };
// Zalo's clock is ours, as real time is in production: its history is read against our times.
const sim = createZaloSim({ ...simCredentials, initialTokens: { accessToken: 'acc-1', refreshToken: 'ref-1' }, clock: { now: () => clock.now.getTime() } });
let simServer: ZaloSimServer;
const inDoubt = { settleMs: 15_000, limitMs: 10 * 60_000 };

function depsFor(database: Database, timeoutMs = 2000): OutboundDeps {
  const { client, metrics } = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: simServer.url, appId: simCredentials.appId, appSecret: simCredentials.appSecret, timeoutMs });
  return { db: database, redis, zalo: client, logger: capturedLogger().logger, metrics, keyPrefix: config.queuePrefix, maxAttempts: 8, recipientLockMs: 5000, now: () => clock.now, inDoubt };
}

async function queue(recipient: string, texts: string[]): Promise<bigint[]> {
  return db.$transaction((tx) => addToOutbox(tx, texts.map((text) => ({ idempotencyKey: uniqueId('k'), recipient, message: { kind: 'text' as const, text } })), clock.now));
}

const row = (id: bigint) => db.outboundMessage.findUniqueOrThrow({ where: { id } });
const later = (ms: number) => (clock.now = new Date(clock.now.getTime() + ms));

beforeAll(async () => {
  simServer = await sim.listen();
  await db.zaloToken.deleteMany();
  await db.zaloToken.create({ data: { id: 'oa', accessToken: 'acc-1', refreshToken: 'ref-1', accessExpiresAt: null } });
});

beforeEach(() => {
  sim.clearFaults();
});

afterAll(async () => {
  await simServer.close();
  redis.disconnect();
  await db.$disconnect();
});

describe('a send Zalo answers after our timeout', () => {
  it('is not sent again before it settles, and is found in the history after', async () => {
    const userId = uniqueId('slow');
    await sim.userFollow(userId);
    const [id] = await queue(userId, ['Xin chào, hồ sơ đã nhận']);
    // Zalo takes the message but answers after the 2 s timeout.
    sim.failNext({ path: '/v3.0/oa/message/cs', delayMs: 2500 });
    await expect(deliverOutboundMessage(depsFor(db), id!)).rejects.toThrow();
    expect(await row(id!)).toMatchObject({ status: 'sending', attempts: 1 });

    // The retry two seconds later waits; it neither reads the history nor sends.
    later(2000);
    await expect(deliverOutboundMessage(depsFor(db), id!)).rejects.toBeInstanceOf(DeliveryDeferredError);
    await new Promise((resolve) => setTimeout(resolve, 700)); // the late answer lands at the stand-in
    expect(sim.getSent({ userId, channel: 'cs' })).toHaveLength(1);

    later(inDoubt.settleMs);
    await deliverOutboundMessage(depsFor(db), id!);
    const settled = await row(id!);
    expect(settled).toMatchObject({ status: 'sent', attempts: 1 });
    expect(sim.getSent({ userId, channel: 'cs' })).toHaveLength(1);
    expect(settled.zaloMessageId).toBe(sim.getSent({ userId, channel: 'cs' })[0]?.messageId);
  });
});

describe('a database error after Zalo said yes', () => {
  it('leaves a receipt that settles the row without sending it again', async () => {
    const userId = uniqueId('pg');
    await sim.userFollow(userId);
    const [id] = await queue(userId, ['Đã nhận ảnh']);
    let refused = false;
    // The same database, except that writing "sent" fails once, as in a Postgres blackhole.
    const flaky = new Proxy(db, {
      get(target, property, receiver) {
        if (property !== 'outboundMessage') return Reflect.get(target, property, receiver);
        const model = target.outboundMessage;
        return new Proxy(model, {
          get(inner, name, innerReceiver) {
            if (name !== 'update') return Reflect.get(inner, name, innerReceiver);
            return (args: Parameters<typeof model.update>[0]) => {
              if (!refused && (args.data as { status?: string }).status === 'sent') {
                refused = true;
                return Promise.reject(new Error('connection terminated'));
              }
              return model.update(args);
            };
          },
        });
      },
    });
    await expect(deliverOutboundMessage(depsFor(flaky), id!)).rejects.toThrow('connection terminated');
    expect(await row(id!)).toMatchObject({ status: 'sending' });
    await deliverOutboundMessage(depsFor(db), id!);
    expect(await row(id!)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(sim.getSent({ userId, channel: 'cs' })).toHaveLength(1);
  });
});

describe('an interrupted send whose history cannot be read', () => {
  it('holds later replies without spending their attempts, then is failed as in doubt and they go', async () => {
    const userId = uniqueId('doubt');
    await sim.userFollow(userId);
    const [first, second, third] = await queue(userId, ['một', 'hai', 'ba']);
    // The first was in flight when its worker died.
    await db.outboundMessage.update({ where: { id: first! }, data: { status: 'sending', attempts: 1, lastAttemptAt: clock.now } });
    sim.failNext({ path: '/v2.0/oa/conversation', httpStatus: 502, times: 1000 });

    later(inDoubt.settleMs);
    // The job of the third reply meets the first: it waits, spending nothing.
    for (let i = 0; i < 3; i += 1) {
      await expect(deliverOutboundMessage(depsFor(db), third!)).rejects.toBeInstanceOf(DeliveryDeferredError);
    }
    // The first's own job retries it (that spends the first's attempts only).
    await expect(deliverOutboundMessage(depsFor(db), first!)).rejects.toBeInstanceOf(RetryLaterError);
    expect((await Promise.all([second!, third!].map(row))).map((r) => [r.status, r.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
    ]);

    later(inDoubt.limitMs);
    await deliverOutboundMessage(depsFor(db), third!);
    expect(await row(first!)).toMatchObject({ status: 'failed', inDoubt: true, lastError: expect.stringMatching(/^in doubt/) });
    expect((await Promise.all([second!, third!].map(row))).map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(sim.getSent({ userId, channel: 'cs' }).map((m) => m.text)).toEqual(['hai', 'ba']);
  });
});

describe('a message the queue gives up on', () => {
  it('fails in doubt when it was still being sent, and plainly when it never left', async () => {
    const [sending, pending] = await queue(uniqueId('given-up'), ['một', 'hai']);
    await db.outboundMessage.update({ where: { id: sending! }, data: { status: 'sending', attempts: 8, lastAttemptAt: clock.now } });
    const deps = depsFor(db);
    for (const id of [sending!, pending!]) await abandonOutboundMessage(deps, id, 'gave up after 8 attempts: Zalo unreachable');
    expect(await row(sending!)).toMatchObject({ status: 'failed', inDoubt: true });
    expect(await row(pending!)).toMatchObject({ status: 'failed', inDoubt: false });
  });
});
