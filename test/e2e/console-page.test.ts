import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConsoleAuth, issueSignInLink } from '../../src/console/console-auth.js';
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
let ideaId: bigint;
let dossierIdeaId: bigint;
/** Kept after the run for a human look at the pages. */
const screenshotDir = join(tmpdir(), 'ocop-console-screenshots');

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  conversation = await loadProjectConversation(db);
  await db.official.create({ data: { name: 'Trần Văn Minh', role: 'commune', provinceCode: '75', communeCode: '26116', zaloUserId: 'zu-commune', linkedAt: clock.now } });
  await db.official.create({ data: { name: 'Lê Thị Lan', role: 'province', provinceCode: '75', zaloUserId: 'zu-province', linkedAt: clock.now } });
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
  const started = await startConsoleApp({ db, redis, now: () => clock.now, conversation });
  base = started.base;
  close = started.close;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await close();
  redis.disconnect();
  conversation.stop();
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
    await context.close();
  });
});
