import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConsoleAuth, issueSignInLink } from '../../src/console/console-auth.js';
import { startBotWithSim } from '../helpers/bot-with-sim.js';
import { launchChromium } from '../helpers/chromium.js';
import { projectDir, translate } from '../helpers/conversation-harness.js';
import { linkedUser, makeIdea, makeOfficial, makeProducer } from '../helpers/notify-fixtures.js';
import { freePort, lastUrlSentTo, pageShots, screenSizes } from '../helpers/page-shots.js';
import { waitFor } from '../helpers/wait-for.js';

// A meeting scored on the members' phones, in Debian's Chromium, against the whole bot and
// the local Zalo stand-in: the secretary opens scoring, each member gets their own link in
// Zalo and scores three products on the sample sheet; one member's paper sheet is typed in
// by the secretary; closing holds a 4★ average at 3★ on a missed star mark, rules out a
// dossier most members found wanting, and sends a 12-point spread back to its two ends,
// who score again before the council's results stand. Members never see or change each
// other's sheets, nor another meeting's. Pages are photographed at 390×844 and 1280×800
// into test/artifacts/council-scoring/ (gitignored) and must not scroll sideways.

const artifacts = join(projectDir, 'test', 'artifacts', 'council-scoring');
const t = (key: string, vars?: Record<string, string>) => translate('vi', key, vars);

// The bot's clock (shared with the stand-in): the meeting day, Wednesday 9 December 2026,
// 08:30 in Vietnam, moving with the test's elapsed time.
const startInstant = Date.parse('2026-12-09T01:30:00Z');
const startedAt = performance.now();
const now = () => new Date(startInstant + (performance.now() - startedAt));

type Answers = Record<string, number>;
/** 85 points in the 4★ band; C2 at 5 misses its 4★ mark (10). */
const cappedAnswers: Answers = { A1: 10, A2: 10, A3: 10, A4: 10, B1: 5, B2: 10, B3: 10, C1: 15, C2: 5, C3: 0 };
const full: Answers = { A1: 10, A2: 10, A3: 10, A4: 10, B1: 5, B2: 10, B3: 10, C1: 15, C2: 10, C3: 10 };
/** 50 plus A1, plus 10 with C3: 54, 56, 60, 66. */
const mid = (a1: number, c3 = 0): Answers => ({ A1: a1, A2: 10, A3: 10, A4: 5, B1: 5, B2: 5, B3: 5, C1: 5, C2: 5, C3: c3 });
/** Member i's totals on the spread product: 54 … 66, twelve points apart. */
const spreadAnswers = [mid(4), mid(6), mid(10), mid(10), mid(6, 10)];

let harness: Awaited<ReturnType<typeof startBotWithSim>>;
let base: string;
let browser: Browser;
const contexts: BrowserContext[] = [];
const { shots, shoot } = pageShots(artifacts, () => true);
const memberUsers = ['zalo-member-an', 'zalo-member-binh', 'zalo-member-chi', 'zalo-member-dung', 'zalo-member-em'];
const people: bigint[] = [];
const products: Record<'capped' | 'spread' | 'thrownOut' | 'elsewhere', bigint> = { capped: 0n, spread: 0n, thrownOut: 0n, elsewhere: 0n };
let meetingId: bigint;
let secretary: Page;

async function newPhone(): Promise<Page> {
  const context = await browser.newContext({ viewport: screenSizes[0], deviceScaleFactor: 1, locale: 'vi-VN' });
  contexts.push(context);
  return context.newPage();
}

/** The latest link to the scoring sheets the stand-in delivered to this person. */
function scoringLinkOf(userId: string): string | undefined {
  const url = lastUrlSentTo(harness.sim, userId);
  return url?.includes('/console/scoring/') ? url : undefined;
}

const mainText = (page: Page) => page.locator('main').innerText();

/** A member scores one product on their phone: each choice saves itself, then they submit. */
async function scoreOnPhone(page: Page, link: string, productIdeaId: bigint, answers: Answers, options: { disqualifiers?: string[]; shootAs?: string } = {}): Promise<void> {
  await page.goto(`${link}/products/${String(productIdeaId)}`);
  for (const [code, points] of Object.entries(answers)) await page.check(`input[name="c_${code}"][value="${String(points)}"]`);
  for (const code of options.disqualifiers ?? []) await page.check(`input[name="d"][value="${code}"]`);
  const total = Object.values(answers).reduce((s, v) => s + v, 0);
  // The last choice reached the server as a draft before the sheet is submitted.
  await expect.poll(() => page.locator('#save-status').innerText(), { timeout: 30_000 }).toContain(`${String(total)}/100`);
  if (options.shootAs) await shoot(page, options.shootAs);
  await Promise.all([page.waitForURL(`${link}?ok=submitted`), page.getByRole('button', { name: t('scoring.submit'), exact: true }).click()]);
}

beforeAll(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  // The links the OA sends must point at this bot: its port is chosen before it starts.
  const port = await freePort();
  harness = await startBotWithSim({ PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, SCORING_SHEETS_DIR: join(projectDir, 'rules', 'scoring-sheets-sample') }, { now });
  base = harness.bot.url ?? '';
  const db = harness.db;
  await makeOfficial(db, 'province', 'zalo-official-dong-nai');
  const council = await db.council.create({ data: { name: 'Hội đồng OCOP tỉnh Đồng Nai', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
  for (const [i, user] of memberUsers.entries()) {
    // They follow the OA and wrote to it lately (linking their account): Zalo takes consultation messages to them.
    harness.sim.setUser(user, { displayName: user, following: true, lastInteractionAt: now().getTime() });
    await linkedUser(db, user, now(), 'vi');
    const person = await db.councilPerson.create({ data: { name: ['Nguyễn Văn An', 'Trần Thị Bình', 'Lê Minh Chi', 'Phạm Văn Dũng', 'Võ Thị Em'][i]!, provinceCode: '75', zaloUserId: user, linkedAt: now() } });
    await db.councilMember.create({ data: { councilId: council.id, personId: person.id, role: i === 0 ? 'chair' : 'member' } });
    people.push(person.id);
  }
  for (const key of Object.keys(products) as (keyof typeof products)[]) {
    const producer = await makeProducer(db, `producer-${key}`);
    await linkedUser(db, `producer-${key}`, now(), key === 'spread' ? 'en' : 'vi');
    products[key] = (await makeIdea(db, producer.id, new Date('2026-10-01T02:00:00Z'), { dossier: 'checked', businessPlan: true })).id;
  }
  // The dossiers reached the members already (the packet step is another test's): locked and distributed.
  const meeting = await db.meeting.create({ data: { councilId: council.id, date: '2026-12-09', time: '08:00', place: 'Hội trường Sở', status: 'locked', leadWorkingDays: 1, deliveryDeadline: new Date('2026-12-08T00:30:00Z'), distributedAt: new Date('2026-12-07T02:00:00Z'), createdBy: 'test' } });
  await db.meetingProduct.createMany({ data: [products.capped, products.spread, products.thrownOut].map((id) => ({ meetingId: meeting.id, productIdeaId: id })) });
  meetingId = meeting.id;
  // Another council's meeting the same day: none of these members may score it.
  const other = await db.council.create({ data: { name: 'Hội đồng khác', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
  const elsewhere = await db.meeting.create({ data: { councilId: other.id, date: '2026-12-09', time: '14:00', place: 'Phòng họp 2', status: 'locked', leadWorkingDays: 1, deliveryDeadline: new Date('2026-12-08T00:30:00Z'), distributedAt: new Date('2026-12-07T02:00:00Z'), createdBy: 'test' } });
  await db.meetingProduct.create({ data: { meetingId: elsewhere.id, productIdeaId: products.elsewhere } });
  browser = await launchChromium();
  const signIn = await db.$transaction((tx) => issueSignInLink(tx, { zaloUserId: 'zalo-official-dong-nai', now: now(), settings: defaultConsoleAuth }));
  if (signIn.kind !== 'link') throw new Error(`no sign-in link: ${signIn.kind}`);
  secretary = await newPhone();
  await secretary.goto(`${base}/console/sign-in/${signIn.token}`);
  await secretary.waitForURL(`${base}/console`);
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await harness?.stop();
  if (shots.length > 0) console.log(`council scoring screenshots (${shots.length}) in ${artifacts}`);
});

describe('a council scoring on its members’ phones', () => {
  it('opens scoring on the meeting day and sends each member their own link through Zalo', async () => {
    await secretary.goto(`${base}/console/meetings/${String(meetingId)}`);
    await shoot(secretary, 'meeting-before-scoring');
    await secretary.getByRole('button', { name: t('scoring.board.open'), exact: true }).click();
    await secretary.waitForURL(/scoring=opened/);
    expect(await mainText(secretary)).toContain(t('scoring.flash.opened'));
    // Every product has a sheet: no totals are typed in for them, their results come from the tally.
    expect(await secretary.getByRole('button', { name: t('console.results.record'), exact: true }).count()).toBe(0);
    const links = await waitFor('every member’s link delivered by the stand-in', async () => {
      const found = memberUsers.map(scoringLinkOf);
      return found.every((l) => l !== undefined) ? (found as string[]) : undefined;
    }, 20_000);
    expect(new Set(links).size).toBe(5);
    expect(harness.sim.getSent({ userId: memberUsers[0]! }).at(-1)?.text).toContain(t('scoring.message.open', { name: 'Nguyễn Văn An', council: 'Hội đồng OCOP tỉnh Đồng Nai', date: '09/12/2026' }).slice(0, 40));
  }, 60_000);

  it('keeps each member’s sheets to themselves, and the link to its own meeting', async () => {
    const [an, binh] = [scoringLinkOf(memberUsers[0]!)!, scoringLinkOf(memberUsers[1]!)!];
    const phoneAn = await newPhone();
    await phoneAn.goto(an);
    await shoot(phoneAn, 'member-products');
    await phoneAn.goto(`${an}/products/${String(products.spread)}`);
    await phoneAn.check('input[name="c_A1"][value="4"]');
    await expect.poll(() => phoneAn.locator('#save-status').innerText(), { timeout: 10_000 }).toContain('4/100');
    // Bình's sheet of the same product is empty: An's draft is An's.
    const phoneBinh = await newPhone();
    await phoneBinh.goto(`${binh}/products/${String(products.spread)}`);
    expect(await phoneBinh.locator('input[type="radio"]:checked').count()).toBe(0);
    // A link altered by one character opens nothing; nor does another meeting's product.
    const forged = `${an.slice(0, -3)}${an.at(-3) === 'A' ? 'B' : 'A'}${an.slice(-2)}`;
    expect((await phoneBinh.goto(forged))?.status()).toBe(403);
    expect((await phoneBinh.goto(`${binh}/products/${String(products.elsewhere)}`))?.status()).toBe(404);
    const posted = await phoneBinh.request.post(`${binh}/products/${String(products.elsewhere)}`, { form: { c_A1: '10', action: 'submit' } });
    expect(posted.status()).toBe(404);
    expect(await harness.db.scoreSheet.count({ where: { productIdeaId: products.elsewhere } })).toBe(0);
  }, 60_000);

  it('takes every member’s sheets, one of them typed in from paper by the secretary', async () => {
    for (const [i, user] of memberUsers.entries()) {
      const link = scoringLinkOf(user)!;
      const phone = await newPhone();
      await scoreOnPhone(phone, link, products.capped, cappedAnswers, i === 0 ? { shootAs: 'member-sheet' } : {});
      await scoreOnPhone(phone, link, products.thrownOut, full, { disqualifiers: i < 3 ? ['L1'] : [] });
      if (i < 4) await scoreOnPhone(phone, link, products.spread, spreadAnswers[i]!);
      if (i === 0) {
        expect(await mainText(phone)).toContain(t('scoring.flash.submitted'));
        await shoot(phone, 'member-all-submitted');
      }
    }
    // Võ Thị Em scored the spread product on paper: the secretary enters it from the board.
    await secretary.goto(`${base}/console/meetings/${String(meetingId)}`);
    await secretary.getByRole('link', { name: t('scoring.board.enterPaper') }).first().click();
    await secretary.waitForURL(/scoring\/people/);
    for (const [code, points] of Object.entries(spreadAnswers[4]!)) await secretary.check(`input[name="c_${code}"][value="${String(points)}"]`);
    await shoot(secretary, 'paper-sheet');
    await Promise.all([secretary.waitForURL(/scoring=paperSubmitted/), secretary.getByRole('button', { name: t('scoring.submit'), exact: true }).click()]);
    const paper = await harness.db.scoreSheet.findFirstOrThrow({ where: { productIdeaId: products.spread, personId: people[4]! } });
    expect(paper).toMatchObject({ status: 'submitted', totalHundredths: 6600, enteredBy: expect.stringMatching(/^official:\d+$/) });
    await shoot(secretary, 'board-all-submitted');
  }, 180_000);

  it('closes: 3★ held by a star mark, a dossier ruled out, a spread scored again by its two ends, then the results stand', async () => {
    await secretary.getByRole('button', { name: t('scoring.board.close'), exact: true }).click();
    await secretary.waitForURL(/scoring=tallied/);
    expect(await mainText(secretary)).toContain(t('scoring.flash.tallied', { recorded: '2', rescore: '1', waiting: '0', noQuorum: '0', noSheet: '0' }));
    const results = await harness.db.evaluationResult.findMany({ where: { meetingId }, orderBy: { productIdeaId: 'asc' } });
    expect(results.find((r) => r.productIdeaId === products.capped)).toMatchObject({ stars: 3, bandStars: 4, certifyingLevel: 'province', cappedBy: [{ code: 'C2', level: 4, title: 'Công bố chất lượng, tiêu chuẩn' }] });
    expect(results.find((r) => r.productIdeaId === products.thrownOut)).toMatchObject({ certifyingLevel: null, disqualifiedCode: 'L1' });
    expect(results.some((r) => r.productIdeaId === products.spread)).toBe(false);
    await shoot(secretary, 'board-round-two');

    // An (54) and Em (66) are asked again in Zalo; their new sheets start from the old ones.
    for (const i of [0, 4]) {
      await waitFor(`the second-round message to ${memberUsers[i]!}`, async () => harness.sim.getSent({ userId: memberUsers[i]! }).some((m) => m.text?.includes('chênh nhau quá 10 điểm')) || undefined, 20_000);
      const phone = await newPhone();
      const link = scoringLinkOf(memberUsers[i]!)!;
      await phone.goto(`${link}/products/${String(products.spread)}`);
      expect(await phone.locator(`input[name="c_A1"][value="${String(spreadAnswers[i]!.A1)}"]`).isChecked()).toBe(true);
      await scoreOnPhone(phone, link, products.spread, mid(10));
    }
    expect(harness.sim.getSent({ userId: memberUsers[1]! }).some((m) => m.text?.includes('chênh nhau quá'))).toBe(false);
    await secretary.goto(`${base}/console/meetings/${String(meetingId)}`);
    await secretary.getByRole('button', { name: t('scoring.board.close'), exact: true }).click();
    await secretary.waitForURL(/scoring=tallied/);
    const spread = await harness.db.evaluationResult.findFirstOrThrow({ where: { meetingId, productIdeaId: products.spread } });
    // 56 + 4 × 60 = 296 → 59.2: 3★; the first round is kept.
    expect(spread).toMatchObject({ scoreSumHundredths: 29_600, scoreCount: 5, stars: 3 });
    expect(await harness.db.scoreSheet.count({ where: { productIdeaId: products.spread, round: 1 } })).toBe(5);
    expect((await harness.db.meeting.findUniqueOrThrow({ where: { id: meetingId } })).scoringClosedAt).not.toBeNull();
    await shoot(secretary, 'meeting-scored');
    // Once closed, a member's sheet can no longer change.
    const late = await (await newPhone()).request.post(`${scoringLinkOf(memberUsers[2]!)!}/products/${String(products.spread)}`, { form: { c_A1: '0', action: 'draft' } });
    expect(late.status()).toBe(422);
  }, 180_000);
});
