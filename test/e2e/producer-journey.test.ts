import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ideaAnswersVi, profileAnswersVi } from '../fixtures/producer-answers.js';
import { startBotWithSim } from '../helpers/bot-with-sim.js';
import { launchChromium } from '../helpers/chromium.js';
import { dictionaries, projectDir, translate } from '../helpers/conversation-harness.js';
import { makePdf } from '../helpers/make-documents.js';
import { waitFor } from '../helpers/wait-for.js';

// A producer on a phone (390×844), in the stand-in's chat page, from the first message to a
// submitted dossier and a status that names the next step: every answer typed or tapped in
// the page, every document attached with the page's file button. The screenshots are kept
// in the gitignored test/artifacts/producer-journey/ for a human look.

const artifacts = join(projectDir, 'test', 'artifacts', 'producer-journey');
const t = (key: string, vars?: Record<string, string>) => translate('vi', key, vars);
const producer = 'zalo-producer-journey';
// The bot's clock: a fixed working morning that moves with elapsed time, so rules give the same answers on any date.
const startInstant = Date.parse('2026-12-02T02:00:00Z');
const startedAt = performance.now();
const now = () => new Date(startInstant + (performance.now() - startedAt));

let harness: Awaited<ReturnType<typeof startBotWithSim>>;
let browser: Browser;
let chat: Page;
const shots: string[] = [];

async function shoot(name: string): Promise<void> {
  const file = `${String(shots.length + 1).padStart(2, '0')}-${name}-390x844.png`;
  await chat.screenshot({ path: join(artifacts, file) });
  shots.push(file);
}

/** The OA's messages shown so far. */
const oaTexts = () => chat.locator('.msg.oa').allInnerTexts();

/** Types a message in the page and waits until the bot has answered it (its replies are on screen). */
async function say(text: string): Promise<string> {
  const before = (await oaTexts()).length;
  await chat.fill('#text-input', text);
  await chat.click('#send-btn');
  return settled(before);
}

/**
 * Waits for the bot to finish answering (at least one new message on screen, nothing left
 * to handle, send or download), then returns what it said after the first `before` messages.
 */
async function settled(before: number): Promise<string> {
  await waitFor('the bot to answer', async () => {
    if ((await oaTexts()).length <= before) return undefined;
    const pending = await harness.db.inboundEvent.count({ where: { userId: producer, status: 'pending' } });
    const unsent = await harness.db.outboundMessage.count({ where: { recipient: producer, status: { in: ['pending', 'sending'] } } });
    const downloading = await harness.db.dossierDocument.count({ where: { status: 'downloading' } });
    if (pending + unsent + downloading > 0) return undefined;
    // Every message the stand-in received is on screen.
    return (await oaTexts()).length >= harness.sim.getSent({ userId: producer }).length || undefined;
  }, 20_000);
  return (await oaTexts()).slice(before).join('\n');
}

/** The checklist item an upload prompt asks for, by its title in Vietnamese. */
function itemAsked(text: string): string | undefined {
  const title = [...text.matchAll(/Bạn gửi ảnh chụp hoặc tệp PDF của: (.+)/g)].at(-1)?.[1]?.trim();
  const key = Object.keys(dictionaries.vi).find((k) => k.startsWith('dossier.item.') && dictionaries.vi[k] === title);
  return key?.slice('dossier.item.'.length);
}

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  harness = await startBotWithSim({}, { now });
  // Not following yet: the journey starts with the follow button.
  harness.sim.setUser(producer, { displayName: 'Nguyễn Thị Hoa', following: false });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, locale: 'vi-VN' });
  chat = await context.newPage();
  await chat.goto(harness.simServer.url);
  await waitFor('the chat page to connect', async () => ((await chat.locator('#conn-status').textContent())?.includes('Đã kết nối') ? true : undefined), 10_000);
  await waitFor('the producer in the page', async () => ((await chat.locator(`#user-select option[value="${producer}"]`).count()) > 0 ? true : undefined), 10_000);
  await chat.selectOption('#user-select', producer);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
  console.log(`producer journey: ${shots.length} screenshots in ${artifacts}\n${shots.join('\n')}`);
});

describe('a producer in the chat page, from the first message to a submitted dossier', () => {
  it('registers, sends every required document with the file button, submits with one tap, and reads a status that names the next step', async () => {
    // Following the OA is the first thing a producer does; the bot greets with its menu.
    const shown = (await oaTexts()).length;
    await chat.click('#follow-btn');
    expect(await settled(shown)).toContain(t('menu.prompt'));
    await shoot('greeting-menu');

    // The profile and the idea, typed as a producer would.
    await say('2');
    for (const answer of profileAnswersVi) await say(answer);
    let idea = '';
    for (const answer of ideaAnswersVi) idea = await say(answer);
    expect(idea).toContain('Mật ong rừng Tân Phú');
    await shoot('idea-summary');
    expect(await say('Đồng ý')).toContain('1/PĐK-75-26116-2026');
    await shoot('idea-sent');

    // The dossier: each required item asked in turn, answered with a PDF from the file button.
    await say('menu');
    let replies = await say('4');
    await shoot('dossier-opened');
    for (let turn = 0; turn < 20 && !replies.includes(t('dossier.review.prompt')); turn += 1) {
      const item = itemAsked(replies);
      if (!item) throw new Error(`the bot asked for no item: ${replies}`);
      const before = (await oaTexts()).length;
      await chat.setInputFiles('#file-input', { name: `${item}.pdf`, mimeType: 'application/pdf', buffer: Buffer.from(await makePdf({ pages: 1, label: item, lines: 2 })) });
      const received = await settled(before);
      expect(received).toContain('Đã nhận “');
      replies = await say('xong');
    }
    expect(replies).toContain(t('dossier.review.prompt'));
    await shoot('dossier-review');

    // Submitting is a button under the review, on the first screen.
    const submit = chat.getByRole('button', { name: 'Nộp hồ sơ cho xã' }).last();
    await expect.poll(() => submit.isVisible()).toBe(true);
    const beforeSubmit = (await oaTexts()).length;
    await submit.click();
    expect(await settled(beforeSubmit)).toContain('Đã nộp hồ sơ sản phẩm “Mật ong rừng Tân Phú”');
    await shoot('dossier-submitted');

    // The status follows the dossier and says nothing more is asked for now.
    await say('menu');
    const status = await say('Tình trạng sản phẩm của tôi');
    expect(status).toContain('Đã nộp hồ sơ cho xã (đủ 8/8 mục bắt buộc); đang chờ xã kiểm tra. Bạn chưa cần làm gì thêm.');
    await shoot('status');
    expect(await harness.db.dossier.count({ where: { status: 'submitted', productIdea: { producer: { zaloUserId: producer } } } })).toBe(1);
  }, 180_000);
});
