import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConsoleAuth, issueSignInLink } from '../../src/console/console-auth.js';
import { createQueues, createRedisConnection, type Queues } from '../../src/jobs/queues.js';
import type { LoadedConversation } from '../../src/bot/conversation-setup.js';
import { createDatabase } from '../../src/db/database.js';
import { startConsoleApp } from '../helpers/admin-app.js';
import { launchChromium } from '../helpers/chromium.js';
import { loadProjectConversation } from '../helpers/conversation-harness.js';
import { makeIdea, makeProducer } from '../helpers/notify-fixtures.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig, testDatabaseUrl } from '../helpers/test-env.js';

// The console in a real browser: every page fits a 360 px phone and a 1280 px desktop
// without sideways scrolling, and its main action is on screen.

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 4 });
const redis = new Redis(testConfig().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
const clock = { now: new Date('2026-12-02T02:00:00Z') };
let conversation: LoadedConversation;
let browser: Browser;
let base: string;
let close: () => Promise<void>;
let queues: Queues;
let ideaId: bigint;
let dossierIdeaId: bigint;
/** Kept after the run for a human look at the pages. */
const screenshotDir = join(tmpdir(), 'ocop-console-screenshots');

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  conversation = await loadProjectConversation(db);
  await db.official.create({ data: { name: 'Trần Văn Minh', role: 'commune', provinceCode: '75', communeCode: '26116', zaloUserId: 'zu-commune', linkedAt: clock.now } });
  await db.official.create({ data: { name: 'Lê Thị Lan', role: 'province', provinceCode: '75', zaloUserId: 'zu-province', linkedAt: clock.now, administrator: true } });
  await db.council.create({ data: { name: 'Hội đồng đánh giá, phân hạng sản phẩm OCOP tỉnh Đồng Nai', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
  const producer = await makeProducer(db, 'zu-producer');
  ideaId = (await makeIdea(db, producer.id, new Date('2026-11-30T02:00:00Z'), { status: 'submitted' })).id;
  await db.productIdea.update({ where: { id: ideaId }, data: { productName: 'Mật ong rừng tràm Tân Phú loại đặc biệt đóng chai thủy tinh 500 ml', details: { description: 'Mật ong khai thác tự nhiên từ rừng tràm, lọc lạnh, không pha trộn; đạt tiêu chuẩn cơ sở.' } } });
  dossierIdeaId = (await makeIdea(db, producer.id, new Date('2026-11-23T02:00:00Z'), { dossier: 'submitted' })).id;
  // A second commune, so the overview has a bar each.
  const neighbour = await makeProducer(db, 'zu-producer-2', { communeCode: '26020' });
  const elsewhere = await makeIdea(db, neighbour.id, new Date('2026-11-20T02:00:00Z'), { dossier: 'checked' });
  await db.productIdea.update({ where: { id: elsewhere.id }, data: { communeCode: '26020' } });
  await mkdir(screenshotDir, { recursive: true });
  // Queues of their own, so the operations page has its dashboard, with a failed message listed beside it.
  queues = createQueues({ connection: createRedisConnection(testConfig().redisUrl, 'producer'), prefix: `t${Date.now()}`, outboundBackoffMs: 50, outboundMaxAttempts: 3 });
  await db.outboundMessage.create({
    data: { idempotencyKey: 'e2e:refused', recipient: 'zu-producer', payload: { kind: 'text', text: 'x' }, status: 'failed', errorCode: -230, lastError: 'Zalo /v3.0/oa/message/cs answered error -230: User has not interacted with the OA in the last 7 days', attempts: 1, createdAt: clock.now, failedAt: clock.now },
  });
  const started = await startConsoleApp({ db, redis, now: () => clock.now, conversation, queues: [queues.inbound, queues.outbound, queues.maintenance] });
  base = started.base;
  close = started.close;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await close();
  await queues?.close();
  redis.disconnect();
  await db.$disconnect();
});

describe('console pages in a browser', () => {
  it.each([360, 1280])('fit %i px without sideways scrolling, with their main action on screen', async (width) => {
    const context = await browser.newContext({ viewport: { width, height: 800 }, locale: 'vi-VN' });
    const page = await context.newPage();
    const link = await db.$transaction((tx) => issueSignInLink(tx, { zaloUserId: 'zu-commune', now: clock.now, settings: defaultConsoleAuth }));
    if (link.kind !== 'link') throw new Error(`no link: ${link.kind}`);
    await page.goto(`${base}/console/sign-in/${link.token}`);
    expect(new URL(page.url()).pathname).toBe('/console');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Việc cần làm');

    for (const path of ['/console', '/console/ideas', `/console/ideas/${ideaId}`, `/console/ideas/${dossierIdeaId}/dossier`, '/console/overview']) {
      await page.goto(`${base}${path}`);
      const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
      expect(overflow, `${path} at ${width} px`).toBeLessThanOrEqual(0);
    }
    // The decision on an idea: both buttons reachable and tappable (at least 44 px high).
    await page.goto(`${base}/console/ideas/${ideaId}`);
    const accept = page.getByRole('button', { name: 'Chấp nhận ý tưởng' });
    await accept.scrollIntoViewIfNeeded();
    const box = await accept.boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
    expect((box?.x ?? -1) + (box?.width ?? 0)).toBeLessThanOrEqual(width);
    // The province's meetings: the month calendar and the scheduling form.
    const province = await db.$transaction((tx) => issueSignInLink(tx, { zaloUserId: 'zu-province', now: clock.now, settings: defaultConsoleAuth }));
    if (province.kind !== 'link') throw new Error(`no link: ${province.kind}`);
    await page.goto(`${base}/console/sign-in/${province.token}`);
    await page.goto(`${base}/console/meetings?month=2026-11&date=2026-12-07`);
    expect(Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')), `meetings at ${width} px`).toBeLessThanOrEqual(0);
    await expect.poll(() => page.locator('.month .day').count()).toBe(42);
    // The province's overview: a bar per commune, and its table in a box of its own.
    await page.goto(`${base}/console/overview`);
    expect(Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')), `overview at ${width} px`).toBeLessThanOrEqual(0);
    await expect.poll(() => page.locator('table.numbers').count()).toBe(3);
    await page.screenshot({ path: `${screenshotDir}/overview-${width}.png`, fullPage: true });
    // Vận hành, for the province's administrator: its retry button within reach.
    await page.goto(`${base}/console/operations`);
    expect(Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')), `operations at ${width} px`).toBeLessThanOrEqual(0);
    const retry = page.getByRole('button', { name: 'Gửi lại', exact: true });
    await retry.scrollIntoViewIfNeeded();
    expect((await retry.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(44);
    await page.screenshot({ path: `${screenshotDir}/operations-${width}.png`, fullPage: true });
    // The registers, the reminders and the action log fit too.
    for (const path of ['/console/certified', '/console/reminders', '/console/reminders/deadlines', '/console/audit', '/console/councils', '/console/unreachable']) {
      const shown = await page.goto(`${base}${path}`);
      expect(shown?.status(), path).toBe(200);
      expect(Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')), `${path} at ${width} px`).toBeLessThanOrEqual(0);
    }
    await context.close();
  });

  it('the queue dashboard runs under its own content policy: its script draws the queues, nothing from elsewhere loads but what it refuses', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN' });
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && message.text().includes('Content Security Policy')) refused.push(message.text());
    });
    const link = await db.$transaction((tx) => issueSignInLink(tx, { zaloUserId: 'zu-province', now: clock.now, settings: defaultConsoleAuth }));
    if (link.kind !== 'link') throw new Error(`no link: ${link.kind}`);
    await page.goto(`${base}/console/sign-in/${link.token}`);
    await page.goto(`${base}/console/operations`);
    await page.getByRole('link', { name: 'Mở bảng theo dõi hàng đợi' }).click();
    await expect.poll(() => page.getByText('outbound', { exact: true }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: `${screenshotDir}/queues-1280.png` });
    // Only the board's Google Fonts stylesheet is refused (the system font shows instead).
    expect(refused.filter((text) => !text.includes('fonts.googleapis.com'))).toEqual([]);
    await context.close();
  });
});
