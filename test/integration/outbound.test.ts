import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { createQueues, createRedisConnection } from '../../src/jobs/queues.js';
import { addToOutbox } from '../../src/outbound/outbox.js';
import { Readable } from 'node:stream';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import { newStorageKey } from '../../src/storage/storage.js';
import { resetDatabase, testConfig, uniqueId } from '../helpers/test-env.js';
import { waitFor } from '../helpers/wait-for.js';

const base = 'https://zalo.test';
const config = testConfig({
  ROLE: 'worker',
  ZALO_OA_API_URL: base,
  ZALO_OAUTH_URL: base,
  ZALO_BUSINESS_API_URL: base,
  OUTBOUND_BACKOFF_MS: '50',
  OUTBOUND_MAX_ATTEMPTS: '5',
  QUEUE_LOCK_MS: '5000',
  SWEEP_INTERVAL_MS: '600000',
});
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
const redis = createRedisConnection(config.redisUrl, 'producer');
const queues = createQueues({ connection: redis, prefix: config.queuePrefix, outboundBackoffMs: 50, outboundMaxAttempts: 5 });
let bot: RunningBot;

// The bot here runs on the real clock (startBot's default), so its outbox rows do too.
async function queueText(recipient: string, text: string) {
  const [id] = await db.$transaction((tx) => addToOutbox(tx, [{ idempotencyKey: uniqueId('k'), recipient, message: { kind: 'text', text } }], new Date()));
  await queues.enqueueOutboundMessages([id!]);
  return id!;
}

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  await resetDatabase(db);
  await db.zaloToken.create({ data: { id: 'oa', accessToken: 'access-1', refreshToken: 'refresh-1', accessExpiresAt: new Date(Date.now() + 20 * 3600 * 1000) } });
  bot = await startBot(config);
});

beforeEach(() => nock.cleanAll());

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

afterAll(async () => {
  await bot.close();
  await queues.outbound.obliterate({ force: true });
  await queues.close();
  redis.disconnect();
  await db.$disconnect();
  nock.enableNetConnect();
});

describe('outbound worker', () => {
  it('Zalo answering 500, then -32, then success → delivered once', async () => {
    const recipient = uniqueId('u');
    let calls = 0;
    nock(base)
      .post('/v3.0/oa/message/cs')
      .reply(500, { message: 'Internal error' })
      .post('/v3.0/oa/message/cs')
      .reply(200, { error: -32, message: 'Request is limited' })
      .post('/v3.0/oa/message/cs', (body) => body.recipient.user_id === recipient && body.message.text === 'Hồ sơ đã nhận')
      .reply(200, () => {
        calls += 1;
        return { error: 0, message: 'Success', data: { message_id: 'zm-1' } };
      });
    const id = await queueText(recipient, 'Hồ sơ đã nhận');
    const row = await waitFor('the message to be sent', async () => {
      const r = await db.outboundMessage.findUniqueOrThrow({ where: { id } });
      return r.status === 'sent' ? r : undefined;
    });
    expect(row).toMatchObject({ attempts: 3, zaloMessageId: 'zm-1', lastError: null });
    expect(calls).toBe(1);
  });

  it('-213, -227, -230, -232 → held until the person writes again, never retried on its own', async () => {
    for (const [code, message] of [[-213, 'User has not followed the OA'], [-227, 'User is inactive'], [-230, 'User has not interacted with the OA in the last 7 days'], [-232, 'The user interaction has expired']] as const) {
      nock(base).post('/v3.0/oa/message/cs').reply(200, { error: code, message });
      const id = await queueText(uniqueId('u'), 'Nhắc hồ sơ');
      const row = await waitFor('the message to be held', async () => {
        const r = await db.outboundMessage.findUniqueOrThrow({ where: { id } });
        return r.status === 'held' ? r : undefined;
      });
      expect(row).toMatchObject({ attempts: 1, errorCode: code, inDoubt: false, failedAt: null });
      expect(row.heldAt).not.toBeNull();
    }
  });

  it('-201 → failed with the reason, and never retried', async () => {
    nock(base).post('/v3.0/oa/message/cs').reply(200, { error: -201, message: 'Invalid request parameter' });
    const id = await queueText(uniqueId('u'), 'Nhắc hồ sơ');
    const row = await waitFor('the message to fail', async () => {
      const r = await db.outboundMessage.findUniqueOrThrow({ where: { id } });
      return r.status === 'failed' ? r : undefined;
    });
    expect(row.lastError).toContain('-201');
    // Zalo said no: its code is kept, and the row never reached anyone (an official may retry it as it is).
    expect(row).toMatchObject({ attempts: 1, errorCode: -201, inDoubt: false });
    // Longer than several backoffs: a retry would hit no mock and raise the attempt count.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await db.outboundMessage.findUniqueOrThrow({ where: { id } })).attempts).toBe(1);
  });

  it('sends one recipient its messages in the order they were written, even when the first needs retries', async () => {
    const recipient = uniqueId('u');
    const seen: string[] = [];
    nock(base)
      .post('/v3.0/oa/message/cs')
      .reply(503, { message: 'busy' })
      .post('/v3.0/oa/message/cs')
      .times(3)
      .reply(200, (_uri, body) => {
        seen.push((body as { message: { text: string } }).message.text);
        return { error: 0, message: 'Success', data: { message_id: uniqueId('zm') } };
      });
    const [a, b, c] = await db.$transaction((tx) =>
      addToOutbox(tx, ['một', 'hai', 'ba'].map((text) => ({ idempotencyKey: uniqueId('k'), recipient, message: { kind: 'text' as const, text } })), new Date()),
    );
    // Enqueued in reverse: the order comes from the outbox, not from the queue.
    await queues.enqueueOutboundMessages([c!, b!, a!]);
    await waitFor('all three sent', async () => (await db.outboundMessage.count({ where: { recipient, status: 'sent' } })) === 3);
    expect(seen).toEqual(['một', 'hai', 'ba']);
  });
});

describe('files sent to many people', () => {
  async function storedPdf(): Promise<string> {
    const storage = createLocalStorage({ root: config.storage.kind === 'local' ? config.storage.root : '' });
    const bytes = Buffer.from('%PDF-1.4 hồ sơ sản phẩm');
    const key = newStorageKey('packet', 'pdf', new Date());
    await storage.put(key, Readable.from([bytes]), { contentType: 'application/pdf', sizeBytes: bytes.length });
    return key;
  }
  async function queueFiles(storageKey: string, recipients: string[]): Promise<bigint[]> {
    const ids = await db.$transaction((tx) =>
      addToOutbox(tx, recipients.map((recipient) => ({ idempotencyKey: uniqueId('k'), recipient, message: { kind: 'file' as const, storageKey, fileName: 'ho-so.pdf', mediaType: 'application/pdf' } })), new Date()),
    );
    await queues.enqueueOutboundMessages(ids);
    return ids;
  }
  const allSent = (ids: bigint[]) => async () => ((await db.outboundMessage.count({ where: { id: { in: ids }, status: 'sent' } })) === ids.length ? true : undefined);

  it('uploads a file once and sends its token to every recipient (Zalo caps uploads at about 5,000 a month)', async () => {
    const recipients = [uniqueId('u'), uniqueId('u'), uniqueId('u')];
    let uploads = 0;
    const sentTo: string[] = [];
    nock(base)
      .post('/v2.0/oa/upload/file')
      .reply(200, () => {
        uploads += 1;
        return { error: 0, message: 'Success', data: { token: 'file-token-1' } };
      })
      .post('/v3.0/oa/message/cs', (body) => body.message.attachment?.payload?.token === 'file-token-1')
      .times(3)
      .reply(200, (_uri, body) => {
        sentTo.push((body as { recipient: { user_id: string } }).recipient.user_id);
        return { error: 0, message: 'Success', data: { message_id: uniqueId('zm') } };
      });
    const ids = await queueFiles(await storedPdf(), recipients);
    await waitFor('the three files to be sent', allSent(ids));
    expect(uploads).toBe(1);
    expect(sentTo.sort()).toEqual([...recipients].sort());
    expect(await bot.metrics.registry.getSingleMetricAsString('ocop_zalo_uploads_total')).toMatch(/^ocop_zalo_uploads_total 1$/m);
  });

  it('uploads again, once, when Zalo has dropped a reused token (-100)', async () => {
    const storageKey = await storedPdf();
    await redis.set(`${config.queuePrefix}:zalo:upload:${storageKey}`, 'expired-token');
    nock(base)
      .post('/v3.0/oa/message/cs', (body) => body.message.attachment?.payload?.token === 'expired-token')
      .reply(200, { error: -100, message: 'Attachment expired' })
      .post('/v2.0/oa/upload/file')
      .reply(200, { error: 0, message: 'Success', data: { token: 'file-token-2' } })
      .post('/v3.0/oa/message/cs', (body) => body.message.attachment?.payload?.token === 'file-token-2')
      .reply(200, { error: 0, message: 'Success', data: { message_id: 'zm-file-2' } });
    const ids = await queueFiles(storageKey, [uniqueId('u')]);
    await waitFor('the file to be sent', allSent(ids));
    expect(await db.outboundMessage.findUniqueOrThrow({ where: { id: ids[0]! } })).toMatchObject({ attempts: 1, zaloMessageId: 'zm-file-2' });
    expect(await redis.get(`${config.queuePrefix}:zalo:upload:${storageKey}`)).toBe('file-token-2');
  });
});
