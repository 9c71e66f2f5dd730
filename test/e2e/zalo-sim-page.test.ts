import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { verifyZaloSignature } from '../../src/zalo/signature.js';
import { createZaloSim, type ZaloSim, type ZaloSimServer } from '../../tools/zalo-sim/zalo-sim.js';
import { browserEnvironment, CHROMIUM, chromiumArgs } from '../helpers/chromium.js';

const GREETING = 'Xin chào, tôi muốn đăng ký sản phẩm';
const BOT_REPLY = 'Chào chị! Chị muốn làm gì tiếp theo?';

// A 1×1 PNG: enough for the page to render a real image.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

interface BotEvent {
  event_name: string;
  message?: { text?: string; attachments?: Array<{ type: string; payload: { name?: string; url?: string } }> };
  info?: { name?: string; phone?: string };
}

/**
 * A tiny bot: acknowledges every webhook, and answers a greeting through the
 * stand-in's cs endpoint with a text and two buttons. "lỗi" gets an HTTP 500.
 */
async function startFakeBot(simUrl: () => string) {
  const received: BotEvent[] = [];
  const app = express();
  app.post('/webhooks/zalo', express.raw({ type: '*/*' }), (req, res) => {
    const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const event = JSON.parse(raw.toString('utf8'));
    const signed = verifyZaloSignature({
      header: req.get('x-zevent-signature'),
      appId: 'sim-app',
      rawBody: raw,
      timestamp: event.timestamp,
      secret: 'sim-oa-secret',
    });
    if (!signed) {
      res.status(401).send('bad signature');
      return;
    }
    received.push(event);
    const text: string | undefined = event.message?.text;
    if (event.event_name === 'user_send_text' && text === 'lỗi') {
      res.status(500).send('boom');
      return;
    }
    res.status(200).send('ok');
    if (event.event_name === 'user_send_text' && text?.startsWith('Xin chào')) {
      void fetch(`${simUrl()}/v3.0/oa/message/cs`, {
        method: 'POST',
        headers: { access_token: 'sim-access-0', 'content-type': 'application/json' },
        body: JSON.stringify({
          recipient: { user_id: event.sender.id },
          message: {
            text: BOT_REPLY,
            attachment: {
              type: 'template',
              payload: {
                buttons: [
                  { title: 'Đăng ký sản phẩm', type: 'oa.query.show', payload: '#dang_ky_san_pham' },
                  { title: 'Hỏi về hồ sơ', type: 'oa.query.hide', payload: '#hoi_ho_so' },
                ],
              },
            },
          },
        }),
      });
    }
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake bot has no port');
  return {
    url: `http://127.0.0.1:${address.port}/webhooks/zalo`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** This process's environment without the `faketime` preload and its settings. */
describe('chat page', () => {
  let sim: ZaloSim;
  let simServer: ZaloSimServer;
  let bot: Awaited<ReturnType<typeof startFakeBot>>;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  let shotDir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install it with "apt-get update && apt-get install -y chromium"`);
    }
    bot = await startFakeBot(() => simServer.url);
    sim = createZaloSim({ webhookUrl: bot.url });
    simServer = await sim.listen();
    profileDir = await mkdtemp(join(tmpdir(), 'zalo-sim-chromium-'));
    shotDir = await mkdtemp(join(tmpdir(), 'zalo-sim-shots-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: chromiumArgs,
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
      locale: 'vi-VN',
      env: browserEnvironment(),
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await simServer?.close();
    await bot?.close();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  it('chats in Vietnamese, shows the reply live and sends a tapped button back as text', async () => {
    await page.goto(simServer.url);
    await expect.poll(() => page.locator('#conn-status').textContent(), { timeout: 10_000 }).toContain('Đã kết nối');
    await page.selectOption('#user-select', 'sim-user-producer');

    await page.fill('#text-input', GREETING);
    await page.click('#send-btn');

    const mine = page.locator('.msg.user', { hasText: GREETING });
    await mine.waitFor({ timeout: 10_000 });
    await mine.locator('.delivery.ok').waitFor({ timeout: 10_000 });

    const reply = page.locator('.msg.oa', { hasText: BOT_REPLY });
    await reply.waitFor({ timeout: 10_000 });
    expect(await reply.locator('.bot-btn').count()).toBe(2);

    await page.getByRole('button', { name: 'Đăng ký sản phẩm' }).click();
    await expect
      .poll(() => bot.received.filter((e) => e.event_name === 'user_send_text').map((e) => e.message?.text), { timeout: 10_000 })
      .toEqual([GREETING, '#dang_ky_san_pham']);
    await page.locator('.msg.user', { hasText: '#dang_ky_san_pham' }).waitFor({ timeout: 10_000 });

    const sent = sim.getSent({ userId: 'sim-user-producer' });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.buttons?.map((b) => b.title)).toEqual(['Đăng ký sản phẩm', 'Hỏi về hồ sơ']);
  }, 60_000);

  it('shows clearly when the bot answers a webhook with a non-200 status', async () => {
    await page.fill('#text-input', 'lỗi');
    await page.keyboard.press('Enter');
    const failed = page.locator('.msg.user', { hasText: 'lỗi' }).locator('.delivery.bad');
    await failed.waitFor({ timeout: 10_000 });
    expect(await failed.textContent()).toContain('HTTP 500');
  }, 30_000);

  /** Plays the bot's side directly against the stand-in's Open API. */
  async function botSends(message: unknown): Promise<void> {
    const response = await fetch(`${simServer.url}/v3.0/oa/message/cs`, {
      method: 'POST',
      headers: { access_token: 'sim-access-0', 'content-type': 'application/json' },
      body: JSON.stringify({ recipient: { user_id: 'sim-user-producer' }, message }),
    });
    expect(await response.json()).toMatchObject({ error: 0 });
  }

  it('attaches photos and files, shows the bot file, and answers an info card with the form', async () => {
    await page.setInputFiles('#image-input', { name: 'san-pham.png', mimeType: 'image/png', buffer: PNG });
    await page.setInputFiles('#file-input', { name: 'Phiếu đăng ký.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 phiếu') });
    await expect
      .poll(() => bot.received.filter((e) => e.event_name === 'user_send_image' || e.event_name === 'user_send_file').length, { timeout: 10_000 })
      .toBe(2);
    const file = bot.received.find((e) => e.event_name === 'user_send_file');
    expect(file?.message?.attachments?.[0]?.payload.name).toBe('Phiếu đăng ký.pdf');
    await page.locator('.msg.user img.photo').waitFor({ timeout: 10_000 });

    const form = new FormData();
    form.append('file', new Blob([Buffer.from('%PDF-1.4 hướng dẫn')], { type: 'application/pdf' }), 'Hướng dẫn hồ sơ OCOP.pdf');
    const upload = await fetch(`${simServer.url}/v2.0/oa/upload/file`, { method: 'POST', headers: { access_token: 'sim-access-0' }, body: form });
    const { token } = z.object({ data: z.object({ token: z.string() }) }).parse(await upload.json()).data;
    await botSends({ attachment: { type: 'file', payload: { token } } });
    await page.locator('.msg.oa .file-card', { hasText: 'Hướng dẫn hồ sơ OCOP.pdf' }).waitFor({ timeout: 10_000 });

    await botSends({
      attachment: {
        type: 'template',
        payload: {
          template_type: 'request_user_info',
          elements: [{ title: 'Chia sẻ thông tin liên hệ', subtitle: 'Để cán bộ xã gọi lại cho chị' }],
        },
      },
    });
    const card = page.locator('.msg.oa .card', { hasText: 'Chia sẻ thông tin liên hệ' });
    await card.waitFor({ timeout: 10_000 });
    await card.locator('input[name="address"]').fill('Thôn Đông, xã Vân Hoà');
    await card.getByRole('button', { name: 'Chia sẻ thông tin' }).click();
    await expect
      .poll(() => bot.received.find((e) => e.event_name === 'user_submit_info')?.info, { timeout: 10_000 })
      .toMatchObject({ name: 'Nguyễn Thị Hoa', phone: '84912345678' });
  }, 60_000);

  it('fits a 390×844 phone screen (screenshot for a human look)', async () => {
    // Evaluated in the page; a string keeps DOM types out of this Node-side file.
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBe(0);
    const file = join(shotDir, 'zalo-sim-page-390x844.png');
    await page.screenshot({ path: file });
    expect((await stat(file)).size).toBeGreaterThan(10_000);
    await page.click('#toggle-panel');
    await page.locator('#panel').waitFor();
    const panelFile = join(shotDir, 'zalo-sim-panel-390x844.png');
    await page.screenshot({ path: panelFile });
    console.log(`zalo-sim page screenshots: ${file} ${panelFile}`);
  }, 30_000);
});
