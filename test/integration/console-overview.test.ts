import ExcelJS from 'exceljs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayDate } from '../../src/calendar/calendar-date.js';
import type { LoadedConversation } from '../../src/bot/conversation-setup.js';
import { defaultConsoleAuth, issueSignInLink } from '../../src/console/console-auth.js';
import { createDatabase } from '../../src/db/database.js';
import { nextRoundFor } from '../../src/ocop/evaluation-rounds.js';
import { ruleSetInForce } from '../../src/ocop/rule-sets.js';
import { startConsoleApp } from '../helpers/admin-app.js';
import { loadProjectConversation, translate } from '../helpers/conversation-harness.js';
import { makeIdea, makeProducer } from '../helpers/notify-fixtures.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig, testDatabaseUrl } from '../helpers/test-env.js';

// Tổng quan: the pipeline per commune and step from one aggregate, in the official's region
// only, its tables beside the charts, the next round's days and dossiers, and the workbook.

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 4 });
const redis = new Redis(testConfig().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
// Wednesday 2 December 2026, 09:00 in Vietnam: round 2/2026 took proposals before 30/10, so the next is round 1/2027.
const clock = { now: new Date('2026-12-02T02:00:00Z') };
let conversation: LoadedConversation;
let base: string;
let close: () => Promise<void>;

type Stage = 'registered' | 'collecting' | 'submitted' | 'returned' | 'checked' | 'evaluated' | 'certified' | 'centralPending' | 'corrected';

/** One product idea of a commune, brought to `stage` the way the services leave it. */
async function ideaAt(stage: Stage, place: { communeCode: string; provinceCode: string; producerId: bigint; councilId: bigint }) {
  const dossier = stage === 'registered' ? undefined : stage === 'collecting' || stage === 'submitted' || stage === 'returned' ? stage : 'checked';
  const idea = await makeIdea(db, place.producerId, new Date('2026-10-01T02:00:00Z'), { status: stage === 'registered' ? 'submitted' : 'accepted', ...(dossier ? { dossier } : {}) });
  await db.productIdea.update({ where: { id: idea.id }, data: { communeCode: place.communeCode, provinceCode: place.provinceCode } });
  if (dossier !== 'checked' || stage === 'checked') return;
  const meeting = await db.meeting.create({ data: { councilId: place.councilId, date: '2026-11-20', time: '08:00', place: 'Sở', status: 'locked', leadWorkingDays: 1, deliveryDeadline: new Date('2026-11-19T00:30:00Z'), createdBy: 'test', createdAt: clock.now } });
  const result = (revision: number, stars: number, certifyingLevel: 'province' | 'central' | null, supersededAt: Date | null) =>
    db.evaluationResult.create({
      data: { meetingId: meeting.id, productIdeaId: idea.id, ruleSet: 'qd-26-2026', presentIds: [], scores: [], scoreSumHundredths: stars * 2000, scoreCount: 1, stars, certifyingLevel, revision, supersededAt, recordedBy: 'test', recordedAt: new Date(`2026-11-2${revision}T02:00:00Z`) },
    });
  if (stage === 'evaluated') await result(1, 2, null, null);
  if (stage === 'certified') await result(1, 4, 'province', null);
  // 5★ from a province council: the ministry certifies it, so it is evaluated, not certified yet.
  if (stage === 'centralPending') await result(1, 5, 'central', null);
  // First recorded as 3★, corrected to 2★: the current result decides.
  if (stage === 'corrected') {
    await result(1, 3, 'province', new Date('2026-11-22T02:00:00Z'));
    await result(2, 2, null, null);
  }
}

/** The numbers of one row of a page's table, after its row header. */
function rowOf(page: string, header: string): number[] {
  const start = page.indexOf(`<th scope="row">${header}</th>`);
  if (start < 0) throw new Error(`no row ${header}`);
  const row = page.slice(start, page.indexOf('</tr>', start));
  return [...row.matchAll(/<td>(\d+)<\/td>/g)].map((m) => Number(m[1]));
}

async function signIn(zaloUserId: string): Promise<string> {
  const link = await db.$transaction((tx) => issueSignInLink(tx, { zaloUserId, now: clock.now, settings: defaultConsoleAuth }));
  if (link.kind !== 'link') throw new Error(`no link for ${zaloUserId}: ${link.kind}`);
  const opened = await fetch(`${base}/console/sign-in/${link.token}`, { redirect: 'manual' });
  return opened.headers.getSetCookie().find((c) => c.startsWith('ocop_console='))?.split(';')[0] ?? '';
}

const browse = async (path: string, cookie: string) => {
  const response = await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' });
  return { status: response.status, text: await response.text() };
};

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  await db.$executeRawUnsafe('TRUNCATE console_session, console_sign_in RESTART IDENTITY CASCADE');
  conversation = await loadProjectConversation(db);
  for (const [key, role, provinceCode, communeCode] of [
    ['commune', 'commune', '75', '26116'],
    ['other', 'commune', '75', '26020'],
    ['province', 'province', '75', null],
    ['secretary', 'secretary', '75', null],
    ['daklak', 'province', '66', null],
  ] as const) {
    await db.official.create({ data: { name: `Cán bộ ${key}`, role, provinceCode, communeCode, zaloUserId: `zu-${key}`, linkedAt: clock.now } });
  }
  const councilOf = async (provinceCode: string) => (await db.council.create({ data: { name: `Hội đồng ${provinceCode}`, level: 'province', provinceCode, year: 2026, createdBy: 'test' } })).id;
  const council75 = await councilOf('75');
  const council66 = await councilOf('66');
  const tanPhu = { communeCode: '26116', provinceCode: '75', producerId: (await makeProducer(db, 'zu-p1')).id, councilId: council75 };
  const longBinh = { communeCode: '26020', provinceCode: '75', producerId: (await makeProducer(db, 'zu-p2', { communeCode: '26020' })).id, councilId: council75 };
  const hoaPhu = { communeCode: '24175', provinceCode: '66', producerId: (await makeProducer(db, 'zu-p3', { communeCode: '24175' })).id, councilId: council66 };
  for (const stage of ['registered', 'registered', 'collecting', 'submitted', 'returned', 'checked', 'checked', 'evaluated', 'centralPending', 'corrected', 'certified'] as const) await ideaAt(stage, tanPhu);
  for (const stage of ['registered', 'checked'] as const) await ideaAt(stage, longBinh);
  await ideaAt('certified', hoaPhu);
  const started = await startConsoleApp({ db, redis, now: () => clock.now, conversation });
  base = started.base;
  close = started.close;
});

afterAll(async () => {
  await close();
  redis.disconnect();
  await db.$disconnect();
});

describe('the overview', () => {
  it('counts, per commune of the province, the products that reached each step; the province and its secretary see the same', async () => {
    for (const who of ['zu-province', 'zu-secretary']) {
      const page = await browse('/console/overview', await signIn(who));
      expect(page.status).toBe(200);
      // registered → dossier started → handed in → checked → scored → certified
      expect(rowOf(page.text, 'Xã Tân Phú')).toEqual([11, 9, 8, 6, 4, 1]);
      expect(rowOf(page.text, 'Phường Long Bình')).toEqual([2, 1, 1, 1, 0, 0]);
      expect(rowOf(page.text, translate('vi', 'console.overview.total'))).toEqual([13, 10, 9, 7, 4, 1]);
      // The funnel's own table carries the same totals, step by step.
      expect(rowOf(page.text, translate('vi', 'console.overview.stage.registered'))).toEqual([13]);
      expect(rowOf(page.text, translate('vi', 'console.overview.stage.certified'))).toEqual([1]);
      expect(page.text).not.toContain('Xã Hòa Phú');
    }
  });

  it('draws its charts as SVG with no inline style or script, each followed by a captioned table', async () => {
    const page = (await browse('/console/overview', await signIn('zu-province'))).text;
    expect(page.match(/<svg class="bar"/g)?.length).toBe(6 + 2 + 1);
    expect(page).not.toMatch(/ style=|<script/);
    for (const caption of ['pipelineTable', 'byCommuneTable', 'roundTable']) expect(page).toContain(`<caption id="table-${caption}">${translate('vi', `console.overview.${caption}`)}</caption>`);
    // Long Bình reached 2 of Tân Phú's 11 registrations: its bar is that share of the width.
    expect(page).toContain('<rect class="stage-0" x="0.00" y="0" width="18.18" height="10"></rect>');
  });

  it('a commune official sees their commune only; another province sees only its own', async () => {
    const commune = (await browse('/console/overview', await signIn('zu-commune'))).text;
    expect(rowOf(commune, 'Xã Tân Phú')).toEqual([11, 9, 8, 6, 4, 1]);
    expect(rowOf(commune, translate('vi', 'console.overview.total'))).toEqual([11, 9, 8, 6, 4, 1]);
    expect(commune).not.toContain('Phường Long Bình');
    const other = (await browse('/console/overview', await signIn('zu-other'))).text;
    expect(rowOf(other, 'Phường Long Bình')).toEqual([2, 1, 1, 1, 0, 0]);
    expect(other).not.toContain('Xã Tân Phú');
    const daklak = (await browse('/console/overview', await signIn('zu-daklak'))).text;
    expect(rowOf(daklak, 'Xã Hòa Phú')).toEqual([1, 1, 1, 1, 1, 1]);
    expect(daklak).not.toContain('Tân Phú');
  });

  it('shows the next round with the producers’ and the commune’s last days, and the dossiers ready for it or not', async () => {
    const page = (await browse('/console/overview', await signIn('zu-province'))).text;
    const expected = nextRoundFor('commune', { calendar: conversation.calendar, rules: ruleSetInForce(conversation.setup.ruleSets, clock.now)?.rounds?.province ?? [], today: '2026-12-02', checkWorkingDays: 15 });
    expect(expected?.round).toMatchObject({ year: 2027, number: 1, proposeBefore: '2027-04-30', closesBefore: '2027-06-30' });
    expect(page).toContain(translate('vi', 'console.overview.roundName', { number: '1', year: '2027' }));
    expect(page).toContain(translate('vi', 'console.overview.roundDates', { proposeBefore: '30/04/2027', closesBefore: '30/06/2027' }));
    expect(page).toContain(displayDate(expected?.producerLastDay ?? ''));
    expect(page).toContain(displayDate(expected?.communeLastDay ?? ''));
    expect(page).toContain(translate('vi', 'console.overview.readyLine', { ready: '3', notReady: '3' }));
    expect(rowOf(page, translate('vi', 'console.overview.roundState.checked'))).toEqual([3]);
    expect(rowOf(page, translate('vi', 'console.overview.roundState.returned'))).toEqual([1]);
    // The commune sees its own dossiers for the round.
    const commune = (await browse('/console/overview', await signIn('zu-commune'))).text;
    expect(commune).toContain(translate('vi', 'console.overview.readyLine', { ready: '2', notReady: '3' }));
  });

  it('exports the same table as a workbook in the official’s language', async () => {
    const cookie = await signIn('zu-province');
    await browse('/console/overview?lang=en', cookie);
    const response = await fetch(`${base}/console/overview.xlsx`, { headers: { cookie: `${cookie}; ocop_lang=en` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('spreadsheetml');
    expect(response.headers.get('content-disposition')).toContain('tong-quan-ocop-2026-12-02.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const sheet = workbook.getWorksheet(translate('en', 'console.overview.sheet'));
    if (!sheet) throw new Error('no sheet');
    const values = (row: number) => (sheet.getRow(row).values as unknown[]).slice(1);
    expect(values(1)).toEqual(['Commune code', 'Commune', 'Idea registered', 'Dossier started', 'Dossier handed in', 'Checked by the commune', 'Scored by the council', 'Certified']);
    expect(values(2)).toEqual(['26020', 'Phường Long Bình', 2, 1, 1, 1, 0, 0]);
    expect(values(3)).toEqual(['26116', 'Xã Tân Phú', 11, 9, 8, 6, 4, 1]);
    expect(values(4)).toEqual(['', 'Whole area', 13, 10, 9, 7, 4, 1]);
    const round = workbook.getWorksheet(translate('en', 'console.overview.roundSheet'));
    expect((round?.getRow(2).values as unknown[]).slice(1)).toEqual([translate('en', 'console.overview.proposeBefore'), '30/04/2027']);
  });

  it('says so when the region has no idea yet', async () => {
    await db.official.create({ data: { name: 'Cán bộ Tân An', role: 'commune', provinceCode: '75', communeCode: '26179', zaloUserId: 'zu-tan-an', linkedAt: clock.now } });
    const page = (await browse('/console/overview', await signIn('zu-tan-an'))).text;
    expect(page).toContain(translate('vi', 'console.overview.none'));
    expect(page).not.toContain('/console/overview.xlsx');
  });
});
