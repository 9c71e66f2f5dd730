import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApiToken } from '../../src/admin/api-tokens.js';
import { createDatabase } from '../../src/db/database.js';
import { createSqlPool } from '../../src/db/sql-pool.js';
import { createDocumentStorage } from '../../src/storage/create-document-storage.js';
import { createApp } from '../../src/http/app.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { testNotifyTiming } from '../helpers/admin-app.js';
import { translate } from '../helpers/conversation-harness.js';
import { resetDatabase, testConfig, uniqueId } from '../helpers/test-env.js';
import { signedHeaders, textEvent } from '../helpers/zalo-fixtures.js';
import { capturedLogger } from '../helpers/zalo-harness.js';
import { listenOnFreePort, testWebhook } from '../helpers/listen.js';

// Input a stranger can send: each must end in a 4xx with the app's JSON error shape and
// one warning, never a 500 with a stack.
const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
const sql = createSqlPool({ databaseUrl: config.databaseUrl, poolSize: 4 });
const redis = createRedisConnection(config.redisUrl, 'producer');
const metrics = createMetrics();
const { logger, lines: logLines } = capturedLogger('info');
const appId = config.zalo.appId;
const secret = config.zalo.webhookSecret;
const clock = new Date('2026-03-02T08:00:00.000Z');
let server: Server;
let port: number;
let province: string;

const errorBody = z.strictObject({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
});
const logLine = z.looseObject({ level: z.string(), msg: z.string(), requestId: z.string().optional() });

/** One request exactly as written: the path is not normalised and the body not encoded. */
function send(method: string, path: string, options: { headers?: Record<string, string>; body?: Buffer | string } = {}) {
  return new Promise<{ status: number; requestId: string; body: unknown }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, requestId: String(res.headers['x-request-id']), body: text ? (JSON.parse(text) as unknown) : undefined });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const adminJson = (path: string, raw: string) => send('POST', `/admin/v1${path}`, { headers: { authorization: `Bearer ${province}`, 'content-type': 'application/json' }, body: raw });

/** What the app logged while answering the request with this id. */
function linesOf(requestId: string) {
  return logLines.map((line) => logLine.parse(JSON.parse(line))).filter((line) => line.requestId === requestId);
}

/** The request was refused with one warning and nothing at error level, and no stack anywhere. */
function expectOneWarning(requestId: string) {
  const lines = linesOf(requestId);
  expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
  expect(lines.filter((line) => line.level === 'error' || line.level === 'fatal')).toEqual([]);
  expect(logLines.filter((line) => line.includes(requestId)).join('')).not.toMatch(/"stack"|\n\s+at /);
}

async function rejected(reason: string): Promise<number> {
  const values = (await metrics.registry.getSingleMetric('ocop_webhook_rejected_total')?.get())?.values ?? [];
  return values.filter((value) => value.labels.reason === reason).reduce((sum, value) => sum + value.value, 0);
}

beforeAll(async () => {
  const app = createApp({
    db,
    sql,
    redis,
    logger,
    metrics,
    webhook: testWebhook(config, async () => undefined),
    admin: { translate, notifyTiming: testNotifyTiming(), now: () => clock, invitationTtlHours: 24, enqueueOutbound: async () => undefined },
    packetLinks: { storage: createDocumentStorage({ kind: 'local', root: join(tmpdir(), 'ocop-test-documents') }), secret: 'packet-link-secret', now: () => clock },
  });
  server = (await listenOnFreePort(app)).server;
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

beforeEach(async () => {
  await resetDatabase(db);
  await db.administrativeUnit.create({ data: { communeCode: '26170', communeName: 'Xã Tân Phú', provinceCode: '75', provinceName: 'Tỉnh Đồng Nai' } });
  province = (await createApiToken(db, { name: 'Văn phòng OCOP tỉnh Đồng Nai', role: 'province', provinceCode: '75' })).token;
});

afterAll(async () => {
  server.close();
  redis.disconnect();
  await sql.end();
  await db.$disconnect();
});

describe('POST /webhooks/zalo with a Content-Encoding', () => {
  it.each([
    ['a plain body labelled gzip', 'gzip', (raw: string) => Buffer.from(raw)],
    ['a real gzip body', 'gzip', (raw: string) => gzipSync(raw)],
    ['a deflate body', 'deflate', (raw: string) => Buffer.from(raw)],
  ])('refuses %s with 415, records nothing and counts it', async (_name, encoding, encode) => {
    const event = textEvent({ appId, userId: uniqueId('u'), text: 'nén' });
    const raw = JSON.stringify(event);
    const before = await rejected('content_encoding');
    const response = await send('POST', '/webhooks/zalo', { headers: { ...signedHeaders(raw, { appId, secret, timestamp: event.timestamp }), 'content-encoding': encoding }, body: encode(raw) });
    expect(response.status).toBe(415);
    expect(errorBody.parse(response.body).error).toBe('unsupported_media_type');
    expect(await rejected('content_encoding')).toBe(before + 1);
    expect(await db.inboundEvent.count({ where: { eventKey: `msg:${event.message.msg_id}` } })).toBe(0);
    expect(linesOf(response.requestId).map((line) => line.msg)).toContain('webhook refused');
    expectOneWarning(response.requestId);
  });

  it('still admits Content-Encoding: identity', async () => {
    const event = textEvent({ appId, userId: uniqueId('u'), text: 'không nén' });
    const raw = JSON.stringify(event);
    const response = await send('POST', '/webhooks/zalo', { headers: { ...signedHeaders(raw, { appId, secret, timestamp: event.timestamp }), 'content-encoding': 'identity' }, body: raw });
    expect(response.status).toBe(200);
    expect(await db.inboundEvent.count({ where: { eventKey: `msg:${event.message.msg_id}` } })).toBe(1);
  });
});

describe('a path with broken percent-encoding', () => {
  it.each(['/packets/%ff', '/packets/%', '/documents/%E0%A4%A', '/admin/v1/ideas/%ff'])('answers GET %s with 400 and one warning', async (path) => {
    const response = await send('GET', path, path.startsWith('/admin/') ? { headers: { authorization: `Bearer ${province}` } } : {});
    expect(response.status).toBe(400);
    expect(errorBody.parse(response.body).error).toBe('bad_request');
    // The undecodable text is the caller's, and on these routes it stands where a signed link goes.
    expect(JSON.stringify(response.body)).not.toContain('%');
    expectOneWarning(response.requestId);
    expect(await db.packetAccess.count()).toBe(0);
  });
});

describe('an admin JSON body with text Postgres cannot store', () => {
  it.each([
    ['a NUL character', String.raw`{"name":"Nguyễn\u0000Văn An","role":"province"}`, 'body.name', /NUL/],
    ['a lone high surrogate', String.raw`{"name":"\ud800","role":"province"}`, 'body.name', /surrogate/],
    ['a lone low surrogate after text', String.raw`{"name":"An \udfff","role":"province"}`, 'body.name', /surrogate/],
    ['a NUL in a key', String.raw`{"name":"An","role":"province","x\u0000":1}`, 'body', /key.*NUL/],
  ])('refuses %s with 400 naming where, before the handler writes anything', async (_name, raw, path, message) => {
    const response = await adminJson('/officials', raw);
    expect(response.status).toBe(400);
    const body = errorBody.parse(response.body);
    expect(body.error).toBe('bad_request');
    expect(body.issues).toEqual([{ path, message: expect.stringMatching(message) }]);
    expect(await db.official.count()).toBe(0);
    expectOneWarning(response.requestId);
  });

  it('finds it deep inside a council body and in the certified-products import', async () => {
    const council = await adminJson('/councils', String.raw`{"name":"Hội đồng tỉnh","level":"province","year":2026,"members":[{"name":"Trần Chủ","role":"chair"},{"name":"Lê Thư","role":"secretary"},{"name":"Phạm B\ud83d","role":"member"}]}`);
    expect(council.status).toBe(400);
    expect(errorBody.parse(council.body).issues).toEqual([{ path: 'body.members.2.name', message: expect.stringMatching(/surrogate/) }]);
    expect(await db.council.count()).toBe(0);

    const imported = await adminJson('/certified-products', String.raw`{"rows":[{"productName":"Mật ong\u0000","producerName":"HTX Tân Phú","communeCode":"26170","stars":3,"certifiedOn":"2025-06-01"}]}`);
    expect(imported.status).toBe(400);
    expect(errorBody.parse(imported.body).issues).toEqual([{ path: 'body.rows.0.productName', message: expect.stringMatching(/NUL/) }]);
  });

  it('admits well-formed text, emoji (a surrogate pair) included', async () => {
    const response = await adminJson('/officials', String.raw`{"name":"Nguyễn Văn An \ud83c\udf3e","role":"province"}`);
    expect(response.status).toBe(201);
    expect(await db.official.findFirst({ select: { name: true } })).toEqual({ name: 'Nguyễn Văn An 🌾' });
  });
});

describe('body-parser refusals', () => {
  it.each([
    ['an unreadable JSON body', { 'content-type': 'application/json' }, '{"name":', 400, 'bad_request'],
    ['an unsupported charset', { 'content-type': 'application/json; charset=ebcdic' }, '{}', 415, 'unsupported_media_type'],
    ['a body that does not inflate', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, '{}', 400, 'bad_request'],
    ['an unknown content encoding', { 'content-type': 'application/json', 'content-encoding': 'zstd-but-not-really' }, '{}', 415, 'unsupported_media_type'],
  ])('answers %s on /admin/v1 with its 4xx and one warning', async (_name, headers, raw, status, code) => {
    const response = await send('POST', '/admin/v1/officials', { headers: { authorization: `Bearer ${province}`, ...headers }, body: raw });
    expect(response.status).toBe(status);
    expect(errorBody.parse(response.body).error).toBe(code);
    expectOneWarning(response.requestId);
  });
});
