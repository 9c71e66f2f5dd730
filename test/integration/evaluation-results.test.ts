import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApiToken } from '../../src/admin/api-tokens.js';
import type { LoadedConversation } from '../../src/bot/conversation-setup.js';
import { createDatabase } from '../../src/db/database.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { dispatchNotifications, type DispatchDeps } from '../../src/notify/dispatch-notifications.js';
import { planNotifications, type PlanDeps } from '../../src/notify/plan-notifications.js';
import { outgoingMessageSchema } from '../../src/outbound/outgoing-message.js';
import { loadProvinceSettings } from '../../src/ocop/province-settings.js';
import { startAdminApp, testNotifyTiming } from '../helpers/admin-app.js';
import { inboundDeps, loadProjectConversation, projectDir, translate } from '../helpers/conversation-harness.js';
import { createTranscriptDriver } from '../helpers/transcript-driver.js';
import { linkedUser, makeIdea, makeProducer } from '../helpers/notify-fixtures.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig } from '../helpers/test-env.js';
import { capturedLogger } from '../helpers/zalo-harness.js';
import { join } from 'node:path';

// The secretary records the council's scores after the meeting: quorum and score spread
// follow the province's rules, the stars follow the rule set's bands without rounding, and
// each producer is told their result in their language.

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
const redis = createRedisConnection(config.redisUrl, 'producer');
/** Vietnam wall-clock time as an instant. */
const vn = (local: string) => new Date(`${local}:00+07:00`);
const clock = { now: vn('2026-12-08T16:00') };
let conversation: LoadedConversation;
let close: () => Promise<void>;
let base: string;
let tokens: { province: string; secretary: string; commune: string };
let meetingId: bigint;
const people: Record<'chair' | 'm1' | 'm2' | 'm3' | 'helper' | 'secretary', string> = { chair: '', m1: '', m2: '', m3: '', helper: '', secretary: '' };
const ideas: Record<'honey' | 'tea' | 'sauce' | 'wine', string> = { honey: '', tea: '', sauce: '', wine: '' };
let outsideIdea: string;

const resultsAnswer = z.object({
  meetingId: z.string(),
  results: z.array(z.object({ productIdeaId: z.string(), productName: z.string(), average: z.string(), stars: z.number(), certifyingLevel: z.string().nullable(), present: z.array(z.string()) })),
});
const problem = z.object({ error: z.string(), message: z.string(), issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() });

function request(method: 'GET' | 'POST', path: string, token: string, body?: unknown) {
  return fetch(`${base}/admin/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
}

const present = () => [people.chair, people.m1, people.m2];
const scored = (idea: string, values: number[], who = present()) => ({ productIdeaId: idea, scores: values.map((score, i) => ({ personId: who[i]!, score })) });
/** The council's scores of every product: 72.50 (4★), 69.99 (3★ — never rounded up), 45.33 (2★), 92 (5★). */
const fullResults = () => ({
  present: present(),
  products: [scored(ideas.honey, [72, 73, 72.5]), scored(ideas.tea, [70, 69.99, 69.98]), scored(ideas.sauce, [45, 45, 46]), scored(ideas.wine, [91, 92, 93])],
});

function planDeps(): PlanDeps {
  return { db, now: () => clock.now, timing: testNotifyTiming(), rules: conversation.notifyRules, ruleSets: conversation.setup.ruleSets, checklists: conversation.setup.checklists, settingsFor: conversation.provinceSettings, translate, logger: capturedLogger().logger };
}

function dispatchDeps(): DispatchDeps {
  return { db, translate, logger: capturedLogger().logger, now: () => clock.now, timing: testNotifyTiming(), checklists: conversation.setup.checklists, templates: { templateId: undefined, znsTemplateId: undefined } };
}

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  conversation = await loadProjectConversation(db);
  tokens = {
    province: (await createApiToken(db, { name: 'Sở NN&MT Đồng Nai', role: 'province', provinceCode: '75' })).token,
    secretary: (await createApiToken(db, { name: 'Thư ký hội đồng', role: 'secretary', provinceCode: '75' })).token,
    commune: (await createApiToken(db, { name: 'UBND xã Tân Phú', role: 'commune', provinceCode: '75', communeCode: '26116' })).token,
  };
  const council = await db.council.create({ data: { name: 'Hội đồng OCOP tỉnh Đồng Nai', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
  for (const [key, role] of [['chair', 'chair'], ['m1', 'member'], ['m2', 'member'], ['m3', 'member'], ['helper', 'helper'], ['secretary', 'secretary']] as const) {
    const person = await db.councilPerson.create({ data: { name: `Người ${key}`, provinceCode: '75' } });
    await db.councilMember.create({ data: { councilId: council.id, personId: person.id, role } });
    people[key] = String(person.id);
  }
  for (const [key, locale] of [['honey', 'vi'], ['tea', 'vi'], ['sauce', 'en'], ['wine', 'vi']] as const) {
    const producer = await makeProducer(db, `producer-${key}`);
    await linkedUser(db, `producer-${key}`, clock.now, locale);
    ideas[key] = String((await makeIdea(db, producer.id, vn('2026-10-01T09:00'), { dossier: 'checked', businessPlan: true })).id);
  }
  // The tea was registered in 2023 under Decision 148 (3★ by the district); its dossier is
  // evaluated now, so Decision 26/2026 decides who certifies (Art. 11.2, 12.2).
  await db.productIdea.update({ where: { id: BigInt(ideas.tea!) }, data: { ruleSet: 'qd-148-2023' } });
  const outsider = await makeProducer(db, 'producer-outside');
  outsideIdea = String((await makeIdea(db, outsider.id, vn('2026-10-01T09:00'), { dossier: 'checked', businessPlan: true })).id);
  // Wednesday 9 December 2026.
  const meeting = await db.meeting.create({ data: { councilId: council.id, date: '2026-12-09', time: '08:00', place: 'Hội trường Sở', leadWorkingDays: 1, deliveryDeadline: vn('2026-12-08T07:30'), createdBy: 'test' } });
  await db.meetingProduct.createMany({ data: Object.values(ideas).map((id) => ({ meetingId: meeting.id, productIdeaId: BigInt(id) })) });
  meetingId = meeting.id;
  const started = await startAdminApp({
    db,
    redis,
    now: () => clock.now,
    admin: {
      translate,
      now: () => clock.now,
      invitationTtlHours: 72,
      enqueueOutbound: async () => undefined,
      ruleSets: conversation.setup.ruleSets,
      meetings: { calendar: conversation.calendar, settingsFor: loadProvinceSettings(join(projectDir, 'rules', 'provinces.yaml')) },
    },
  });
  base = started.base;
  close = started.close;
});

afterAll(async () => {
  await close();
  redis.disconnect();
  await db.$disconnect();
});

describe('recording a meeting’s results', () => {
  it('waits for the meeting day, and is not a commune’s to record', async () => {
    const early = await request('POST', `/meetings/${meetingId}/results`, tokens.secretary, fullResults());
    expect(early.status).toBe(409);
    expect(problem.parse(await early.json()).message).toContain('2026-12-09');
    clock.now = vn('2026-12-09T11:30');
    expect((await request('POST', `/meetings/${meetingId}/results`, tokens.commune, fullResults())).status).toBe(403);
    expect(await db.evaluationResult.count()).toBe(0);
  });

  it('refuses a meeting without quorum: fewer than 3 of the 4 scoring members, or the chair absent', async () => {
    const two = await request('POST', `/meetings/${meetingId}/results`, tokens.secretary, { present: [people.chair, people.m1], products: [scored(ideas.honey, [72, 73], [people.chair, people.m1])] });
    expect(two.status).toBe(409);
    expect(problem.parse(await two.json()).message).toBe('no quorum: 2 of 4 members present; at least 3/4 are needed');
    const who = [people.m1, people.m2, people.m3];
    const noChair = await request('POST', `/meetings/${meetingId}/results`, tokens.secretary, { present: who, products: [scored(ideas.honey, [72, 73, 74], who)] });
    expect(noChair.status).toBe(409);
    expect(problem.parse(await noChair.json()).message).toBe('no quorum: the chair must be present');
  });

  it('names every score that does not fit: a helper scoring, a member missing, a product of another meeting, parts that do not add up, too many decimals', async () => {
    const body = {
      present: [people.chair, people.m1, people.helper],
      products: [
        { productIdeaId: ideas.honey, scores: [{ personId: people.chair, score: 72, parts: { a: 30, b: 20, c: 20 } }, { personId: people.m1, score: 70 }] },
        scored(outsideIdea, [70, 70, 70], [people.chair, people.m1, people.helper]),
      ],
    };
    const response = await request('POST', `/meetings/${meetingId}/results`, tokens.secretary, body);
    expect(response.status).toBe(400);
    const issues = problem.parse(await response.json()).issues ?? [];
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'body.present.2', message: `person ${people.helper} is not the chair or a member of this council` },
        { path: 'body.products.0.scores.0.parts', message: 'parts add up to 70, not 72' },
        { path: 'body.products.0.scores', message: `every member present scores every product; missing: ${people.helper}` },
        { path: 'body.products.1.productIdeaId', message: `idea ${outsideIdea} is not evaluated at this meeting` },
      ]),
    );
    const decimals = await request('POST', `/meetings/${meetingId}/results`, tokens.secretary, { present: present(), products: [scored(ideas.honey, [72.125, 73, 72])] });
    expect(decimals.status).toBe(400);
    expect(await db.evaluationResult.count()).toBe(0);
  });

  it('sends the council back to score again when members differ by more than 10 points, and keeps nothing', async () => {
    const body = { present: present(), products: [scored(ideas.honey, [72, 73, 72.5]), scored(ideas.tea, [60, 70.01, 65])] };
    const response = await request('POST', `/meetings/${meetingId}/results`, tokens.secretary, body);
    expect(response.status).toBe(409);
    const answer = problem.parse(await response.json());
    expect(answer.issues).toEqual([{ path: 'body.products.1.scores', message: `idea ${ideas.tea}: scores from 60 to 70.01, more than 10 points apart` }]);
    expect(await db.evaluationResult.count()).toBe(0);
  });

  it('records every product once: the average to two decimals, the stars of its band, the level that certifies them', async () => {
    // Two identical submissions at the same moment: one is recorded, the other is told so.
    const [first, second] = await Promise.all([
      request('POST', `/meetings/${meetingId}/results`, tokens.secretary, fullResults()),
      request('POST', `/meetings/${meetingId}/results`, tokens.secretary, fullResults()),
    ]);
    expect([first.status, second.status].sort()).toEqual([201, 409]);
    const recorded = resultsAnswer.parse(await (first.status === 201 ? first : second).json());
    expect(recorded.results.map((r) => [r.productIdeaId, r.average, r.stars, r.certifyingLevel])).toEqual([
      [ideas.honey, '72.50', 4, 'province'],
      [ideas.tea, '69.99', 3, 'province'],
      [ideas.sauce, '45.33', 2, null],
      [ideas.wine, '92.00', 5, 'central'],
    ]);
    expect(recorded.results[0]!.present).toEqual(present());
    expect((await db.evaluationResult.findFirstOrThrow({ where: { productIdeaId: BigInt(ideas.tea!) } })).ruleSet).toBe('qd-26-2026');

    const listed = resultsAnswer.parse(await (await request('GET', `/meetings/${meetingId}/results`, tokens.province)).json());
    expect(listed.results).toHaveLength(4);
    const events = await db.dossierEvent.findMany({ where: { action: 'evaluated' }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.detail)).toContainEqual({ meetingId: String(meetingId), average: '72.50', stars: 4, certifyingLevel: 'province' });
    expect(events[0]!.actor).toBe('admin:Thư ký hội đồng');
  });

  it('tells each producer their result in their language, once', async () => {
    await planNotifications(planDeps());
    expect(await db.notification.count({ where: { kind: 'evaluation.result' } })).toBe(4);
    expect((await planNotifications(planDeps())).planned).toBe(0);
    const texts: Record<string, string> = {};
    for (const key of Object.keys(ideas)) {
      const producer = await db.producer.findUniqueOrThrow({ where: { zaloUserId: `producer-${key}` } });
      expect(await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id })).toHaveLength(1);
      const [row] = await db.outboundMessage.findMany({ where: { recipient: `producer-${key}` } });
      const message = outgoingMessageSchema.parse(row!.payload);
      texts[key] = message.kind === 'text' ? message.text : '';
      // A result is news under its own heading, not a task to snooze.
      expect(message.kind === 'text' && message.buttons).toBeFalsy();
    }
    expect(texts.honey?.startsWith('📣 Kết quả đánh giá sản phẩm OCOP:\n')).toBe(true);
    expect(texts.sauce?.startsWith('📣 OCOP product evaluation result:\n')).toBe(true);
    expect(Object.values(texts).some((text) => text.includes('Nhắc việc'))).toBe(false);
    expect(texts.honey).toContain('tại Hội đồng OCOP tỉnh Đồng Nai ngày 09/12/2026: điểm trung bình 72,50/100, hạng 4 sao. Kết quả được trình cấp tỉnh xem xét và ra quyết định công nhận.');
    expect(texts.tea).toContain('điểm trung bình 69,99/100, hạng 3 sao.');
    expect(texts.sauce).toContain('average score 45.33/100, 2 stars. Under Quyết định số 26/2026/QĐ-TTg ngày 22/05/2026, 2-star products receive no OCOP certificate.');
    expect(texts.wine).toContain('hạng 5 sao. Kết quả được trình cấp trung ương xem xét');
    expect(await db.notification.count({ where: { kind: 'evaluation.result', state: 'sent' } })).toBe(4);
  });

  it('a correction needs its reason, replaces the current result, keeps the old one, and tells the producer again', async () => {
    // A plain second recording is refused, pointing to the correction.
    const again = await request('POST', `/meetings/${meetingId}/results`, tokens.secretary, { present: present(), products: [scored(ideas.tea, [70, 70, 70.5])] });
    expect(again.status).toBe(409);
    expect(problem.parse(await again.json()).message).toContain('send a correction with its reason');
    // A correction of a product the meeting has no result for is refused.
    const fresh = await db.productIdea.create({ data: { ...(await db.productIdea.findUniqueOrThrow({ where: { id: BigInt(ideas.tea) } })), id: undefined, sequence: 99, receiptNumber: '99/PĐK-75-26116-2026', details: {}, businessPlan: {} } });
    await db.meetingProduct.create({ data: { meetingId, productIdeaId: fresh.id } });
    const nothing = await request('POST', `/meetings/${meetingId}/results`, tokens.secretary, { present: present(), products: [scored(String(fresh.id), [70, 70, 70])], correction: { reason: 'Nhập nhầm điểm' } });
    expect(nothing.status).toBe(400);
    expect(problem.parse(await nothing.json()).issues).toEqual([{ path: 'body.products.0.productIdeaId', message: `idea ${fresh.id} has no result to correct at this meeting` }]);

    clock.now = vn('2026-12-09T15:00');
    const corrected = await request('POST', `/meetings/${meetingId}/results`, tokens.secretary, { present: present(), products: [scored(ideas.tea, [70, 70, 70.5])], correction: { reason: 'Thư ký nhập nhầm điểm của thành viên Người m1' } });
    expect(corrected.status).toBe(201);
    const answer = z.object({ results: z.array(z.object({ average: z.string(), stars: z.number(), revision: z.number(), correctionReason: z.string() })) }).parse(await corrected.json());
    expect(answer.results).toEqual([{ average: '70.16', stars: 4, revision: 2, correctionReason: 'Thư ký nhập nhầm điểm của thành viên Người m1' }].map((r) => expect.objectContaining(r)));
    const history = await db.evaluationResult.findMany({ where: { productIdeaId: BigInt(ideas.tea) }, orderBy: { revision: 'asc' } });
    expect(history.map((r) => [r.revision, r.stars, r.supersededAt])).toEqual([
      [1, 3, clock.now],
      [2, 4, null],
    ]);
    const listed = resultsAnswer.parse(await (await request('GET', `/meetings/${meetingId}/results`, tokens.province)).json());
    expect(listed.results.find((r) => r.productIdeaId === ideas.tea)).toMatchObject({ average: '70.16', stars: 4 });

    await planNotifications(planDeps());
    const producer = await db.producer.findUniqueOrThrow({ where: { zaloUserId: 'producer-tea' } });
    expect(await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id })).toHaveLength(1);
    const last = await db.outboundMessage.findFirstOrThrow({ where: { recipient: 'producer-tea' }, orderBy: { id: 'desc' } });
    const message = outgoingMessageSchema.parse(last.payload);
    expect(message.kind === 'text' ? message.text : '').toContain('Hội đồng đã điều chỉnh kết quả (Thư ký nhập nhầm điểm của thành viên Người m1). Kết quả đánh giá sản phẩm');
    expect(message.kind === 'text' ? message.text : '').toContain('điểm trung bình 70,16/100, hạng 4 sao.');
  });

  it('shows the result in the producer\'s "Tình trạng sản phẩm của tôi"', async () => {
    const driver = createTranscriptDriver(db, () => inboundDeps(db, conversation, clock));
    const [status] = (await driver.play('producer-honey', ['menu', 'Tình trạng sản phẩm của tôi'])).filter((m) => m.startsWith('Tình trạng sản phẩm của bạn:'));
    expect(status).toContain('Hội đồng đã đánh giá ngày 09/12/2026: 72,50 điểm, hạng 4 sao.');
  });
});
