import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page, Response as PageResponse } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inviteOfficial } from '../../src/officials/official-invitations.js';
import type { TranscriptItem } from '../../tools/zalo-sim/sim-types.js';
import { ideaAnswersVi, profileAnswersVi } from '../fixtures/producer-answers.js';
import { startBotWithSim } from '../helpers/bot-with-sim.js';
import { launchChromium } from '../helpers/chromium.js';
import { dictionaries, projectDir, translate } from '../helpers/conversation-harness.js';
import { makePdf } from '../helpers/make-documents.js';
import { freePort, lastUrlSentTo, pageShots, screenSizes } from '../helpers/page-shots.js';
import { waitFor } from '../helpers/wait-for.js';

// The console's whole journey in a real browser (Debian's Chromium) against the whole bot,
// the local Zalo stand-in and its chat page, Postgres and Redis: a producer's dossier from
// the chat to a locked meeting whose members confirm receipt, with the refusals around it.
// Every console page is photographed at 390×844 and 1280×800 into test/artifacts/
// console-journey/ (gitignored), and the server time of each page (its Server-Timing
// header) is summed up per path there as page-times.json.

const artifacts = join(projectDir, 'test', 'artifacts', 'console-journey');
const t = (key: string, vars?: Record<string, string>) => translate('vi', key, vars);

// The bot's clock (shared with the stand-in) starts on Wednesday 2 December 2026, 09:00 in
// Vietnam, and moves with the test's elapsed time: the meeting-date rules give the same
// answers on whatever day (or under faketime) the suite runs. `skippedMs` moves it on.
const startInstant = Date.parse('2026-12-02T02:00:00Z');
const startedAt = performance.now();
let skippedMs = 0;
const now = () => new Date(startInstant + (performance.now() - startedAt) + skippedMs);

const producerUser = 'zalo-producer-hoa';
const communeUser = 'zalo-official-tan-phu';
const provinceUser = 'zalo-official-dong-nai';
const otherUser = 'zalo-official-long-binh';
const members = [
  { user: 'zalo-member-an', name: 'Nguyễn Văn An', role: 'chủ tịch' },
  { user: 'zalo-member-binh', name: 'Trần Thị Bình', role: 'thành viên' },
  { user: 'zalo-member-cuong', name: 'Lê Văn Cường', role: 'thư ký' },
];
const returnReason = 'Ảnh nhãn bị mờ, xin chụp lại rõ chữ.';
const productName = ideaAnswersVi[0] ?? '';

let harness: Awaited<ReturnType<typeof startBotWithSim>>;
let base: string;
let browser: Browser;
let attacker: { server: Server; port: number };
const contexts: BrowserContext[] = [];
/** Filled as the journey goes: what later steps (and the other commune's official) aim at. */
const ids: { idea?: bigint; document?: bigint; packet?: bigint; meeting?: bigint; firstLink?: string } = {};

// ---------- page times and screenshots ----------

/** Server time of each console response, by method and path pattern. */
const timings = new Map<string, number[]>();
const untimed: string[] = [];

function pagePattern(url: URL): string {
  return url.pathname.replace(/\/sign-in\/[^/]+/, '/sign-in/:token').replace(/\/\d+(?=\/|\.pdf$|$)/g, '/:id');
}

function recordTiming(method: string, url: string, headers: Record<string, string>): void {
  const parsed = new URL(url);
  if (parsed.origin !== base || !parsed.pathname.startsWith('/console')) return;
  const key = `${method} ${pagePattern(parsed)}`;
  const match = /(?:^|,)\s*app;dur=([\d.]+)/.exec(headers['server-timing'] ?? '');
  if (!match?.[1]) {
    untimed.push(key);
    return;
  }
  timings.set(key, [...(timings.get(key) ?? []), Number(match[1])]);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const { shots, shoot } = pageShots(artifacts, (url) => url.startsWith(`${base}/console`));

// ---------- browsers ----------

async function newPhone(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: screenSizes[0], deviceScaleFactor: 1, locale: 'vi-VN', acceptDownloads: true });
  context.on('response', (response) => recordTiming(response.request().method(), response.url(), response.headers()));
  contexts.push(context);
  return context;
}

/** The next page the main frame settles on (after any redirect). */
function nextPage(page: Page): Promise<PageResponse> {
  return page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().frame() === page.mainFrame() && ![301, 302, 303, 307, 308].includes(r.status()));
}

/** Clicks and returns the page the click leads to. */
async function follow(page: Page, click: () => Promise<void>): Promise<PageResponse> {
  const shown = nextPage(page);
  // A click that fails leaves the wait behind: it must not outlive the test as an unhandled rejection.
  await click().catch((error: unknown) => {
    shown.catch(() => undefined);
    throw error;
  });
  const response = await shown;
  await page.waitForLoadState();
  return response;
}

async function go(page: Page, path: string): Promise<PageResponse> {
  const response = await page.goto(`${base}${path}`);
  if (!response) throw new Error(`no response for ${path}`);
  return response;
}

const mainText = (page: Page) => page.locator('main').innerText();
const flashOf = (page: Page) => page.locator('main .flash').first().innerText();
const button = (page: Page, key: string) => page.getByRole('button', { name: t(key), exact: true });

// ---------- the chat ----------

/** The stand-in's chat page on this person's phone, showing their conversation with the OA. */
async function openChat(context: BrowserContext, userId: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(harness.simServer.url);
  await expect.poll(() => page.locator('#conn-status').textContent(), { timeout: 10_000 }).toContain('Đã kết nối');
  await page.selectOption('#user-select', userId);
  // The conversation so far is loaded after the choice: waits on new messages count from there.
  const shown = harness.sim.getTranscript(userId).filter((item) => item.kind !== 'follow' && item.kind !== 'unfollow').length;
  await expect.poll(() => page.locator('.msg').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(shown);
  return page;
}

/** The first message from the OA, after the first `after` of them, that says `text`. */
async function awaitReply(chat: Page, after: number, text: string): Promise<Locator> {
  const index = await waitFor(`“${text}” in the chat`, async () => {
    const found = (await chat.locator('.msg.oa').allInnerTexts()).findIndex((shown, i) => i >= after && shown.includes(text));
    return found >= 0 ? found : undefined;
  }, 20_000);
  return chat.locator('.msg.oa').nth(index);
}

async function typeInChat(chat: Page, text: string): Promise<void> {
  await chat.fill('#text-input', text);
  await chat.click('#send-btn');
}

/**
 * An official writes "đăng nhập" in the chat page and taps the link the OA sends back,
 * which opens the console in a new tab. Returns the console tab and the link.
 */
async function signInFromChat(context: BrowserContext, chat: Page, name: string): Promise<{ console: Page; link: string }> {
  const before = await chat.locator('.msg.oa').count();
  await typeInChat(chat, 'đăng nhập');
  const reply = await awaitReply(chat, before, t('console.signIn.link', { name, minutes: '10' }));
  const open = reply.getByRole('button', { name: new RegExp(t('console.signIn.open')) });
  await shoot(chat, `chat-sign-in-link-${await chat.inputValue('#user-select')}`);
  const opened = context.waitForEvent('page');
  await open.click();
  const page = await opened;
  await page.waitForURL(`${base}/console`);
  await page.waitForLoadState();
  return { console: page, link: lastLinkTo(await chat.inputValue('#user-select')) };
}

/** The sign-in link in the OA's latest message to this person, as the stand-in received it. */
function lastLinkTo(userId: string): string {
  const url = lastUrlSentTo(harness.sim, userId);
  if (url === undefined) throw new Error(`no sign-in link was sent to ${userId}`);
  return url;
}

/** A person writes through the stand-in's API; returns once the bot has answered that message. */
async function userSays(userId: string, text: string): Promise<TranscriptItem[]> {
  const before = harness.sim.getSent({ userId }).length;
  const result = await harness.sim.userSendText(userId, text);
  expect(result.status, `the webhook took “${text}”`).toBe(200);
  await answered(userId, result.msgId);
  return harness.sim.getSent({ userId }).slice(before);
}

async function answered(userId: string, msgId: string | undefined): Promise<void> {
  await waitFor(`message ${msgId ?? '?'} handled`, async () => (await harness.db.inboundEvent.findUnique({ where: { eventKey: `msg:${msgId ?? ''}` } }))?.status === 'processed' || undefined);
  await waitFor(`the replies to ${userId} sent`, async () => (await harness.db.outboundMessage.count({ where: { recipient: userId, status: { in: ['pending', 'sending'] } } })) === 0 || undefined);
}

/** The checklist item an upload prompt asks for, by its title in the locale. */
function itemAsked(text: string): string | undefined {
  const title = /Bạn gửi ảnh chụp hoặc tệp PDF của: (.+)/.exec(text)?.[1]?.trim();
  const key = Object.keys(dictionaries.vi).find((k) => k.startsWith('dossier.item.') && dictionaries.vi[k] === title);
  return key?.slice('dossier.item.'.length);
}

async function pdfOf(label: string): Promise<Buffer> {
  return Buffer.from(await makePdf({ pages: 1, label, lines: 3 }));
}

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  // The sign-in links the OA sends must point at this bot: its port is chosen before it starts.
  const port = await freePort();
  harness = await startBotWithSim({ PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }, { now });
  base = harness.bot.url ?? '';
  expect(base).toBe(`http://127.0.0.1:${port}`);
  browser = await launchChromium();

  // Another site, for the cross-site form post: a page that posts to the console on load.
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://attacker').searchParams.get('target') ?? '';
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><form id="f" method="post" action="${target}"><input name="_csrf" value="${'x'.repeat(43)}"><input name="reason" value="Trả lại giả mạo"></form><script>document.getElementById('f').submit()</script>`);
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const attackerAddress = server.address();
  attacker = { server, port: typeof attackerAddress === 'object' && attackerAddress ? attackerAddress.port : 0 };

  // The officials, invited as the admin API invites them (the same domain function), link
  // their Zalo accounts by sending their codes to the OA.
  const invite = (name: string, role: string, communeCode: string | null) => harness.db.$transaction((tx) => inviteOfficial(tx, { name, role, provinceCode: '75', communeCode, now: now(), ttlHours: 72 }));
  for (const [user, name, role, commune] of [
    [communeUser, 'Trần Văn Minh', 'commune', '26116'],
    [provinceUser, 'Lê Thị Lan', 'province', null],
    [otherUser, 'Phạm Thu Hà', 'commune', '26020'],
  ] as const) {
    const { official, invitationCode } = await invite(name, role, commune);
    await userSays(user, invitationCode);
    expect((await harness.db.official.findUniqueOrThrow({ where: { id: official.id } })).zaloUserId).toBe(user);
  }
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  attacker?.server.close();
  await harness?.stop();
  // The page times, per path pattern: printed and kept beside the screenshots.
  const pages = [...timings.entries()]
    .map(([page, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { page, count: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
    })
    .sort((a, b) => a.page.localeCompare(b.page));
  await writeFile(join(artifacts, 'page-times.json'), `${JSON.stringify({ screenshots: shots, pages }, null, 2)}\n`);
  console.log(`console journey: ${shots.length} screenshots in ${artifacts}\n${pages.map((p) => `${p.page.padEnd(52)} ${String(p.count).padStart(3)}  p50 ${p.p50Ms.toFixed(1).padStart(7)} ms  p99 ${p.p99Ms.toFixed(1).padStart(7)} ms`).join('\n')}`);
});

describe('the console from a submitted dossier to a delivered meeting', () => {
  it('a producer registers an idea and submits its dossier through the chat', async () => {
    // Through the chat, as a producer does it: the stand-in's users post signed webhooks
    // to the bot (its API here, for speed; the chat page posts the same), the bot answers
    // through the stand-in, and each file goes through the intake worker into storage.
    await userSays(producerUser, 'menu');
    for (const answer of ['2', ...profileAnswersVi, ...ideaAnswersVi, 'Đồng ý']) await userSays(producerUser, answer);
    const idea = await harness.db.productIdea.findFirstOrThrow({ where: { producer: { zaloUserId: producerUser } } });
    expect(idea).toMatchObject({ productName, status: 'submitted', communeCode: '26116' });
    ids.idea = idea.id;

    await userSays(producerUser, 'menu');
    let replies = await userSays(producerUser, '4');
    for (let turn = 0; turn < 30 && !replies.some((m) => m.text?.includes(t('dossier.review.prompt'))); turn += 1) {
      const asked = replies.map((m) => m.text ?? '').findLast((text) => itemAsked(text) !== undefined) ?? '';
      const item = itemAsked(asked);
      if (!item) throw new Error(`the bot asked for no item: ${replies.map((m) => m.text).join(' | ')}`);
      if (asked.includes(t('flow.upload.optional'))) {
        replies = await userSays(producerUser, 'bỏ qua');
        continue;
      }
      const sent = harness.sim.getSent({ userId: producerUser }).length;
      const upload = await harness.sim.userSendFile(producerUser, { data: await pdfOf(`${item} - HTX Tan Phu`), filename: `${item}.pdf` });
      await answered(producerUser, upload.msgId);
      await waitFor(`${item} kept`, () => harness.sim.getSent({ userId: producerUser }).slice(sent).some((m) => m.text?.startsWith(`Đã nhận “${t(`dossier.item.${item}`)}”: 1 tệp`)) || undefined, 20_000);
      replies = await userSays(producerUser, 'xong');
    }
    const submitted = await userSays(producerUser, 'nộp hồ sơ');
    expect(submitted.map((m) => m.text).join('\n')).toContain(`Đã nộp hồ sơ sản phẩm “${productName}”`);
    expect(await harness.db.dossier.findUniqueOrThrow({ where: { productIdeaId: idea.id } })).toMatchObject({ status: 'submitted' });
  }, 60_000);

  it('the commune official signs in from the chat, accepts the idea, returns an item the producer then sees, adds Form 03 and the proposal, and checks the dossier', async () => {
    const ideaId = String(ids.idea);
    const phone = await newPhone();
    const chat = await openChat(phone, communeUser);
    // The bot told the commune of the idea and the dossier in the chat.
    await awaitReply(chat, 0, `Hồ sơ sản phẩm “${productName}” của HTX Nông nghiệp Tân Phú`);
    const { console: page, link } = await signInFromChat(phone, chat, 'Trần Văn Minh');
    ids.firstLink = link;
    await expect.poll(() => page.locator('h1').textContent()).toBe(t('console.tasks.title'));
    expect(await mainText(page)).toContain(t('console.tasks.kind.reviewIdea'));
    expect(await mainText(page)).toContain(t('console.tasks.kind.checkDossier'));
    await shoot(page, 'commune-tasks');

    await follow(page, () => page.getByRole('link', { name: new RegExp(`${t('console.tasks.kind.reviewIdea')}.*${productName}`) }).click());
    expect(new URL(page.url()).pathname).toBe(`/console/ideas/${ideaId}`);
    await shoot(page, 'commune-idea');

    // A form posted without the page's token, with a wrong one, or from another site changes nothing.
    await page.evaluate(`document.querySelector('form[action$="/accept"] input[name=_csrf]').remove()`);
    expect((await follow(page, () => button(page, 'console.idea.accept').click())).status()).toBe(403);
    expect(await mainText(page)).toContain(t('console.csrf'));
    await shoot(page, 'commune-csrf-refused');
    await go(page, `/console/ideas/${ideaId}`);
    await page.evaluate(`document.querySelector('form[action$="/accept"] input[name=_csrf]').value = '${'y'.repeat(43)}'`);
    expect((await follow(page, () => button(page, 'console.idea.accept').click())).status()).toBe(403);
    // Another site (a different host: the SameSite cookie stays home, so no session) and
    // another origin of the same site (the cookie goes, the token does not match).
    for (const [host, status] of [['localhost', 401], ['127.0.0.1', 403]] as const) {
      const target = `${base}/console/ideas/${ideaId}/return`;
      const posted = page.waitForResponse((r) => r.url() === target);
      await page.goto(`http://${host}:${attacker.port}/?target=${encodeURIComponent(target)}`);
      expect((await posted).status(), `a post from ${host}`).toBe(status);
    }
    expect(await harness.db.productIdea.findUniqueOrThrow({ where: { id: ids.idea! } })).toMatchObject({ status: 'submitted', reviewReason: null });

    await go(page, `/console/ideas/${ideaId}`);
    await follow(page, () => button(page, 'console.idea.accept').click());
    expect(await flashOf(page)).toBe(t('console.flash.accepted'));
    expect(await harness.db.productIdea.findUniqueOrThrow({ where: { id: ids.idea! } })).toMatchObject({ status: 'accepted', reviewedBy: 'Trần Văn Minh' });
    await shoot(page, 'commune-idea-accepted');

    await follow(page, () => page.getByRole('link', { name: t('console.idea.openDossier') }).click());
    expect(new URL(page.url()).pathname).toBe(`/console/ideas/${ideaId}/dossier`);
    await shoot(page, 'commune-dossier');
    // Every document opens in the browser.
    const view = page.getByRole('link', { name: t('console.dossier.view', { n: '1' }) }).first();
    const href = (await view.getAttribute('href')) ?? '';
    ids.document = BigInt(href.split('/').pop() ?? '0');
    const document = await page.request.get(`${base}${href}`);
    recordTiming('GET', document.url(), document.headers());
    expect(document.status()).toBe(200);
    expect(document.headers()['content-type']).toBe('application/pdf');

    // One item back to the producer, with the reason.
    const back = page.locator('form[action$="/dossier/return"]');
    await back.locator('select[name=item]').selectOption('labelPackaging');
    await back.locator('textarea[name=reason]').fill(returnReason);
    await follow(page, () => back.getByRole('button', { name: t('console.dossier.return') }).click());
    expect(await flashOf(page)).toBe(t('console.flash.itemReturned'));
    expect(await mainText(page)).toContain(returnReason);
    await shoot(page, 'commune-dossier-item-returned');

    // The producer sees it in the chat, taps “Gửi bổ sung”, sends the item again and resubmits.
    const producerPhone = await newPhone();
    const producerChat = await openChat(producerPhone, producerUser);
    const returned = await awaitReply(producerChat, 0, returnReason);
    expect(await returned.innerText()).toContain(t('dossier.item.labelPackaging'));
    await shoot(producerChat, 'producer-chat-item-returned');
    let seen = await producerChat.locator('.msg.oa').count();
    await returned.getByRole('button', { name: t('dossier.continueButton') }).click();
    await awaitReply(producerChat, seen, t('dossier.upload.prompt', { item: t('dossier.item.labelPackaging') }));
    seen = await producerChat.locator('.msg.oa').count();
    await producerChat.setInputFiles('#file-input', { name: 'nhan-san-pham.pdf', mimeType: 'application/pdf', buffer: await pdfOf('labelPackaging - chup lai') });
    await awaitReply(producerChat, seen, `Đã nhận “${t('dossier.item.labelPackaging')}”`);
    seen = await producerChat.locator('.msg.oa').count();
    await typeInChat(producerChat, 'xong');
    await awaitReply(producerChat, seen, t('dossier.review.prompt'));
    seen = await producerChat.locator('.msg.oa').count();
    await typeInChat(producerChat, 'nộp hồ sơ');
    await awaitReply(producerChat, seen, `Đã nộp hồ sơ sản phẩm “${productName}”`);
    await shoot(producerChat, 'producer-chat-resubmitted');

    // The commune's own documents, then the check.
    await go(page, `/console/ideas/${ideaId}/dossier`);
    for (const [item, file] of [['form03', 'mau-03.pdf'], ['communeProposal', 'to-trinh-xa.pdf']] as const) {
      const form = page.locator(`form[action$="/dossier/commune/${item}"]`);
      await form.locator('input[type=file]').setInputFiles({ name: file, mimeType: 'application/pdf', buffer: await pdfOf(`${item} - UBND xa Tan Phu`) });
      await follow(page, () => form.getByRole('button', { name: t('console.dossier.uploadButton'), exact: true }).click());
      expect(await flashOf(page)).toBe(t('console.flash.uploaded'));
    }
    await shoot(page, 'commune-dossier-uploaded');
    await follow(page, () => button(page, 'console.dossier.check').click());
    expect(await flashOf(page)).toBe(t('console.flash.checked'));
    expect(await harness.db.dossier.findUniqueOrThrow({ where: { productIdeaId: ids.idea! } })).toMatchObject({ status: 'checked', checkedBy: 'Trần Văn Minh' });
    await shoot(page, 'commune-dossier-checked');

    // The packet of the checked dossier: built once, downloaded as one PDF.
    const download = page.waitForEvent('download');
    await button(page, 'console.dossier.buildPacket').click();
    const packet = await download;
    expect(packet.suggestedFilename()).toMatch(/^ho-so-.+-v\d+\.pdf$/);
    ids.packet = BigInt(/\/console\/packets\/(\d+)/.exec(packet.url())?.[1] ?? '0');
    expect(await harness.db.dossierPacket.findFirst({ where: { id: ids.packet, dossier: { productIdeaId: ids.idea! } } })).not.toBeNull();
    await go(page, `/console/ideas/${ideaId}/dossier`);
    expect(await page.locator(`a[href="/console/packets/${String(ids.packet)}"]`).count()).toBe(1);
    await shoot(page, 'commune-dossier-packet');
  }, 60_000);

  it('the province official signs in the same way, makes the council, schedules the meeting (a too-soon date refused with the earliest one), locks it, and watches a member confirm receipt', async () => {
    const phone = await newPhone();
    const chat = await openChat(phone, provinceUser);
    const { console: page } = await signInFromChat(phone, chat, 'Lê Thị Lan');
    await shoot(page, 'province-tasks');

    // The council, typed as lines; each person links Zalo with the code shown once.
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: t('console.nav.councils'), exact: true }).click());
    await shoot(page, 'province-councils-empty');
    const create = page.locator('form[action="/console/councils"]');
    const councilName = 'Hội đồng đánh giá, phân hạng sản phẩm OCOP tỉnh Đồng Nai';
    await create.locator('input[name=name]').fill(councilName);
    await create.locator('textarea[name=members]').fill(members.map((m) => `${m.name}; ; ${m.role}`).join('\n'));
    expect((await follow(page, () => button(page, 'console.councils.create').click())).status()).toBe(201);
    const codes = new Map<string, string>();
    for (const line of await page.locator('main .flash.ok li').allInnerTexts()) {
      const code = /OCOP-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(line)?.[0];
      const member = members.find((m) => line.startsWith(m.name));
      if (code && member) codes.set(member.user, code);
    }
    expect(codes.size).toBe(members.length);
    await shoot(page, 'province-council-created');
    for (const member of members) {
      const replies = await userSays(member.user, codes.get(member.user) ?? '');
      expect(replies.map((m) => m.text).join('\n')).toContain(`Đã liên kết tài khoản Zalo này với ${member.name}`);
    }
    // Reloading the confirmation posts the form again: the council is not made twice.
    expect((await page.reload())?.status()).toBe(409);
    expect(await flashOf(page)).toBe(t('console.councils.exists', { name: councilName, year: '2026' }));
    expect(await harness.db.council.count()).toBe(1);
    await shoot(page, 'province-council-reload-refused');
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: t('console.nav.councils'), exact: true }).click());
    expect((await mainText(page)).split(t('console.councils.linked', { date: '02/12/2026' })).length - 1).toBe(members.length);
    await shoot(page, 'province-council-linked');

    // The month, a date's delivery deadline, then the meeting itself.
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: t('console.nav.meetings'), exact: true }).click());
    expect(await page.locator('.month .day').count()).toBe(42);
    await shoot(page, 'province-meetings');
    const lookup = page.locator('form.filters');
    await lookup.locator('input[name=date]').fill('2026-12-03');
    await follow(page, () => lookup.getByRole('button', { name: t('console.meetings.showDeadline') }).click());
    const tooSoon = t('console.meetings.tooSoon', { date: '03/12/2026', days: '1', earliest: '04/12/2026' });
    expect(await mainText(page)).toContain(tooSoon);
    await shoot(page, 'province-meetings-date-too-soon');

    const schedule = async (date: string) => {
      const form = page.locator('form[method=post][action="/console/meetings"]');
      await form.locator('input[name=date]').fill(date);
      await form.locator('input[name=place]').fill('Hội trường Sở Nông nghiệp và Môi trường');
      await form.locator(`input[name=products][value="${String(ids.idea)}"]`).check();
      return follow(page, () => form.getByRole('button', { name: t('console.meetings.schedule'), exact: true }).click());
    };
    expect((await schedule('2026-12-03')).status()).toBe(400);
    expect(await mainText(page)).toContain(tooSoon);
    expect(await harness.db.meeting.count()).toBe(0);
    await shoot(page, 'province-meeting-refused');
    await schedule('2026-12-07');
    expect(await flashOf(page)).toBe(t('console.flash.meetingScheduled'));
    const meetingPath = new URL(page.url()).pathname;
    ids.meeting = BigInt(meetingPath.split('/').pop() ?? '0');
    expect(await mainText(page)).toContain(t('console.meeting.deadlineValue', { deadline: '04/12/2026 07:30', days: '1' }));
    await shoot(page, 'province-meeting-scheduled');

    await follow(page, () => button(page, 'console.meeting.lock').click());
    expect(await flashOf(page)).toBe(t('console.flash.meetingLocked'));
    expect(await harness.db.meeting.findUniqueOrThrow({ where: { id: ids.meeting } })).toMatchObject({ status: 'locked', date: '2026-12-07' });
    const member = members[1]!;
    await waitFor('the dossier sent to the members', () => harness.sim.getSent({ userId: member.user }).some((m) => m.buttons?.some((b) => b.title === t('meeting.acknowledgeButton'))) || undefined, 20_000);
    await page.reload();
    await shoot(page, 'province-meeting-locked');

    // A member confirms receipt in the chat; the board shows it in place, without the page
    // being loaded again (a mark set in the page now would be gone after a reload).
    expect(await page.locator('#delivery-board[aria-live="polite"][hx-trigger]').count()).toBe(1);
    await page.evaluate('window.__sameDocument = true');
    const memberPhone = await newPhone();
    const memberChat = await openChat(memberPhone, member.user);
    const packetMessage = await awaitReply(memberChat, 0, `“${productName}”`);
    await shoot(memberChat, 'member-chat-dossier');
    const acknowledged = t('console.meeting.status.acknowledged');
    const shownAcknowledged = async () => (await page.locator('main').innerText()).split(acknowledged).length - 1;
    const before = await shownAcknowledged();
    await packetMessage.getByRole('button', { name: t('meeting.acknowledgeButton') }).click();
    await expect.poll(shownAcknowledged, { timeout: 20_000, interval: 250 }).toBe(before + 1);
    expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
    const person = await harness.db.councilPerson.findFirstOrThrow({ where: { zaloUserId: member.user } });
    expect(await harness.db.delivery.findFirstOrThrow({ where: { meetingId: ids.meeting, personId: person.id, productIdeaId: ids.idea! } })).toMatchObject({ status: 'acknowledged' });
    await shoot(page, 'province-meeting-acknowledged');
    await shoot(memberChat, 'member-chat-acknowledged');

    // The proof of delivery for the minutes.
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: t('console.meeting.proofPdf') }).click();
    expect((await download).suggestedFilename()).toBe(`bien-ban-giao-ho-so-${String(ids.meeting)}.pdf`);

    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: t('console.nav.tasks'), exact: true }).click());
    expect(await mainText(page)).toContain(t('console.tasks.kind.unacknowledged'));
    await shoot(page, 'province-tasks-after-lock');
  }, 60_000);

  it('another commune’s official sees none of it, by the pages or by guessing addresses', async () => {
    const phone = await newPhone();
    const chat = await openChat(phone, otherUser);
    const { console: page } = await signInFromChat(phone, chat, 'Phạm Thu Hà');
    expect(await mainText(page)).toContain(t('console.tasks.none'));
    expect(await mainText(page)).not.toContain(productName);
    await shoot(page, 'other-commune-tasks');
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: t('console.nav.ideas'), exact: true }).click());
    expect(await mainText(page)).toContain(t('console.ideas.none'));
    await shoot(page, 'other-commune-ideas');
    for (const path of [`/console/ideas/${String(ids.idea)}`, `/console/ideas/${String(ids.idea)}/dossier`, `/console/documents/${String(ids.document)}`, `/console/packets/${String(ids.packet)}`, `/console/meetings/${String(ids.meeting)}`, `/console/meetings/${String(ids.meeting)}/board`, '/console/meetings']) {
      const response = await go(page, path);
      expect(response.status(), path).toBe(404);
      expect(await mainText(page)).toContain(t('console.notFound'));
    }
    await shoot(page, 'other-commune-not-found');
    // A change posted with their own valid token to a dossier that is not theirs is not found either.
    const csrf = (await page.locator('input[name=_csrf]').first().getAttribute('value')) ?? '';
    const posted = await page.request.post(`${base}/console/ideas/${String(ids.idea)}/dossier/return`, { form: { _csrf: csrf, item: 'form01', reason: 'Trả lại từ xã khác' }, maxRedirects: 0 });
    recordTiming('POST', posted.url(), posted.headers());
    expect(posted.status()).toBe(404);
    expect(await harness.db.dossier.findUniqueOrThrow({ where: { productIdeaId: ids.idea! } })).toMatchObject({ status: 'checked' });
  }, 30_000);

  it('a reused sign-in link, an expired one and a forged session cookie are refused', async () => {
    const stranger = await newPhone();
    const page = await stranger.newPage();
    const reused = await page.goto(ids.firstLink ?? '');
    expect(reused?.status()).toBe(401);
    expect(await mainText(page)).toContain(t('console.signIn.failed'));
    await shoot(page, 'sign-in-link-reused');

    // A fresh link, opened eleven minutes later (the injected clock moves on): too late.
    const phone = await newPhone();
    const chat = await openChat(phone, communeUser);
    const before = await chat.locator('.msg.oa').count();
    await typeInChat(chat, 'đăng nhập');
    await awaitReply(chat, before, t('console.signIn.link', { name: 'Trần Văn Minh', minutes: '10' }));
    const late = lastLinkTo(communeUser);
    expect(late).not.toBe(ids.firstLink);
    skippedMs += 11 * 60_000;
    const expired = await page.goto(late);
    expect(expired?.status()).toBe(401);
    expect(await mainText(page)).toContain(t('console.signIn.failed'));

    // A session cookie the server never issued.
    await stranger.addCookies([{ name: 'ocop_console', value: randomBytes(32).toString('base64url'), domain: '127.0.0.1', path: '/console', httpOnly: true, sameSite: 'Lax' }]);
    const forged = await go(page, '/console');
    expect(forged.status()).toBe(401);
    expect(await mainText(page)).toContain(t('console.signedOut'));
    await shoot(page, 'forged-cookie-refused');
    expect(untimed, 'console answers without Server-Timing').toEqual([]);
  }, 30_000);
});
