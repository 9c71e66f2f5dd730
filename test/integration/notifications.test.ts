import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.js';
import type { LoadedConversation } from '../../src/bot/conversation-setup.js';
import { dispatchNotifications, type DispatchDeps } from '../../src/notify/dispatch-notifications.js';
import { planNotifications, type PlanDeps } from '../../src/notify/plan-notifications.js';
import type { NotifyTiming } from '../../src/notify/timing.js';
import type { FallbackTemplates } from '../../src/outbound/choose-channel.js';
import { outgoingMessageSchema, type OutgoingMessage } from '../../src/outbound/outgoing-message.js';
import { inboundDeps, loadProjectConversation, translate } from '../helpers/conversation-harness.js';
import { linkedUser, makeIdea, makeOfficial, makeProducer } from '../helpers/notify-fixtures.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig } from '../helpers/test-env.js';
import { createTranscriptDriver } from '../helpers/transcript-driver.js';
import { capturedLogger } from '../helpers/zalo-harness.js';

// Reminders one person at a time, with a clock the test moves: when they go, what they
// merge, when they stop, whom they reach and whom they go up to.

const config = testConfig();
let db: Database;
let conversation: LoadedConversation;
// Each test sets the instant it means; this one is only the starting value.
const clock = { now: new Date('2026-12-01T02:00:00Z') };
let templates: FallbackTemplates = { templateId: undefined, znsTemplateId: undefined };
let untold = 0;

/** Vietnam wall-clock time as an instant. */
const vn = (local: string) => new Date(`${local}:00+07:00`);

function timing(): NotifyTiming {
  return { calendar: conversation.calendar, quietStart: '21:00', quietEnd: '07:00', routineTime: conversation.notifyRules.routineTime };
}

function planDeps(): PlanDeps {
  return { db, now: () => clock.now, timing: timing(), rules: conversation.notifyRules, ruleSets: conversation.setup.ruleSets, checklists: conversation.setup.checklists, settingsFor: conversation.provinceSettings, translate, logger: capturedLogger().logger };
}

function dispatchDeps(): DispatchDeps {
  return {
    db,
    translate,
    logger: capturedLogger().logger,
    now: () => clock.now,
    timing: timing(),
    checklists: conversation.setup.checklists,
    templates,
    onUntold: () => (untold += 1),
    packetLink: (packetId, recipient, meetingDate) => `https://ocop.example.vn/packets/${packetId}-${recipient}-until-${meetingDate}`,
  };
}

async function messagesTo(recipient: string): Promise<OutgoingMessage[]> {
  const rows = await db.outboundMessage.findMany({ where: { recipient }, orderBy: { id: 'asc' } });
  return rows.map((r) => outgoingMessageSchema.parse(r.payload));
}

const textOf = (message: OutgoingMessage | undefined) => (message?.kind === 'text' ? message.text : '');

beforeAll(async () => {
  db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  conversation = await loadProjectConversation(db);
});

afterAll(async () => {
  await db?.$disconnect();
});

beforeEach(async () => {
  await db.$executeRawUnsafe('TRUNCATE notification, notification_event, outbound_message, product_idea, producer, dossier, dossier_event, official, zalo_user, conversation_session, council, council_person, council_member, meeting, meeting_product, delivery, campaign_deadline, certified_product, evaluation_result RESTART IDENTITY CASCADE');
  templates = { templateId: undefined, znsTemplateId: undefined };
  untold = 0;
});

describe('timing', () => {
  it('a nudge for a business plan goes out three working days after the idea, at 08:00, and a late job in the night waits for the morning', async () => {
    // Thursday 3 December 2026: three working days on is Tuesday 8 December.
    clock.now = vn('2026-12-03T10:00');
    const producer = await makeProducer(db, 'producer-1');
    await linkedUser(db, 'producer-1', clock.now);
    const idea = await makeIdea(db, producer.id, clock.now);
    await planNotifications(planDeps());
    const planned = await db.notification.findFirstOrThrow({ where: { kind: 'idea.businessPlanPending', productIdeaId: idea.id } });
    expect(planned.sendAt).toEqual(vn('2026-12-08T08:00'));

    // The sweep was down; the job runs at 22:30 that Tuesday: nothing is sent at night.
    clock.now = vn('2026-12-08T22:30');
    expect(await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id })).toEqual([]);
    const moved = await db.notification.findUniqueOrThrow({ where: { id: planned.id } });
    expect(moved.state).toBe('planned');
    expect(moved.sendAt).toEqual(vn('2026-12-09T08:00'));

    // A routine nudge due on a Friday evening after the routine hour goes on Friday; one due on Saturday waits for Monday.
    clock.now = vn('2026-12-12T09:00'); // Saturday
    await db.notification.update({ where: { id: planned.id }, data: { sendAt: vn('2026-12-12T08:00') } });
    expect(await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id })).toEqual([]);
    expect((await db.notification.findUniqueOrThrow({ where: { id: planned.id } })).sendAt).toEqual(vn('2026-12-14T08:00'));

    clock.now = vn('2026-12-14T08:00');
    await linkedUser(db, 'producer-1', vn('2026-12-13T19:00'));
    const sent = await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id });
    expect(sent).toHaveLength(1);
    expect(textOf((await messagesTo('producer-1'))[0])).toContain(`Ý tưởng “${idea.productName}”`);
  });

  it('a council member hears of the meeting the working day before at 08:00 and at 07:00 on the day, not in the night', async () => {
    clock.now = vn('2026-12-01T09:00');
    const person = await db.councilPerson.create({ data: { name: 'Lê Thị Hoa', provinceCode: '75', zaloUserId: 'member-1' } });
    await linkedUser(db, 'member-1', clock.now);
    const council = await db.council.create({ data: { name: 'Hội đồng OCOP tỉnh', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test', members: { create: [{ personId: person.id, role: 'member' }] } } });
    // Monday 7 December 2026: the working day before is Friday 4 December.
    const meeting = await db.meeting.create({ data: { councilId: council.id, date: '2026-12-07', time: '08:00', place: 'Hội trường', leadWorkingDays: 1, deliveryDeadline: vn('2026-12-04T07:30'), createdBy: 'test' } });
    // One dossier sent to them and not acknowledged yet.
    const producer = await makeProducer(db, 'producer-m');
    const idea = await makeIdea(db, producer.id, clock.now, { dossier: 'checked', businessPlan: true });
    const dossier = await db.dossier.findUniqueOrThrow({ where: { productIdeaId: idea.id } });
    const packet = await db.dossierPacket.create({ data: { dossierId: dossier.id, version: dossier.version, storageKey: 'packets/x.pdf', sha256: 'a'.repeat(64), sizeBytes: 100, pageCount: 1, contents: [], builtAt: clock.now } });
    await db.meetingProduct.create({ data: { meetingId: meeting.id, productIdeaId: idea.id } });
    await db.delivery.create({ data: { key: 'd1', meetingId: meeting.id, personId: person.id, productIdeaId: idea.id, packetId: packet.id, packetVersion: 1, status: 'planned', channel: 'cs', createdAt: clock.now } });
    await planNotifications(planDeps());
    const reminders = await db.notification.findMany({ where: { kind: 'meeting.reminder' }, orderBy: { sendAt: 'asc' } });
    expect(reminders.map((r) => r.sendAt)).toEqual([vn('2026-12-04T08:00'), vn('2026-12-07T07:00')]);

    clock.now = vn('2026-12-04T08:00');
    await dispatchNotifications(dispatchDeps(), { kind: 'council_person', id: person.id });
    const eve = textOf((await messagesTo('member-1'))[0]);
    expect(eve).toContain('Ngày làm việc tới (07/12/2026) lúc 08:00 họp Hội đồng OCOP tỉnh tại Hội trường');
    // A fresh link to the packet not yet acknowledged, valid through the meeting.
    expect(eve).toContain(`Bạn chưa xác nhận đã nhận hồ sơ: ${idea.productName}.\nĐường dẫn mở hồ sơ (dùng được đến sau ngày họp):\n• ${idea.productName}: https://ocop.example.vn/packets/${packet.id}-member-1-until-2026-12-07`);
  });
});

describe('evaluation rounds (Decision 26/2026, Art. 5.1 and 7.2)', () => {
  it('tells the producer their own last day for the round, and the commune its last working day to propose, each with what it means', async () => {
    // Monday 14 September 2026: round 2 of 2026 takes proposals before 30/10.
    clock.now = vn('2026-09-14T09:00');
    const producer = await makeProducer(db, 'producer-r');
    await linkedUser(db, 'producer-r', clock.now);
    await makeIdea(db, producer.id, clock.now, { dossier: 'collecting', businessPlan: true });
    const official = await makeOfficial(db, 'commune', 'official-r');
    await linkedUser(db, 'official-r', clock.now);
    await planNotifications(planDeps());
    const producerReminders = await db.notification.findMany({ where: { kind: 'dossier.missingBeforeCutoff' }, orderBy: { sendAt: 'asc' } });
    // The producer's last day is 8/10 (15 working days before Thursday 29/10): reminders 15 and 3 working days before it.
    expect(producerReminders.map((n) => [n.sendAt, n.deadline])).toEqual([
      [vn('2026-09-17T08:00'), vn('2026-10-08T23:59')],
      [vn('2026-10-05T08:00'), vn('2026-10-08T23:59')],
    ]);
    const communeReminders = await db.notification.findMany({ where: { kind: 'commune.cutoff' }, orderBy: { sendAt: 'asc' } });
    expect(communeReminders.map((n) => n.deadline)).toEqual([vn('2026-10-29T23:59'), vn('2026-10-29T23:59')]);

    clock.now = vn('2026-10-05T08:00');
    await linkedUser(db, 'producer-r', vn('2026-10-04T19:00'));
    await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id });
    const told = textOf((await messagesTo('producer-r')).at(-1));
    expect(told).toContain('Để kịp đợt đánh giá 2 năm 2026 của tỉnh, bạn cần nộp đủ hồ sơ cho xã chậm nhất ngày 08/10/2026');
    expect(told).toContain('xã có 15 ngày làm việc để kiểm tra và phải gửi đề nghị lên tỉnh trước ngày 30/10/2026');

    clock.now = vn('2026-10-26T08:00');
    await linkedUser(db, 'official-r', vn('2026-10-25T19:00'));
    await dispatchNotifications(dispatchDeps(), { kind: 'official', id: official.id });
    expect(textOf((await messagesTo('official-r')).at(-1))).toContain('Đợt đánh giá 2 năm 2026: xã phải gửi văn bản đề nghị tỉnh đánh giá trước ngày 30/10/2026, tức chậm nhất ngày làm việc 29/10/2026');
  });

  it('a producer past their last day for a round is pointed to the next one', async () => {
    clock.now = vn('2026-10-09T09:00');
    const producer = await makeProducer(db, 'producer-late');
    await makeIdea(db, producer.id, clock.now, { dossier: 'collecting', businessPlan: true });
    await planNotifications(planDeps());
    expect(await db.notification.count({ where: { kind: 'dossier.missingBeforeCutoff' } })).toBe(0);
    // Within the planning horizon of round 1/2027 (last day 7/4), it is planned.
    clock.now = vn('2027-03-01T09:00');
    await planNotifications(planDeps());
    const planned = await db.notification.findMany({ where: { kind: 'dossier.missingBeforeCutoff' } });
    expect(new Set(planned.map((n) => (n.vars as Record<string, string>).producerLastDay))).toEqual(new Set(['2027-04-07']));
  });
});

describe('re-ranking (Decision 26/2026, Art. 7.6 and 12.3)', () => {
  async function certified(producerId: bigint, productName: string, certifiedOn: string, expiresOn: string) {
    return db.certifiedProduct.create({
      data: { provinceCode: '75', communeCode: '26116', productName, producerName: 'HTX Tân Phú', producerId, stars: 4, certifiedOn, expiresOn, ruleSet: 'qd-1489-2025', importedBy: 'test', createdAt: vn('2026-06-01T09:00') },
    });
  }

  it('tells the holder the window (180 to 120 days before expiry) and that the council decides in writing within 45 days', async () => {
    // Expires 30/06/2027: the window runs from 01/01/2027 (180 days before) to 02/03/2027 (120 days before).
    clock.now = vn('2027-01-04T09:00');
    const producer = await makeProducer(db, 'producer-rr');
    await linkedUser(db, 'producer-rr', clock.now);
    await certified(producer.id, 'Mật ong Tân Phú', '2024-06-30', '2027-06-30');
    await planNotifications(planDeps());
    const planned = await db.notification.findFirstOrThrow({ where: { kind: 'certificate.reRanking' } });
    expect(planned.deadline).toEqual(vn('2027-03-02T23:59'));
    clock.now = vn('2027-01-05T08:00');
    await linkedUser(db, 'producer-rr', vn('2027-01-04T19:00'));
    await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id });
    const told = textOf((await messagesTo('producer-rr')).at(-1));
    expect(told).toContain('hồ sơ đánh giá lại nộp cho xã từ ngày 01/01/2027 đến hết ngày 02/03/2027');
    expect(told).toContain('lấy ý kiến bằng văn bản, chỉ họp khi ý kiến khác nhau, và xong trong tối đa 45 ngày');
  });

  it('a certificate whose window had closed before 22/05/2026 stays valid once filed, at most 180 days past expiry (Art. 12.3)', async () => {
    clock.now = vn('2026-12-07T09:00');
    const producer = await makeProducer(db, 'producer-late-rr');
    await linkedUser(db, 'producer-late-rr', clock.now);
    // Expired 01/08/2026: its window closed on 03/04/2026, before the decision.
    await certified(producer.id, 'Trà Tân Phú', '2023-08-01', '2026-08-01');
    // Expires 30/09/2026: its window closed on 02/06/2026, after the decision: not covered.
    await certified(producer.id, 'Nước mắm Tân Phú', '2023-09-30', '2026-09-30');
    await planNotifications(planDeps());
    const late = await db.notification.findMany({ where: { kind: 'certificate.reRankingLate' } });
    expect(late.map((n) => (n.vars as Record<string, string>).validUntil)).toEqual(['2027-01-28']);
    clock.now = vn('2026-12-07T09:05');
    await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id });
    expect(textOf((await messagesTo('producer-late-rr')).at(-1))).toContain('giấy chứng nhận vẫn còn hiệu lực đến khi có kết quả, nhưng không quá ngày 28/01/2027');
  });
});

describe('merging and stopping', () => {
  it('two reminders due for one person go in one message, with one "Nhắc lại sau" for both', async () => {
    clock.now = vn('2026-12-03T10:00');
    const producer = await makeProducer(db, 'producer-2');
    await linkedUser(db, 'producer-2', clock.now);
    const first = await makeIdea(db, producer.id, clock.now);
    const second = await makeIdea(db, producer.id, clock.now);
    await planNotifications(planDeps());
    clock.now = vn('2026-12-08T08:00');
    expect(await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id })).toHaveLength(1);
    const [message] = await messagesTo('producer-2');
    expect(message?.kind).toBe('text');
    expect(textOf(message)).toMatch(/^🔔 Nhắc việc OCOP \(2 việc\):/);
    expect(textOf(message)).toContain(first.productName);
    expect(textOf(message)).toContain(second.productName);
    const ids = (await db.notification.findMany({ where: { recipientKind: 'producer', recipientId: producer.id }, orderBy: { id: 'asc' } })).map((n) => n.id);
    expect(message?.kind === 'text' ? message.buttons : undefined).toEqual([{ title: 'Nhắc lại sau', action: { kind: 'command', payload: `#later:${ids.join(',')}` } }]);
    // Run again: nothing is sent twice.
    expect(await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id })).toEqual([]);
  });

  it('a task done before its reminder stops it: closed as done, nothing sent', async () => {
    clock.now = vn('2026-12-03T10:00');
    const producer = await makeProducer(db, 'producer-3');
    await linkedUser(db, 'producer-3', clock.now);
    const idea = await makeIdea(db, producer.id, clock.now);
    await planNotifications(planDeps());
    await db.productIdea.update({ where: { id: idea.id }, data: { businessPlan: { summary: 'xong' } } });
    // The next planning run already closes it…
    clock.now = vn('2026-12-04T10:00');
    expect(await planNotifications(planDeps())).toMatchObject({ closed: 1 });
    const closed = await db.notification.findFirstOrThrow({ where: { productIdeaId: idea.id }, include: { events: { orderBy: { id: 'asc' } } } });
    expect(closed.state).toBe('done');
    expect(closed.events.map((e) => e.action)).toEqual(['planned', 'done']);
    // …and at its time nothing goes out.
    clock.now = vn('2026-12-08T08:00');
    expect(await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id })).toEqual([]);
    expect(await messagesTo('producer-3')).toEqual([]);
  });

  it('"Nhắc lại sau" brings the reminders back at 08:00 on the next working day; nobody else can defer them', async () => {
    clock.now = vn('2026-12-03T10:00');
    const producer = await makeProducer(db, 'producer-4');
    await linkedUser(db, 'producer-4', clock.now);
    await makeIdea(db, producer.id, clock.now);
    await planNotifications(planDeps());
    clock.now = vn('2026-12-11T08:00'); // Friday
    await linkedUser(db, 'producer-4', vn('2026-12-10T19:00'));
    await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id });
    const [message] = await messagesTo('producer-4');
    const payload = message?.kind === 'text' ? message.buttons?.[0]?.action : undefined;
    expect(payload?.kind).toBe('command');
    const command = payload?.kind === 'command' ? payload.payload : '';

    const driver = createTranscriptDriver(db, () => inboundDeps(db, conversation, clock));
    clock.now = vn('2026-12-11T09:15');
    expect(await driver.play('someone-else', [command])).toEqual(expect.arrayContaining([expect.stringContaining('không cần hẹn lại')]));
    expect((await driver.play('producer-4', [command])).join('\n')).toContain('Bot sẽ nhắc lại lúc 08:00 ngày 14/12/2026');
    const snoozed = await db.notification.findFirstOrThrow({ where: { recipientKind: 'producer', recipientId: producer.id }, include: { events: { orderBy: { id: 'asc' } } } });
    expect(snoozed).toMatchObject({ state: 'planned', sendAt: vn('2026-12-14T08:00'), snoozeCount: 1 });
    expect(snoozed.events.map((e) => e.action)).toEqual(['planned', 'sent', 'snoozed']);

    clock.now = vn('2026-12-14T08:00');
    expect(await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id })).toHaveLength(1);
  });
});

describe('before a producer\'s meeting', () => {
  it('a dossier on the list sent back for an item: reminded 3 and 1 working days before the members must have it, until it is sent again', async () => {
    clock.now = vn('2026-12-07T09:00'); // Monday
    const producer = await makeProducer(db, 'producer-meeting');
    await linkedUser(db, 'producer-meeting', clock.now);
    const idea = await makeIdea(db, producer.id, vn('2026-10-01T09:00'), { dossier: 'returned', businessPlan: true });
    const dossier = await db.dossier.findUniqueOrThrow({ where: { productIdeaId: idea.id } });
    await db.dossierItemReturn.create({ data: { dossierId: dossier.id, itemCode: 'testReport', reason: 'Phiếu kiểm nghiệm đã hết hạn', returnedBy: 'admin:Sở', returnedAt: clock.now } });
    const council = await db.council.create({ data: { name: 'Hội đồng OCOP tỉnh', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
    // Wednesday 16 December: the dossiers must reach the members before Tuesday 15 December, 07:30.
    const meeting = await db.meeting.create({ data: { councilId: council.id, date: '2026-12-16', time: '08:00', place: 'Hội trường', leadWorkingDays: 1, deliveryDeadline: vn('2026-12-15T07:30'), createdBy: 'test', products: { create: [{ productIdeaId: idea.id }] } } });
    await planNotifications(planDeps());
    const reminders = await db.notification.findMany({ where: { kind: 'dossier.missingBeforeMeeting' }, orderBy: { sendAt: 'asc' } });
    expect(reminders.map((r) => [r.sendAt, r.meetingId])).toEqual([
      [vn('2026-12-10T08:00'), meeting.id],
      [vn('2026-12-14T08:00'), meeting.id],
    ]);

    // Thursday: with the "returned" reminder of the same morning, in one message.
    clock.now = vn('2026-12-10T08:00');
    expect(await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id })).toHaveLength(1);
    const text = textOf((await messagesTo('producer-meeting'))[0]);
    expect(text).toMatch(/^🔔 Nhắc việc OCOP \(2 việc\):/);
    expect(text).toContain(`Hồ sơ “${idea.productName}” sẽ được Hội đồng đánh giá ngày 16/12/2026 nhưng còn 1 mục cần gửi lại. Xin gửi trước ngày 15/12/2026`);

    // Sent again on Friday: Monday's reminder is closed, not sent.
    await db.dossier.update({ where: { id: dossier.id }, data: { status: 'submitted' } });
    clock.now = vn('2026-12-14T08:00');
    expect(await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id })).toEqual([]);
    expect((await db.notification.findUniqueOrThrow({ where: { id: reminders[1]!.id } })).state).toBe('done');
    expect(await messagesTo('producer-meeting')).toHaveLength(1);
  });

  it('a meeting moved to another day cancels the reminders of the old day and plans its own', async () => {
    clock.now = vn('2026-12-07T09:00');
    const producer = await makeProducer(db, 'producer-moved');
    const idea = await makeIdea(db, producer.id, vn('2026-10-01T09:00'), { dossier: 'returned', businessPlan: true });
    const council = await db.council.create({ data: { name: 'Hội đồng OCOP tỉnh', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
    const meeting = await db.meeting.create({ data: { councilId: council.id, date: '2026-12-16', time: '08:00', place: 'Hội trường', leadWorkingDays: 1, deliveryDeadline: vn('2026-12-15T07:30'), createdBy: 'test', products: { create: [{ productIdeaId: idea.id }] } } });
    await planNotifications(planDeps());
    await db.meeting.update({ where: { id: meeting.id }, data: { date: '2026-12-23', deliveryDeadline: vn('2026-12-22T07:30') } });
    clock.now = vn('2026-12-07T09:10');
    await planNotifications(planDeps());
    const reminders = await db.notification.findMany({ where: { kind: 'dossier.missingBeforeMeeting' }, orderBy: { id: 'asc' } });
    expect(reminders.map((r) => [r.state, r.sendAt])).toEqual([
      ['cancelled', vn('2026-12-10T08:00')],
      ['cancelled', vn('2026-12-14T08:00')],
      ['planned', vn('2026-12-17T08:00')],
      ['planned', vn('2026-12-21T08:00')],
    ]);
  });
});

describe('escalation', () => {
  it('a dossier the commune has not checked within 15 working days goes to the province unit; checked, it stops', async () => {
    clock.now = vn('2026-12-01T09:00');
    const commune = await makeOfficial(db, 'commune', 'official-commune');
    const province = await makeOfficial(db, 'province', 'official-province');
    await linkedUser(db, 'official-commune', clock.now);
    await linkedUser(db, 'official-province', clock.now);
    const producer = await makeProducer(db, 'producer-5');
    const idea = await makeIdea(db, producer.id, clock.now, { businessPlan: true, dossier: 'submitted' });
    await planNotifications(planDeps());

    const check = await db.notification.findFirstOrThrow({ where: { kind: 'dossier.checkDue', recipientId: commune.id } });
    const escalation = await db.notification.findFirstOrThrow({ where: { kind: 'escalation', recipientKind: 'official', recipientId: province.id } });
    // 15 working days from Tuesday 1 December 2026 is Tuesday 22 December; reminded 3 before, escalated 3 after.
    expect(check.sendAt).toEqual(vn('2026-12-17T08:00'));
    expect(escalation.sendAt).toEqual(vn('2026-12-25T08:00'));
    expect(escalation.level).toBe(2);

    clock.now = vn('2026-12-17T08:00');
    await linkedUser(db, 'official-commune', vn('2026-12-16T15:00'));
    await dispatchNotifications(dispatchDeps(), { kind: 'official', id: commune.id });
    expect(textOf((await messagesTo('official-commune'))[0])).toContain('hạn kiểm tra là ngày 22/12/2026');

    clock.now = vn('2026-12-25T08:00');
    await linkedUser(db, 'official-province', clock.now);
    await dispatchNotifications(dispatchDeps(), { kind: 'official', id: province.id });
    const [up] = await messagesTo('official-province');
    expect(textOf(up)).toContain('Việc quá hạn 3 ngày làm việc, Cán bộ official-commune chưa xử lý');
    expect(textOf(up)).toContain(idea.productName);
  });

  it('an escalation whose task was done meanwhile is closed, not sent', async () => {
    clock.now = vn('2026-12-01T09:00');
    const province = await makeOfficial(db, 'province', 'official-province');
    await makeOfficial(db, 'commune', 'official-commune');
    await linkedUser(db, 'official-province', clock.now);
    const producer = await makeProducer(db, 'producer-6');
    const idea = await makeIdea(db, producer.id, clock.now, { businessPlan: true, dossier: 'submitted' });
    await planNotifications(planDeps());
    await db.dossier.update({ where: { productIdeaId: idea.id }, data: { status: 'checked' } });
    clock.now = vn('2026-12-25T08:00');
    expect(await dispatchNotifications(dispatchDeps(), { kind: 'official', id: province.id })).toEqual([]);
    expect((await db.notification.findFirstOrThrow({ where: { kind: 'escalation', recipientId: province.id } })).state).toBe('done');
  });
});

describe('reaching people outside Zalo\'s window', () => {
  async function producerAwayForEightDays(zaloUserId: string) {
    clock.now = vn('2026-12-03T10:00');
    const producer = await makeProducer(db, zaloUserId, { phone: '84912345678' });
    await linkedUser(db, zaloUserId, new Date(vn('2026-12-08T08:00').getTime() - 8 * 24 * 3600_000));
    await makeIdea(db, producer.id, clock.now);
    await planNotifications(planDeps());
    clock.now = vn('2026-12-08T08:00');
    return producer;
  }

  it('gets the approved template by user id, else ZNS to their phone', async () => {
    templates = { templateId: 'tpl-nudge', znsTemplateId: 'zns-nudge' };
    const viaTemplate = await producerAwayForEightDays('producer-7');
    await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: viaTemplate.id });
    const [template] = await messagesTo('producer-7');
    expect(template).toMatchObject({ kind: 'template', templateId: 'tpl-nudge', templateData: { name: 'HTX producer-7', count: '1' } });

    templates = { templateId: undefined, znsTemplateId: 'zns-nudge' };
    const viaZns = await producerAwayForEightDays('producer-8');
    await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: viaZns.id });
    expect(await messagesTo('84912345678')).toEqual([expect.objectContaining({ kind: 'zns', templateId: 'zns-nudge' })]);
  });

  it('with no channel, the commune official is told who could not be reached and about what', async () => {
    const official = await makeOfficial(db, 'commune', 'official-commune');
    await linkedUser(db, 'official-commune', vn('2026-12-07T16:00'));
    const producer = await producerAwayForEightDays('producer-9');
    expect(await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id })).toEqual([]);
    const missed = await db.notification.findFirstOrThrow({ where: { recipientId: producer.id, recipientKind: 'producer' }, include: { events: { orderBy: { id: 'asc' } } } });
    expect(missed.state).toBe('unreachable');
    expect(missed.events.at(-1)?.detail).toEqual({ told: [`official:${official.id}`] });

    await dispatchNotifications(dispatchDeps(), { kind: 'official', id: official.id });
    const [alert] = await messagesTo('official-commune');
    expect(textOf(alert)).toMatch(/Không liên lạc được qua Zalo với HTX producer-9 \(điện thoại 0912 345 678\) về: Ý tưởng “Mật ong số \d+” .* chưa có phương án/);
    expect(untold).toBe(0);
  });

  it('with nobody to tell, the notice is recorded as unreachable and counted for the operators', async () => {
    const producer = await producerAwayForEightDays('producer-10');
    await dispatchNotifications(dispatchDeps(), { kind: 'producer', id: producer.id });
    expect((await db.notification.findFirstOrThrow({ where: { recipientKind: 'producer', recipientId: producer.id } })).state).toBe('unreachable');
    expect(untold).toBe(1);
  });
});
