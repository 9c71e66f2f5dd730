import type { IncomingHttpHeaders, Server } from 'node:http';
import express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyZaloSignature } from '../../src/zalo/signature.js';
import { createZaloSim, type ZaloSim, type ZaloSimServer } from '../../tools/zalo-sim/zalo-sim.js';
import { PRESET_USERS } from '../../tools/zalo-sim/sim-store.js';

const APP_ID = 'test-app';
const OA_SECRET = 'test-oa-secret';
const APP_SECRET = 'test-app-secret';
const PRODUCER = 'sim-user-producer';
const OFFICIAL = 'sim-user-official';
const DAY = 24 * 60 * 60 * 1000;
const CS = '/v3.0/oa/message/cs';

interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  body: any;
}

/** A stand-in for the bot's POST /webhooks/zalo that keeps the exact bytes it got. */
async function startReceiver() {
  const received: ReceivedWebhook[] = [];
  const statuses: number[] = [];
  const app = express();
  app.post('/webhooks/zalo', express.raw({ type: '*/*' }), (req, res) => {
    const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    received.push({ headers: req.headers, raw, body: JSON.parse(raw.toString('utf8')) });
    res.status(statuses.shift() ?? 200).send('ok');
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver has no port');
  return {
    url: `http://127.0.0.1:${address.port}/webhooks/zalo`,
    received,
    /** Answer the next webhooks with these statuses, then 200 again. */
    answerNext: (...codes: number[]) => statuses.push(...codes),
    events: (name: string) => received.filter((r) => r.body.event_name === name),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let now: number;
let sim: ZaloSim;
let server: ZaloSimServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

async function call(
  method: 'GET' | 'POST',
  path: string,
  options: { token?: string | null; json?: unknown; form?: Record<string, string>; headers?: Record<string, string>; data?: unknown; multipart?: FormData } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? sim.getState().tokens.accessToken : options.token;
  if (token) headers['access_token'] = token;
  let body: string | FormData | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.multipart) {
    body = options.multipart;
  }
  const query = options.data !== undefined ? `?data=${encodeURIComponent(JSON.stringify(options.data))}` : '';
  const response = await fetch(`${server.url}${path}${query}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain-text answers (simulated HTTP errors) stay text
  }
  return { status: response.status, body: parsed };
}

function sendText(userId: string, text: string) {
  return call('POST', CS, { json: { recipient: { user_id: userId }, message: { text } } });
}

function refresh(refreshToken: string, secret = APP_SECRET) {
  return call('POST', '/v4/oa/access_token', {
    token: null,
    headers: { secret_key: secret },
    form: { refresh_token: refreshToken, app_id: APP_ID, grant_type: 'refresh_token' },
  });
}

/** Moves the clock further than the token lifetime, then refreshes as the bot would. */
async function jump(ms: number) {
  now += ms;
  const current = sim.getState().tokens.refreshToken;
  if (!current) throw new Error('no refresh token to jump with');
  expect((await refresh(current)).body.access_token).toEqual(expect.any(String));
}

function upload(kind: 'file' | 'image', name: string, bytes: Buffer, type: string) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), name);
  return call('POST', `/v2.0/oa/upload/${kind}`, { multipart: form });
}

beforeEach(async () => {
  now = Date.UTC(2026, 4, 4, 2, 0, 0);
  receiver = await startReceiver();
  sim = createZaloSim({
    appId: APP_ID,
    oaSecretKey: OA_SECRET,
    appSecret: APP_SECRET,
    webhookUrl: receiver.url,
    initialTokens: { accessToken: 'acc-0', refreshToken: 'ref-0' },
    accessTokenLifetimeSeconds: 3600,
    clock: { now: () => now },
  });
  server = await sim.listen();
});

afterEach(async () => {
  await sim.whenIdle();
  await server.close();
  await receiver.close();
});

describe('OAuth token endpoint', () => {
  it('answers a refresh with a new pair, expires_in as a string, and kills the old pair', async () => {
    const { status, body } = await refresh('ref-0');
    expect(status).toBe(200);
    expect(body).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), expires_in: '3600' });
    expect(body.access_token).not.toBe('acc-0');
    expect(sim.getState().refreshCount).toBe(1);
    expect(sim.getState().tokens).toMatchObject({ accessToken: body.access_token, refreshToken: body.refresh_token });

    expect((await call('POST', '/v3.0/oa/quota/message', { token: body.access_token, json: { user_id: PRODUCER } })).body.error).toBe(0);
    expect((await call('POST', '/v3.0/oa/quota/message', { token: 'acc-0', json: { user_id: PRODUCER } })).body.error).toBe(-216);
  });

  it('treats refresh tokens as single-use: a reused one fails with HTTP 200 and revokes the grant', async () => {
    const first = await refresh('ref-0');
    const reused = await refresh('ref-0');
    expect(reused.status).toBe(200);
    expect(reused.body).toEqual({
      error_name: 'Invalid parameter',
      error_reason: expect.any(String),
      error_description: expect.any(String),
    });
    expect(reused.body.access_token).toBeUndefined();
    expect(sim.getState().tokens).toEqual({ accessToken: null, refreshToken: null, accessTokenExpiresAt: null, grantRevoked: true });
    expect(sim.getState().refreshCount).toBe(1);
    expect(sim.getState().refreshAttempts).toBe(2);

    // The pair the first refresh handed out died with the grant.
    expect((await sendText(PRODUCER, 'x').then(() => call('GET', '/v3.0/oa/user/detail', { token: first.body.access_token, data: { user_id: PRODUCER } }))).body.error).toBe(-216);
    expect((await refresh(first.body.refresh_token)).body.error_name).toBe('Invalid parameter');

    sim.grantTokens({ accessToken: 'acc-consent', refreshToken: 'ref-consent' });
    expect((await refresh('ref-consent')).body.access_token).toEqual(expect.any(String));
  });

  it('rejects an unknown refresh token without touching the grant, and checks secret_key', async () => {
    expect((await refresh('nope')).body.error_name).toBe('Invalid parameter');
    expect((await refresh('ref-0', 'wrong-secret')).body.error_reason).toBe('Invalid secret key');
    expect(sim.getState().tokens.grantRevoked).toBe(false);
    expect(sim.getState().refreshCount).toBe(0);
    expect((await refresh('ref-0')).body.access_token).toEqual(expect.any(String));
    expect(sim.getState().refreshCount).toBe(1);
  });
});

describe('access tokens on the Open API', () => {
  it('answers -216 for a missing or unknown token and -220 for an expired one', async () => {
    await sim.userSendText(PRODUCER, 'Xin chào');
    expect((await call('POST', CS, { token: null, json: {} })).body).toMatchObject({ error: -216, message: expect.any(String) });
    expect((await sendText(PRODUCER, 'a').then(() => call('POST', CS, { token: 'bogus', json: {} }))).body.error).toBe(-216);

    sim.expireAccessToken();
    const expired = await sendText(PRODUCER, 'a');
    expect(expired.status).toBe(200);
    expect(expired.body.error).toBe(-220);
  });

  it('expires the access token after its lifetime on the injected clock', async () => {
    await sim.userSendText(PRODUCER, 'Xin chào');
    now += 3599_000;
    expect((await sendText(PRODUCER, 'still fine')).body.error).toBe(0);
    now += 1_000;
    expect((await sendText(PRODUCER, 'too late')).body.error).toBe(-220);
  });

  it('answers -124 on the ZNS endpoint for a bad token', async () => {
    const reply = await call('POST', '/message/template', {
      token: 'bogus',
      json: { phone: '84912345678', template_id: '1', template_data: {}, tracking_id: 't' },
    });
    expect(reply.body.error).toBe(-124);
  });
});

describe('messaging window and followers', () => {
  it('refuses cs to a user who never interacted (-230), then follows the 48 h / 7 day window', async () => {
    expect((await sendText(PRODUCER, 'Chào')).body.error).toBe(-230);

    await sim.userSendText(PRODUCER, 'Xin chào');
    const reply = await sendText(PRODUCER, 'Chào bạn');
    expect(reply.body).toEqual({ error: 0, message: 'Success', data: { message_id: expect.any(String), user_id: PRODUCER } });
    expect(sim.getSent({ userId: PRODUCER }).at(-1)).toMatchObject({ window: 'free', text: 'Chào bạn', channel: 'cs' });

    await jump(3 * DAY);
    expect((await sendText(PRODUCER, 'Nhắc hồ sơ')).body.error).toBe(0);
    expect(sim.getSent({ userId: PRODUCER }).at(-1)?.window).toBe('paid');

    await jump(5 * DAY);
    expect((await sendText(PRODUCER, 'Quá hạn')).body.error).toBe(-230);
    expect(sim.getSent({ userId: PRODUCER })).toHaveLength(2);
  });

  it('answers -213 to a user who does not follow, and the switches set both facts', async () => {
    sim.setUser(OFFICIAL, { following: false, lastInteractionAt: now });
    expect((await sendText(OFFICIAL, 'Kính gửi')).body.error).toBe(-213);
    sim.setUser(OFFICIAL, { following: true });
    expect((await sendText(OFFICIAL, 'Kính gửi')).body.error).toBe(0);
    sim.setUser(OFFICIAL, { lastInteractionAt: now - 8 * DAY });
    expect((await sendText(OFFICIAL, 'Kính gửi')).body.error).toBe(-230);
  });

  it('rejects user_id_by_app and unknown ids as recipients (-201)', async () => {
    await sim.userSendText(PRODUCER, 'Xin chào');
    const byApp = sim.getUser(PRODUCER)?.userIdByApp ?? '';
    const reply = await sendText(byApp, 'sai người');
    expect(reply.body.error).toBe(-201);
    expect(reply.body.message).toContain('user_id_by_app');
    expect((await sendText('no-such-user', 'x')).body.error).toBe(-201);
  });

  it('sends approved templates by user id outside the window', async () => {
    const reply = await call('POST', '/v3.0/oa/message/template', {
      json: { user_id: OFFICIAL, template_id: 'tpl-hop-hoi-dong', template_data: { ngay: '12/05/2026' } },
    });
    expect(reply.body).toMatchObject({ error: 0, data: { message_id: expect.any(String), user_id: OFFICIAL } });
    expect(sim.getSent({ channel: 'template' })).toHaveLength(1);
  });
});

describe('body validation like Zalo (-201)', () => {
  beforeEach(async () => {
    await sim.userSendText(PRODUCER, 'Xin chào');
  });

  const buttons = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ title: `Nút ${i + 1}`, type: 'oa.query.show', payload: `#b${i + 1}` }));

  function cs(message: unknown) {
    return call('POST', CS, { json: { recipient: { user_id: PRODUCER }, message } });
  }

  it('counts text length after NFC normalization', async () => {
    expect((await cs({ text: 'a'.repeat(2001) })).body.error).toBe(-201);
    expect((await cs({ text: 'a'.repeat(2000) })).body.error).toBe(0);
    // "ệ" in NFD is three code points; 1000 of them are 1000 characters once composed.
    const decomposed = 'ệ'.normalize('NFD').repeat(1000);
    expect(decomposed.length).toBeGreaterThan(2000);
    expect((await cs({ text: decomposed })).body.error).toBe(0);
  });

  it('allows at most five valid buttons', async () => {
    const attachment = (n: number) => ({ type: 'template', payload: { buttons: buttons(n) } });
    expect((await cs({ text: 'Chọn', attachment: attachment(6) })).body.error).toBe(-201);
    expect((await cs({ text: 'Chọn', attachment: attachment(5) })).body.error).toBe(0);
    const badUrl = { type: 'template', payload: { buttons: [{ title: 'Mở', type: 'oa.open.url', payload: { url: 'not a url' } }] } };
    expect((await cs({ text: 'Chọn', attachment: badUrl })).body.error).toBe(-201);
    const sent = sim.getSent({ userId: PRODUCER }).at(-1);
    expect(sent?.buttons).toHaveLength(5);
  });

  it('needs exactly one media element', async () => {
    const media = (elements: unknown[]) => ({ type: 'template', payload: { template_type: 'media', elements } });
    const element = { media_type: 'image', url: 'https://example.test/a.png' };
    expect((await cs({ attachment: media([element, element]) })).body.error).toBe(-201);
    expect((await cs({ attachment: media([]) })).body.error).toBe(-201);
    expect((await cs({ attachment: media([element]) })).body.error).toBe(0);
  });

  it('sends files and images only from tokens it issued, and lets uploads expire', async () => {
    expect((await cs({ attachment: { type: 'file', payload: { token: 'made-up' } } })).body.error).toBe(-201);

    const pdf = Buffer.from('%PDF-1.4 giấy chứng nhận');
    const uploaded = await upload('file', 'Giấy chứng nhận.pdf', pdf, 'application/pdf');
    expect(uploaded.body).toEqual({ error: 0, message: 'Success', data: { token: expect.any(String) } });
    expect((await cs({ attachment: { type: 'file', payload: { token: uploaded.body.data.token } } })).body.error).toBe(0);
    const sentFile = sim.getSent({ kind: 'file' })[0]?.file;
    expect(sentFile).toMatchObject({ name: 'Giấy chứng nhận.pdf', size: pdf.length });
    const download = await fetch(sentFile?.url ?? '');
    expect(Buffer.from(await download.arrayBuffer())).toEqual(pdf);

    expect((await upload('file', 'notes.txt', Buffer.from('x'), 'text/plain')).body.error).toBe(-201);
    expect((await upload('file', 'big.pdf', Buffer.alloc(5 * 1024 * 1024 + 1), 'application/pdf')).body.error).toBe(-201);
    expect((await upload('image', 'big.png', Buffer.alloc(1024 * 1024 + 1), 'image/png')).body.error).toBe(-201);

    const image = await upload('image', 'nhan.png', Buffer.from('png-bytes'), 'image/png');
    const attachmentId: string = image.body.data.attachment_id;
    const media = { type: 'template', payload: { template_type: 'media', elements: [{ media_type: 'image', attachment_id: attachmentId }] } };
    expect((await cs({ attachment: media })).body.error).toBe(0);

    await jump(8 * DAY);
    sim.setUser(PRODUCER, { lastInteractionAt: now });
    expect((await cs({ attachment: { type: 'file', payload: { token: uploaded.body.data.token } } })).body.error).toBe(-100);
  });

  it('accepts a request_user_info card with one element', async () => {
    const card = {
      type: 'template',
      payload: {
        template_type: 'request_user_info',
        elements: [{ title: 'Chia sẻ số điện thoại', subtitle: 'Để cán bộ xã liên hệ', image_url: 'https://example.test/i.png' }],
      },
    };
    expect((await cs({ attachment: card })).body.error).toBe(0);
    expect(sim.getSent({ kind: 'request_user_info' })[0]?.requestInfo?.title).toBe('Chia sẻ số điện thoại');
  });

  it('answers -201 to a body that is not JSON and -240 to the retired v2 message API', async () => {
    const raw = await fetch(`${server.url}${CS}`, {
      method: 'POST',
      headers: { access_token: 'acc-0', 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(await raw.json()).toMatchObject({ error: -201 });
    expect((await call('POST', '/v2.0/oa/message', { json: {} })).body.error).toBe(-240);
  });
});

describe('switches', () => {
  beforeEach(async () => {
    await sim.userSendText(PRODUCER, 'Xin chào');
  });

  it('answers the next N calls to a path with a Zalo error, then behaves again', async () => {
    sim.failNext({ path: CS, error: -32, times: 2 });
    expect((await sendText(PRODUCER, '1')).body).toEqual({ error: -32, message: expect.any(String) });
    expect((await call('GET', '/v3.0/oa/user/detail', { data: { user_id: PRODUCER } })).body.error).toBe(0);
    expect((await sendText(PRODUCER, '2')).body.error).toBe(-32);
    expect((await sendText(PRODUCER, '3')).body.error).toBe(0);
    expect(sim.getSent({ userId: PRODUCER }).map((m) => m.text)).toEqual(['3']);
    expect(sim.getCalls({ path: CS }).map((c) => c.error)).toEqual([-32, -32, 0]);
  });

  it('applies a fault without a path to whatever Zalo call comes next, OAuth included', async () => {
    sim.failNext({ httpStatus: 500 });
    const reply = await call('GET', '/v3.0/oa/user/detail', { data: { user_id: PRODUCER } });
    expect(reply.status).toBe(500);

    sim.failNext({ path: '/v4/oa/access_token', error: -14014 });
    expect((await refresh('ref-0')).body).toMatchObject({ error_name: 'Invalid parameter', error_reason: '-14014' });
    expect((await refresh('ref-0')).body.access_token).toEqual(expect.any(String));
  });

  it('can be driven over HTTP under /sim', async () => {
    const added = await fetch(`${server.url}/sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: CS, error: -230 }),
    });
    expect(added.status).toBe(200);
    expect((await sendText(PRODUCER, 'x')).body.error).toBe(-230);

    const bad = await fetch(`${server.url}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(bad.status).toBe(400);

    await fetch(`${server.url}/sim/tokens/expire`, { method: 'POST' });
    expect((await sendText(PRODUCER, 'x')).body.error).toBe(-220);

    const state = await (await fetch(`${server.url}/sim/state`)).json();
    expect(state).toMatchObject({ appId: APP_ID, refreshCount: 0, counts: { sent: 0 } });

    const sent = await (await fetch(`${server.url}/sim/sent?userId=${PRODUCER}`)).json();
    expect(sent).toEqual({ sent: [] });
  });

  it('delivers a slow request even when the client gave up, and records it', async () => {
    sim.failNext({ path: CS, delayMs: 400 });
    const controller = new AbortController();
    const pending = fetch(`${server.url}${CS}`, {
      method: 'POST',
      headers: { access_token: 'acc-0', 'content-type': 'application/json' },
      body: JSON.stringify({ recipient: { user_id: PRODUCER }, message: { text: 'Gửi chậm' } }),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow();

    // Carried out before the delay, like a real request whose answer was lost.
    expect(sim.getSent({ userId: PRODUCER }).map((m) => m.text)).toEqual(['Gửi chậm']);
    await expect.poll(() => sim.getSlowRequests()[0]?.finished, { timeout: 2000 }).toBe(true);
    expect(sim.getSlowRequests()[0]).toMatchObject({ path: CS, delayMs: 400, completed: true, error: 0, clientGone: true, answered: false });
  });

  it('answers a slow request normally when the client waits', async () => {
    sim.failNext({ delayMs: 100 });
    const started = Date.now();
    expect((await sendText(PRODUCER, 'chờ')).body.error).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(sim.getSlowRequests()[0]).toMatchObject({ clientGone: false, answered: true, finished: true });
  });

  it('reset brings back the initial tokens, presets and an empty log', async () => {
    await refresh('ref-0');
    sim.failNext({ error: -32 });
    sim.reset();
    expect(sim.getState()).toMatchObject({
      tokens: { accessToken: 'acc-0', refreshToken: 'ref-0', grantRevoked: false },
      refreshCount: 0,
      counts: { sent: 0, transcript: 0, pendingFaults: 0, users: PRESET_USERS.length },
    });
  });
});

describe('webhooks posted as users', () => {
  function expectSigned(webhook: ReceivedWebhook | undefined) {
    expect(webhook).toBeDefined();
    if (!webhook) return;
    const header = webhook.headers['x-zevent-signature'];
    expect(
      verifyZaloSignature({
        header: typeof header === 'string' ? header : undefined,
        appId: APP_ID,
        rawBody: webhook.raw,
        timestamp: webhook.body.timestamp,
        secret: OA_SECRET,
      }),
    ).toBe(true);
    expect(
      verifyZaloSignature({
        header: typeof header === 'string' ? header : undefined,
        appId: APP_ID,
        rawBody: webhook.raw,
        timestamp: webhook.body.timestamp,
        secret: 'another-secret',
      }),
    ).toBe(false);
  }

  it('posts user_send_text signed over the raw bytes, with string ids beyond 2^53', async () => {
    const result = await sim.userSendText(PRODUCER, 'Xin chào, tôi muốn đăng ký sản phẩm');
    expect(result).toMatchObject({ status: 200, eventName: 'user_send_text', msgId: expect.any(String) });

    const webhook = receiver.received[0];
    expectSigned(webhook);
    const user = sim.getUser(PRODUCER);
    expect(webhook?.body).toEqual({
      app_id: APP_ID,
      user_id_by_app: user?.userIdByApp,
      event_name: 'user_send_text',
      timestamp: String(now),
      sender: { id: PRODUCER },
      recipient: { id: sim.oaId },
      message: { msg_id: result.msgId, text: 'Xin chào, tôi muốn đăng ký sản phẩm' },
    });
    expect(webhook?.body.user_id_by_app).not.toBe(PRODUCER);
    expect(BigInt(webhook?.body.message.msg_id)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    expect(String(Number(webhook?.body.message.msg_id))).not.toBe(webhook?.body.message.msg_id);
    expect(webhook?.headers['num_retry']).toBeUndefined();
  });

  it('posts follow and unfollow without sender or msg_id', async () => {
    await sim.userFollow('sim-user-new', { displayName: 'Lê Văn Nam' });
    await sim.userUnfollow('sim-user-new');
    const [follow, unfollow] = receiver.received;
    expectSigned(follow);
    expect(follow?.body).toEqual({
      oa_id: sim.oaId,
      follower: { id: 'sim-user-new' },
      user_id_by_app: expect.any(String),
      event_name: 'follow',
      source: 'oa_profile',
      app_id: APP_ID,
      timestamp: String(now),
    });
    expect(unfollow?.body).toMatchObject({ event_name: 'unfollow', follower: { id: 'sim-user-new' } });
    expect(unfollow?.body.sender).toBeUndefined();
    expect(sim.getUser('sim-user-new')).toMatchObject({ following: false, displayName: 'Lê Văn Nam', lastInteractionAt: now });
  });

  it('posts images and files whose URLs the bot can download', async () => {
    const photo = Buffer.from('jpeg-bytes');
    await sim.userSendImage(PRODUCER, { data: photo, filename: 'san-pham.jpg', caption: 'Ảnh sản phẩm' });
    const doc = Buffer.from('%PDF-1.7 phiếu đăng ký');
    await sim.userSendFile(PRODUCER, { data: doc, filename: 'Phiếu đăng ký.PDF' });

    const image = receiver.events('user_send_image')[0];
    expectSigned(image);
    expect(image?.body.message).toEqual({
      msg_id: expect.any(String),
      text: 'Ảnh sản phẩm',
      attachments: [{ type: 'image', payload: { url: expect.any(String), thumbnail: expect.any(String) } }],
    });
    const imageBytes = await fetch(image?.body.message.attachments[0].payload.url);
    expect(imageBytes.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await imageBytes.arrayBuffer())).toEqual(photo);

    const file = receiver.events('user_send_file')[0];
    expect(file?.body.message.attachments).toEqual([
      {
        type: 'file',
        payload: { url: expect.any(String), name: 'Phiếu đăng ký.PDF', size: String(doc.length), type: 'pdf', checksum: expect.stringMatching(/^[0-9a-f]{32}$/) },
      },
    ]);
    const fileBytes = await fetch(file?.body.message.attachments[0].payload.url);
    expect(Buffer.from(await fileBytes.arrayBuffer())).toEqual(doc);
  });

  it('posts user_submit_info and remembers the shared info for the profile API', async () => {
    await sim.userSubmitInfo(PRODUCER, { name: 'Nguyễn Thị Hoa', phone: '0912345678', address: 'Thôn 3', district: 'Ba Vì', city: 'Hà Nội' });
    const webhook = receiver.events('user_submit_info')[0];
    expectSigned(webhook);
    expect(webhook?.body).toEqual({
      app_id: APP_ID,
      user_id_by_app: expect.any(String),
      event_name: 'user_submit_info',
      timestamp: String(now),
      sender: { id: PRODUCER },
      recipient: { id: sim.oaId },
      info: { address: 'Thôn 3', phone: '84912345678', city: 'Hà Nội', district: 'Ba Vì', name: 'Nguyễn Thị Hoa' },
    });
    const detail = await call('GET', '/v3.0/oa/user/detail', { data: { user_id: PRODUCER } });
    expect(detail.body.data).toMatchObject({
      user_id: PRODUCER,
      user_is_follower: true,
      user_last_interaction_date: '04/05/2026',
      shared_info: { phone: '84912345678', name: 'Nguyễn Thị Hoa' },
    });
  });

  it('echoes accepted cs messages as oa_send_text, then posts user_received_message', async () => {
    await sim.userSendText(PRODUCER, 'Xin chào');
    const reply = await sendText(PRODUCER, 'Chào bạn');
    await sim.whenIdle();
    const names = receiver.received.map((r) => r.body.event_name);
    expect(names).toEqual(['user_send_text', 'oa_send_text', 'user_received_message']);
    const [, echo, receipt] = receiver.received;
    expectSigned(echo);
    expect(echo?.body).toMatchObject({
      event_name: 'oa_send_text',
      sender: { id: sim.oaId },
      recipient: { id: PRODUCER },
      message: { msg_id: reply.body.data.message_id, text: 'Chào bạn' },
    });
    expectSigned(receipt);
    expect(receipt?.body).toMatchObject({
      event_name: 'user_received_message',
      sender: { id: sim.oaId },
      recipient: { id: PRODUCER },
      message: { msg_ids: [reply.body.data.message_id] },
    });

    await sim.userSeen(PRODUCER);
    expect(receiver.events('user_seen_message')[0]?.body.message).toEqual({ msg_ids: [reply.body.data.message_id] });
  });

  it('posts no echo and no receipt when both are switched off', async () => {
    const quiet = createZaloSim({ appId: APP_ID, webhookUrl: receiver.url, echoSends: false, postReceipts: false, initialTokens: { accessToken: 'q', refreshToken: 'qr' } });
    const quietServer = await quiet.listen();
    try {
      await quiet.userSendText(PRODUCER, 'Xin chào');
      const reply = await fetch(`${quietServer.url}${CS}`, {
        method: 'POST',
        headers: { access_token: 'q', 'content-type': 'application/json' },
        body: JSON.stringify({ recipient: { user_id: PRODUCER }, message: { text: 'Chào' } }),
      });
      expect(await reply.json()).toMatchObject({ error: 0 });
      await quiet.whenIdle();
      expect(receiver.received.map((r) => r.body.event_name)).toEqual(['user_send_text']);
    } finally {
      await quietServer.close();
    }
  });

  it('re-delivers the identical bytes with num_retry and reports the bot status each time', async () => {
    receiver.answerNext(500);
    const first = await sim.userSendText(PRODUCER, 'Gửi lại nhé');
    expect(first.status).toBe(500);
    expect(sim.getTranscript(PRODUCER)[0]?.delivery).toMatchObject({ status: 500 });

    now += 30_000;
    const again = await sim.redeliver(first.deliveryId);
    expect(again.status).toBe(200);
    const [original, retry] = receiver.received;
    expect(retry?.raw.equals(original?.raw ?? Buffer.alloc(0))).toBe(true);
    expect(retry?.headers['x-zevent-signature']).toBe(original?.headers['x-zevent-signature']);
    expect(retry?.headers['num_retry']).toBe('1');
    expect(sim.getDeliveries({ eventName: 'user_send_text' })[0]?.attempts.map((a) => a.status)).toEqual([500, 200]);

    const viaHttp = await fetch(`${server.url}/sim/deliveries/${first.deliveryId}/redeliver`, { method: 'POST' });
    expect(await viaHttp.json()).toMatchObject({ status: 200 });
    expect(receiver.received[2]?.headers['num_retry']).toBe('2');
  });

  it('reports a webhook that could not be delivered at all', async () => {
    sim.setWebhookUrl('http://127.0.0.1:9/webhooks/zalo');
    const result = await sim.userSendText(PRODUCER, 'Có ai không?');
    expect(result.status).toBeNull();
    expect(result.error).toEqual(expect.any(String));
  });

  it('acts as users over HTTP too', async () => {
    const response = await fetch(`${server.url}/sim/users/${OFFICIAL}/text`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Tôi là cán bộ xã' }),
    });
    expect(await response.json()).toMatchObject({ status: 200, eventName: 'user_send_text' });
    expect(receiver.received[0]?.body.sender).toEqual({ id: OFFICIAL });
  });

  it('taps query buttons as user text, hide ones flagged hidden', async () => {
    await sim.userSendText(PRODUCER, 'Xin chào');
    await call('POST', CS, {
      json: {
        recipient: { user_id: PRODUCER },
        message: {
          text: 'Bạn muốn làm gì?',
          attachment: {
            type: 'template',
            payload: {
              buttons: [
                { title: 'Đăng ký', type: 'oa.query.show', payload: '#dang_ky' },
                { title: 'Hỏi đáp', type: 'oa.query.hide', payload: '#hoi_dap' },
                { title: 'Trang OCOP', type: 'oa.open.url', payload: { url: 'https://ocop.example.test' } },
              ],
            },
          },
        },
      },
    });
    expect((await sim.userTapButton(PRODUCER, { title: 'Đăng ký' }))?.event).toMatchObject({ message: { text: '#dang_ky' } });
    expect(await sim.userTapButton(PRODUCER, { title: 'Trang OCOP' })).toBeNull();
    await sim.userTapButton(PRODUCER, { title: 'Hỏi đáp' });
    expect(sim.getTranscript(PRODUCER).at(-1)).toMatchObject({ text: '#hoi_dap', hidden: true });
  });
});

describe('conversation, profile and quota reads', () => {
  it('lists a conversation newest first, at most 10 at a time', async () => {
    await sim.userSendText(PRODUCER, 'một');
    now += 1000;
    const reply = await sendText(PRODUCER, 'hai');
    now += 1000;
    await sim.userSendText(PRODUCER, 'ba');

    const page = await call('GET', '/v2.0/oa/conversation', { data: { user_id: PRODUCER, offset: 0, count: 10 } });
    expect(page.body.error).toBe(0);
    expect(page.body.data.map((m: { message: string }) => m.message)).toEqual(['ba', 'hai', 'một']);
    expect(page.body.data[1]).toMatchObject({
      message_id: reply.body.data.message_id,
      src: 0,
      time: now - 1000,
      type: 'text',
      from_id: sim.oaId,
      to_id: PRODUCER,
    });
    expect(page.body.data[0]).toMatchObject({ src: 1, from_id: PRODUCER, to_id: sim.oaId });

    const second = await call('GET', '/v2.0/oa/conversation', { data: { user_id: PRODUCER, offset: 1, count: 1 } });
    expect(second.body.data.map((m: { message: string }) => m.message)).toEqual(['hai']);
    expect((await call('GET', '/v2.0/oa/conversation', { data: { user_id: PRODUCER, offset: 0, count: 11 } })).body.error).toBe(-201);
  });

  it('reports the last interaction through the quota endpoint', async () => {
    expect((await call('POST', '/v3.0/oa/quota/message', { json: { user_id: OFFICIAL } })).body.data).toMatchObject({
      last_interaction: null,
      window: 'closed',
    });
    await sim.userSendText(OFFICIAL, 'Chào');
    expect((await call('POST', '/v3.0/oa/quota/message', { json: { user_id: OFFICIAL } })).body.data).toMatchObject({
      user_id: OFFICIAL,
      last_interaction: now,
      is_follower: true,
      window: 'free',
    });
  });
});

describe('ZNS by phone', () => {
  const zns = (body: Record<string, unknown>) =>
    call('POST', '/message/template', { json: { phone: '84987654321', template_id: '301', template_data: { ten: 'Minh' }, ...body } });

  it('delivers a tracking_id once and answers repeats with the first msg_id', async () => {
    const first = await zns({ tracking_id: 'nudge:dossier-7:2026-05-04' });
    expect(first.body).toMatchObject({ error: 0, message: 'Success', data: { msg_id: expect.any(String), sent_time: String(now) } });
    const repeat = await zns({ tracking_id: 'nudge:dossier-7:2026-05-04' });
    expect(repeat.body.data.msg_id).toBe(first.body.data.msg_id);
    expect(sim.getSent({ channel: 'zns' })).toHaveLength(1);
    expect(sim.getSent({ channel: 'zns' })[0]).toMatchObject({ userId: OFFICIAL, template: { phone: '84987654321', trackingId: 'nudge:dossier-7:2026-05-04' } });
    expect(sim.getState().counts.znsDuplicates).toBe(1);

    await sim.whenIdle();
    expect(receiver.events('user_received_message')).toHaveLength(1);
    expect(receiver.events('user_received_message')[0]?.body.message).toMatchObject({
      msg_id: first.body.data.msg_id,
      tracking_id: 'nudge:dossier-7:2026-05-04',
    });
  });

  it('checks the phone form and the tracking_id length', async () => {
    expect((await zns({ phone: '0987654321', tracking_id: 'a' })).body.error).toBe(-108);
    expect((await zns({ tracking_id: 'x'.repeat(49) })).body.error).toBe(-201);
    expect((await zns({ tracking_id: 'x'.repeat(48) })).body.error).toBe(0);
  });
});
