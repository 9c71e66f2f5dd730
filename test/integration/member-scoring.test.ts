import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotScoringMemberError, openScoring, productsToScore, saveSheet, ScoringClosedError, ScoringNotOpenError, SheetAlreadySubmittedError, SheetAnswersError, scoringBoard, tallyScoring, type ScoringRules, type TallyOutcome } from '../../src/council/member-scoring.js';
import { createDatabase, type Transaction } from '../../src/db/database.js';
import { loadProvinceSettings } from '../../src/ocop/province-settings.js';
import { loadRuleSets } from '../../src/ocop/rule-sets.js';
import { loadScoringSheets, type Answers } from '../../src/ocop/scoring-sheets.js';
import { dispatchNotifications } from '../../src/notify/dispatch-notifications.js';
import { loadNotifyRules } from '../../src/notify/notify-rules.js';
import { planNotifications } from '../../src/notify/plan-notifications.js';
import { loadChecklists } from '../../src/ocop/dossier-checklist.js';
import { outgoingMessageSchema } from '../../src/outbound/outgoing-message.js';
import { testNotifyTiming } from '../helpers/admin-app.js';
import { linkedUser, makeIdea, makeProducer } from '../helpers/notify-fixtures.js';
import { dictionaries, projectDir, translate } from '../helpers/conversation-harness.js';
import { capturedLogger } from '../helpers/zalo-harness.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig } from '../helpers/test-env.js';

// Members score each product on its sheet; closing tallies: a spread too wide asks the two
// ends to score again (the round is kept), a star mark missed holds the stars below the
// band, and a disqualification condition most members found rules the dossier out.

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
const vn = (local: string) => new Date(`${local}:00+07:00`);
const ruleSets = loadRuleSets(join(projectDir, 'rules', 'rule-sets.yaml'), dictionaries);
const rules: ScoringRules = {
  ruleSets,
  settingsFor: loadProvinceSettings(join(projectDir, 'rules', 'provinces.yaml')),
  sheets: loadScoringSheets(join(projectDir, 'rules', 'scoring-sheets-sample'), ruleSets, { production: false }),
};
const meetingDay = vn('2026-12-09T09:00');
let meetingId: bigint;
const voters: bigint[] = [];
let helper: bigint;
const product: Record<'capped' | 'spread' | 'thrownOut', bigint> = { capped: 0n, spread: 0n, thrownOut: 0n };

/** 85 points, a 4★ band, but C2 at 5 misses the 4★ mark (10). */
const cappedAnswers: Answers = { A1: 10, A2: 10, A3: 10, A4: 10, B1: 5, B2: 10, B3: 10, C1: 15, C2: 5, C3: 0 };
const full: Answers = { A1: 10, A2: 10, A3: 10, A4: 10, B1: 5, B2: 10, B3: 10, C1: 15, C2: 10, C3: 10 };
/** 50 plus A1, plus 10 with C3: totals 54, 56, 60, 66. */
const mid = (a1: 0 | 4 | 6 | 10, c3: 0 | 10 = 0): Answers => ({ A1: a1, A2: 10, A3: 10, A4: 5, B1: 5, B2: 5, B3: 5, C1: 5, C2: 5, C3: c3 });

const tx = <T>(work: (t: Transaction) => Promise<T>): Promise<T> => db.$transaction(work);
const save = (personId: bigint, productIdeaId: bigint, answers: Answers, options: { submit?: boolean; disqualifiers?: string[]; enteredBy?: string; now?: Date } = {}) =>
  tx((t) => saveSheet(t, rules, { meetingId, personId, productIdeaId, answers, disqualifiers: options.disqualifiers ?? [], note: null, submit: options.submit ?? true, enteredBy: options.enteredBy ?? null, now: options.now ?? meetingDay }));
const tally = (now = meetingDay) => tx((t) => tallyScoring(t, rules, { meetingId, provinceCode: '75', by: 'official:1', now }));
const outcomeOf = (outcomes: TallyOutcome[], id: bigint) => outcomes.find((o) => o.productIdeaId === id)!;

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  const council = await db.council.create({ data: { name: 'Hội đồng OCOP tỉnh Đồng Nai', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
  for (const role of ['chair', 'member', 'member', 'member', 'member', 'helper'] as const) {
    const person = await db.councilPerson.create({ data: { name: `Người ${role} ${voters.length}`, provinceCode: '75' } });
    await db.councilMember.create({ data: { councilId: council.id, personId: person.id, role } });
    if (role === 'helper') helper = person.id;
    else voters.push(person.id);
  }
  for (const key of Object.keys(product) as (keyof typeof product)[]) {
    const producer = await makeProducer(db, `producer-${key}`);
    await linkedUser(db, `producer-${key}`, meetingDay, key === 'thrownOut' ? 'en' : 'vi');
    product[key] = (await makeIdea(db, producer.id, vn('2026-10-01T09:00'), { dossier: 'checked', businessPlan: true })).id;
  }
  const meeting = await db.meeting.create({ data: { councilId: council.id, date: '2026-12-09', time: '08:00', place: 'Hội trường Sở', leadWorkingDays: 1, deliveryDeadline: vn('2026-12-08T07:30'), createdBy: 'test', status: 'locked' } });
  await db.meetingProduct.createMany({ data: Object.values(product).map((id) => ({ meetingId: meeting.id, productIdeaId: id })) });
  meetingId = meeting.id;
});

afterAll(async () => {
  await db.$disconnect();
});

describe('members scoring on the sheets', () => {
  it('opens on the meeting day only, for the chair and the members', async () => {
    await expect(tx((t) => openScoring(t, { meetingId, provinceCode: '75', now: vn('2026-12-08T16:00') }))).rejects.toThrow(ScoringNotOpenError);
    await expect(save(voters[0]!, product.capped, cappedAnswers)).rejects.toThrow(ScoringNotOpenError);
    await expect(tx((t) => openScoring(t, { meetingId, provinceCode: '79', now: meetingDay }))).rejects.toThrow(/meeting/);
    const opened = await tx((t) => openScoring(t, { meetingId, provinceCode: '75', now: meetingDay }));
    expect(opened).toEqual({ opened: true, people: voters });
    expect((await tx((t) => openScoring(t, { meetingId, provinceCode: '75', now: meetingDay }))).opened).toBe(false);
    await expect(save(helper, product.capped, cappedAnswers)).rejects.toThrow(NotScoringMemberError);
  });

  it('keeps drafts, refuses answers the sheet does not have, and an incomplete or second submission', async () => {
    const draft = await save(voters[0]!, product.capped, { A1: 10 }, { submit: false });
    expect(draft).toMatchObject({ status: 'draft', totalHundredths: 1000, round: 1 });
    await expect(save(voters[0]!, product.capped, { A1: 3 }, { submit: false })).rejects.toThrow(SheetAnswersError);
    await expect(save(voters[0]!, product.capped, { A1: 10 })).rejects.toThrow(/C3 missing/);
    await save(voters[0]!, product.capped, cappedAnswers);
    await expect(save(voters[0]!, product.capped, full, { submit: false })).rejects.toThrow(SheetAlreadySubmittedError);
    const view = await tx((t) => productsToScore(t, rules, { meetingId, personId: voters[0]!, now: meetingDay }));
    expect(view.products.find((p) => p.productIdeaId === product.capped)).toMatchObject({ status: 'submitted', totalHundredths: 8500, expected: true, sheet: { id: 'sample-qd-26-2026' } });
    expect(view.products.find((p) => p.productIdeaId === product.spread)).toMatchObject({ status: 'none', totalHundredths: null });
  });

  it('tallies: the star mark holds 4★ at 3★, a 12-point spread is scored again by its two ends, and a dossier most found wanting is out', async () => {
    for (const person of voters.slice(1, 4)) await save(person, product.capped, cappedAnswers);
    // The fifth member scored on paper: the secretary types it in.
    await save(voters[4]!, product.capped, cappedAnswers, { enteredBy: 'official:1' });
    const totals = [mid(4), mid(6), mid(10), mid(10), mid(6, 10)];
    for (const [i, person] of voters.entries()) await save(person, product.spread, totals[i]!);
    for (const [i, person] of voters.entries()) await save(person, product.thrownOut, full, { disqualifiers: i < 3 ? ['L1'] : [] });

    const board = await tx((t) => scoringBoard(t, rules, { meetingId, provinceCode: '75', now: meetingDay }));
    expect(board.rows.find((r) => r.productIdeaId === product.capped)!.members.map((m) => m.enteredBy)).toEqual([null, null, null, null, 'official:1']);

    const first = await tally();
    expect(first.closed).toBe(false);
    const capped = outcomeOf(first.outcomes, product.capped);
    expect(capped.outcome).toBe('recorded');
    if (capped.outcome !== 'recorded') throw new Error('unreachable');
    expect(capped.result).toMatchObject({ stars: 3, bandStars: 4, certifyingLevel: 'province', sheetId: 'sample-qd-26-2026', cappedBy: [{ code: 'C2', level: 4, title: 'Công bố chất lượng, tiêu chuẩn' }], disqualifiedCode: null });
    expect(capped.result.scoreSumHundredths).toBe(5 * 8500);
    expect(outcomeOf(first.outcomes, product.spread)).toEqual({ productIdeaId: product.spread, outcome: 'rescore', round: 2, people: [voters[0], voters[4]], lowest: 54, highest: 66 });
    const out = outcomeOf(first.outcomes, product.thrownOut);
    if (out.outcome !== 'recorded') throw new Error(`expected a result, got ${out.outcome}`);
    expect(out.result).toMatchObject({ stars: 5, certifyingLevel: null, disqualifiedCode: 'L1', disqualifiedReason: 'Hồ sơ có tài liệu không trung thực' });
  });

  it('waits for those asked to score again, keeps the first round, then records and closes', async () => {
    await expect(save(voters[1]!, product.spread, mid(10))).rejects.toThrow(NotScoringMemberError);
    const waiting = await tally();
    expect(outcomeOf(waiting.outcomes, product.spread)).toEqual({ productIdeaId: product.spread, outcome: 'waiting', people: [voters[0], voters[4]] });
    // Their new sheet starts from their last one, as a draft.
    const view = await tx((t) => productsToScore(t, rules, { meetingId, personId: voters[4]!, now: meetingDay }));
    expect(view.products.find((p) => p.productIdeaId === product.spread)).toMatchObject({ round: 2, status: 'draft', totalHundredths: 6600, expected: true });
    await save(voters[0]!, product.spread, mid(10));
    await save(voters[4]!, product.spread, mid(10));
    const last = await tally();
    expect(last.closed).toBe(true);
    const spread = outcomeOf(last.outcomes, product.spread);
    if (spread.outcome !== 'recorded') throw new Error(`expected a result, got ${spread.outcome}`);
    // 56 + 4 × 60 = 296 → 59.2: 3★.
    expect(spread.result).toMatchObject({ scoreSumHundredths: 29_600, scoreCount: 5, stars: 3, bandStars: null, cappedBy: null });
    expect(outcomeOf(last.outcomes, product.capped).outcome).toBe('alreadyRecorded');
    expect(await db.scoreSheet.count({ where: { meetingId, productIdeaId: product.spread, round: 1 } })).toBe(5);
    expect(await db.scoreSheet.count({ where: { meetingId, productIdeaId: product.spread, round: 2, status: 'submitted' } })).toBe(5);
    await expect(save(voters[0]!, product.spread, mid(10))).rejects.toThrow(ScoringClosedError);
    await expect(tally()).rejects.toThrow(ScoringClosedError);
  });
});

describe('what the producers are told', () => {
  it('names the criterion that held the stars, and why a dossier was ruled out, in their language', async () => {
    const now = () => vn('2026-12-09T16:00');
    const checklists = loadChecklists(join(projectDir, 'rules', 'dossier-checklists.yaml'), ruleSets, dictionaries);
    const logger = capturedLogger().logger;
    await planNotifications({ db, now, timing: testNotifyTiming(), rules: loadNotifyRules(join(projectDir, 'rules', 'notifications.yaml')), ruleSets, checklists, settingsFor: rules.settingsFor, translate, logger });
    const textOf = async (key: keyof typeof product) => {
      const producer = await db.producer.findUniqueOrThrow({ where: { zaloUserId: `producer-${key}` } });
      await dispatchNotifications({ db, translate, logger, now, timing: testNotifyTiming(), checklists, templates: { templateId: undefined, znsTemplateId: undefined } }, { kind: 'producer', id: producer.id });
      const [row] = await db.outboundMessage.findMany({ where: { recipient: `producer-${key}` } });
      const message = outgoingMessageSchema.parse(row!.payload);
      return message.kind === 'text' ? message.text : '';
    };
    const capped = await textOf('capped');
    expect(capped).toContain('điểm trung bình 85,00/100, hạng 3 sao. Điểm trung bình thuộc hạng 4 sao, nhưng sản phẩm chưa đạt yêu cầu tối thiểu của hạng đó ở tiêu chí: C2. Công bố chất lượng, tiêu chuẩn; nên hạng được công nhận là 3 sao.');
    const out = await textOf('thrownOut');
    expect(out).toContain('the dossier was disqualified. Reason: Hồ sơ có tài liệu không trung thực.');
    expect(out).not.toContain('5 stars');
    expect(await textOf('spread')).toContain('điểm trung bình 59,20/100, hạng 3 sao.');
  });
});
