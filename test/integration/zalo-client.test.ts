import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { ZaloApiError, ZaloAuthError, ZaloTransportError } from '../../src/zalo/errors.js';
import { readZaloTokenState } from '../../src/zalo/token-state.js';
import { testConfig } from '../helpers/test-env.js';
import { zaloStack } from '../helpers/zalo-harness.js';

// The token row is shared by the whole database, so this file resets it per test.
const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 20 });
const redis = createRedisConnection(config.redisUrl, 'producer');
const base = 'https://zalo.test';
const ok = (data: object) => ({ error: 0, message: 'Success', data });

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});

beforeEach(async () => {
  await db.zaloToken.deleteMany();
  await db.zaloToken.create({ data: { id: 'oa', accessToken: 'access-1', refreshToken: 'refresh-1', accessExpiresAt: new Date(Date.now() + 20 * 3600 * 1000) } });
});

afterEach(() => {
  // A mock that was never used is as much a failure as a request nobody expected.
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

afterAll(async () => {
  nock.enableNetConnect();
  redis.disconnect();
  await db.$disconnect();
});

describe('Zalo OA client', () => {
  it('sends a text as a consultation message with the access_token header', async () => {
    const { client } = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: base });
    nock(base, { reqheaders: { access_token: 'access-1' } })
      .post('/v3.0/oa/message/cs', { recipient: { user_id: '8765432109876543210' }, message: { text: 'Xin chào' } })
      .reply(200, ok({ message_id: 'm-1', user_id: '8765432109876543210' }));
    await expect(client.sendText('8765432109876543210', 'Xin chào'.normalize('NFD'))).resolves.toEqual({ messageId: 'm-1' });
  });

  it('puts up to five buttons on a text and refuses a sixth before calling Zalo', async () => {
    const { client } = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: base });
    const buttons = [1, 2, 3, 4, 5].map((n) => ({ title: `Mục ${n}`, type: 'oa.query.show' as const, payload: `#${n}` }));
    nock(base)
      .post('/v3.0/oa/message/cs', (body) => body.message.attachment.type === 'template' && body.message.attachment.payload.buttons.length === 5)
      .reply(200, ok({ message_id: 'm-2' }));
    await client.sendTextWithButtons('u', 'Chọn', buttons);
    expect(() => client.sendTextWithButtons('u', 'Chọn', [...buttons, buttons[0]!])).toThrow(RangeError);
  });

  it('sends an image as a one-element media template', async () => {
    const { client } = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: base });
    nock(base)
      .post('/v3.0/oa/message/cs', { recipient: { user_id: 'u' }, message: { attachment: { type: 'template', payload: { template_type: 'media', elements: [{ media_type: 'image', url: 'https://x.test/a.jpg' }] } } } })
      .reply(200, ok({ message_id: 'm-3' }));
    await expect(client.sendImage('u', { url: 'https://x.test/a.jpg' })).resolves.toEqual({ messageId: 'm-3' });
  });

  it('uploads a file as multipart, then sends it by token', async () => {
    const { client } = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: base });
    nock(base)
      .post('/v2.0/oa/upload/file', (body: string) => body.includes('name="file"; filename="ho-so.pdf"') && body.includes('%PDF-1.4'))
      .reply(200, ok({ token: 'file-token-1' }))
      .post('/v3.0/oa/message/cs', { recipient: { user_id: 'u' }, message: { attachment: { type: 'file', payload: { token: 'file-token-1' } } } })
      .reply(200, ok({ message_id: 'm-4' }));
    const token = await client.uploadFile({ bytes: Buffer.from('%PDF-1.4 test'), fileName: 'ho-so.pdf', mimeType: 'application/pdf' });
    await expect(client.sendFile('u', token)).resolves.toEqual({ messageId: 'm-4' });
  });

  it('asks for user info, reads user detail and quota, sends a template and a ZNS', async () => {
    const { client } = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: base });
    nock(base)
      .post('/v3.0/oa/message/cs', (body) => body.message.attachment.payload.template_type === 'request_user_info' && body.message.attachment.payload.elements.length === 1)
      .reply(200, ok({ message_id: 'm-5' }))
      .get('/v3.0/oa/user/detail')
      .query({ data: JSON.stringify({ user_id: 'u' }) })
      .reply(200, ok({ display_name: 'Chị Lan', user_is_follower: true, user_last_interaction_date: '20/11/2026', shared_info: { phone: '84912345678' } }))
      .post('/v3.0/oa/quota/message', { user_id: 'u' })
      .reply(200, ok({ last_interaction: 1732320000000 }))
      .post('/v3.0/oa/message/template', { user_id: 'u', template_id: 't-1', template_data: { ten: 'Lan' } })
      .reply(200, ok({ message_id: 'm-6' }))
      .post('/message/template', { phone: '84912345678', template_id: 'z-1', template_data: { ma: '01' }, tracking_id: 'track-1' })
      .reply(200, ok({ msg_id: 'z', message_id: 'm-7' }));
    await client.requestUserInfo('u', { title: 'Chia sẻ số điện thoại', subtitle: 'Để cán bộ liên hệ', imageUrl: 'https://x.test/i.png' });
    await expect(client.getUserDetail('u')).resolves.toEqual({ displayName: 'Chị Lan', isFollower: true, lastInteractionDate: '20/11/2026', sharedPhone: '84912345678' });
    await expect(client.getMessageQuota('u')).resolves.toEqual({ last_interaction: 1732320000000 });
    await expect(client.sendTemplateMessage('u', 't-1', { ten: 'Lan' })).resolves.toEqual({ messageId: 'm-6' });
    await expect(client.sendZns({ phone: '84912345678', templateId: 'z-1', templateData: { ma: '01' }, trackingId: 'track-1' })).resolves.toEqual({ messageId: 'm-7' });
  });

  it('turns HTTP 200 with a negative error into a typed error carrying the code, with no token in it', async () => {
    const { client } = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: base });
    nock(base).post('/v3.0/oa/message/cs').reply(200, { error: -230, message: 'User has not interacted with the OA in the last 7 days' });
    const error = await client.sendText('u', 'a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZaloApiError);
    expect((error as ZaloApiError).code).toBe(-230);
    expect(JSON.stringify(error) + String(error) + (error as Error).stack).not.toContain('access-1');
  });

  it('reports 5xx and network failures as transport errors, without the token', async () => {
    const { client } = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: base });
    nock(base).post('/v3.0/oa/message/cs').reply(502, 'Bad gateway', { 'content-type': 'text/plain' });
    const first = await client.sendText('u', 'a').catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ZaloTransportError);
    expect((first as ZaloTransportError).httpStatus).toBe(502);
    // Nothing listens on port 1: a real connection refusal.
    const unreachable = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: 'http://127.0.0.1:1' });
    const second = await unreachable.client.sendText('u', 'a').catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ZaloTransportError);
    expect(String(second) + (second as Error).stack).not.toContain('access-1');
  });

  it('on -216 refreshes once, stores the new pair, and retries once', async () => {
    const { client, logLines } = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: base });
    nock(base)
      .post('/v3.0/oa/message/cs')
      .matchHeader('access_token', 'access-1')
      .reply(200, { error: -216, message: 'Access token is invalid' })
      .post('/v4/oa/access_token', 'refresh_token=refresh-1&app_id=test-app&grant_type=refresh_token')
      .matchHeader('secret_key', 'test-app-secret')
      .reply(200, { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: '90000' })
      .post('/v3.0/oa/message/cs')
      .matchHeader('access_token', 'access-2')
      .reply(200, ok({ message_id: 'm-8' }));
    await expect(client.sendText('u', 'a')).resolves.toEqual({ messageId: 'm-8' });
    const row = await db.zaloToken.findUniqueOrThrow({ where: { id: 'oa' } });
    expect(row).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-2', version: 2 });
    expect(row.accessExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 89_000_000);
    expect(logLines.join('')).not.toMatch(/access-2|refresh-2|refresh-1/);
  });

  it('a second rejection after the refresh goes to the caller (no loop)', async () => {
    const { client } = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: base });
    nock(base)
      .post('/v3.0/oa/message/cs')
      .reply(200, { error: -220, message: 'expired' })
      .post('/v4/oa/access_token')
      .reply(200, { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: '90000' })
      .post('/v3.0/oa/message/cs')
      .reply(200, { error: -216, message: 'invalid' });
    await expect(client.sendText('u', 'a')).rejects.toMatchObject({ code: -216 });
  });

  it('never stores an empty token when OAuth answers 200 with error_name', async () => {
    const { client } = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: base });
    nock(base)
      .post('/v3.0/oa/message/cs')
      .reply(200, { error: -216, message: 'invalid' })
      .post('/v4/oa/access_token')
      .reply(200, { error_name: 'Invalid parameter', error_reason: 'Invalid refresh token', error_description: 'refresh token is invalid' });
    await expect(client.sendText('u', 'a')).rejects.toBeInstanceOf(ZaloAuthError);
    expect(await db.zaloToken.findUniqueOrThrow({ where: { id: 'oa' } })).toMatchObject({ accessToken: 'access-1', refreshToken: 'refresh-1', version: 1 });
    // The failure is kept for the console's operations page, in our own words, with no token in the state it reads.
    const state = await readZaloTokenState(db);
    expect(state).toEqual({ accessExpiresAt: expect.any(Date), refreshedAt: null, refreshFailedAt: expect.any(Date), refreshError: 'Zalo token unavailable: OAuth refused the refresh: Invalid parameter', version: 1 });
    expect(JSON.stringify(state)).not.toMatch(/access-1|refresh-1/);
  });

  it('refreshes ahead of expiry, before the token is refused', async () => {
    await db.zaloToken.update({ where: { id: 'oa' }, data: { accessExpiresAt: new Date(Date.now() + 60_000) } });
    const { client } = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: base });
    nock(base)
      .post('/v4/oa/access_token')
      .reply(200, { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: 90000 })
      .post('/v3.0/oa/message/cs')
      .matchHeader('access_token', 'access-2')
      .reply(200, ok({ message_id: 'm-9' }));
    await expect(client.sendText('u', 'a')).resolves.toEqual({ messageId: 'm-9' });
  });

  it('ten concurrent sends from two processes meeting an expired token make exactly one refresh', async () => {
    const processA = zaloStack({ db, redis, keyPrefix: config.queuePrefix, baseUrl: base });
    const otherRedis = createRedisConnection(config.redisUrl, 'producer');
    const processB = zaloStack({ db, redis: otherRedis, keyPrefix: config.queuePrefix, baseUrl: base });
    nock(base)
      .post('/v3.0/oa/message/cs')
      .matchHeader('access_token', 'access-1')
      .times(10)
      .reply(200, { error: -220, message: 'Access token has expired' })
      // Exactly one refresh is mocked: a second would find no mock and fail the test.
      .post('/v4/oa/access_token', 'refresh_token=refresh-1&app_id=test-app&grant_type=refresh_token')
      .delay(300)
      .reply(200, { access_token: 'access-2', refresh_token: 'refresh-2', expires_in: '90000' })
      .post('/v3.0/oa/message/cs')
      .matchHeader('access_token', 'access-2')
      .times(10)
      .reply(200, ok({ message_id: 'm-ok' }));
    const sends = Array.from({ length: 10 }, (_, i) => (i % 2 ? processA : processB).client.sendText('u', `tin ${i}`));
    await expect(Promise.all(sends)).resolves.toHaveLength(10);
    expect(await db.zaloToken.findUniqueOrThrow({ where: { id: 'oa' } })).toMatchObject({ refreshToken: 'refresh-2', version: 2 });
    otherRedis.disconnect();
  });
});
