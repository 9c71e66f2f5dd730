import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vietnamDateOf, vietnamTimeOf, type CalendarDate } from '../../src/calendar/calendar-date.js';
import { loadWorkingCalendar } from '../../src/calendar/working-calendar.js';
import { isWorkingDay } from '../../src/calendar/working-days.js';
import { startBotWithSim } from '../helpers/bot-with-sim.js';
import { projectDir } from '../helpers/conversation-harness.js';
import { linkedUser, makeIdea, makeOfficial, makeProducer } from '../helpers/notify-fixtures.js';
import { testRedisUrl } from '../helpers/test-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { join } from 'node:path';

// A year of OCOP deadlines through the whole bot — sweep, planner, queue, workers, outbox,
// the local Zalo stand-in — with a clock the test moves from one due moment to the next:
// a producer who never finishes on time, a commune that never checks, a certificate whose
// holder the OA cannot reach, a campaign deadline, a council meeting, two province rounds.

const vn = (local: string) => new Date(`${local}:00+07:00`);
const clock = { now: vn('2026-12-01T09:00') };
const end = vn('2027-11-30T18:00');
const calendar = loadWorkingCalendar(join(projectDir, 'rules', 'calendar.yaml'));
let harness: Awaited<ReturnType<typeof startBotWithSim>>;
let redis: Redis;
const ids: Record<string, bigint> = {};

/** Moves the clock and waits until the bot has planned at that moment and sent everything due. */
async function advanceTo(at: Date): Promise<void> {
  clock.now = at;
  await waitFor(
    `the bot to settle at ${at.toISOString()}`,
    async () => {
      const plannedAt = Number(await redis.get(`${harness.config.queuePrefix}:notify:planned-at`));
      if (!(plannedAt >= at.getTime())) return false;
      const due = await harness.db.notification.count({ where: { state: 'planned', sendAt: { lte: at } } });
      const pending = await harness.db.outboundMessage.count({ where: { status: { in: ['pending', 'sending'] } } });
      return due === 0 && pending === 0;
    },
    20_000,
  );
}

beforeAll(async () => {
  harness = await startBotWithSim({ SWEEP_INTERVAL_MS: '100', NOTIFY_PLAN_INTERVAL_MINUTES: '1', ZALO_NUDGE_TEMPLATE_ID: 'tpl-nudge' }, { now: () => clock.now });
  redis = new Redis(testRedisUrl);
  const db = harness.db;
  // Everyone follows the OA in the stand-in (it answers with the menu) and last wrote on day one.
  for (const userId of ['producer-a', 'official-commune', 'official-province', 'official-secretary', 'member-chair', 'member-secretary']) await harness.sim.userFollow(userId);
  await waitFor('greetings sent', async () => (await db.outboundMessage.count({ where: { status: { in: ['pending', 'sending'] } } })) === 0 && (await db.outboundMessage.count()) >= 6, 20_000);
  for (const userId of ['producer-a', 'official-commune', 'official-province', 'official-secretary', 'member-chair', 'member-secretary']) await linkedUser(db, userId, clock.now);

  ids.commune = (await makeOfficial(db, 'commune', 'official-commune')).id;
  ids.province = (await makeOfficial(db, 'province', 'official-province')).id;
  ids.secretaryOfficial = (await makeOfficial(db, 'secretary', 'official-secretary')).id;
  const producer = await makeProducer(db, 'producer-a');
  ids.producer = producer.id;
  ids.idea = (await makeIdea(db, producer.id, clock.now, { dossier: 'collecting' })).id;
  // A 4-star certificate from before the bot, held by a producer with no Zalo profile.
  ids.certified = (
    await db.certifiedProduct.create({
      data: { provinceCode: '75', communeCode: '26116', productName: 'Nước mắm Phú Quốc', producerName: 'Cơ sở Hai Lúa', stars: 4, certifiedOn: '2024-09-15', expiresOn: '2027-09-15', ruleSet: 'qd-1489-2025', importedBy: 'test', createdAt: clock.now },
    })
  ).id;
  await db.campaignDeadline.create({ data: { provinceCode: '75', title: 'Báo cáo sơ kết 6 tháng', dueDate: '2027-06-18', audience: ['province'], remindWorkingDaysBefore: [5, 1], createdBy: 'test', createdAt: clock.now } });
  const chair = await db.councilPerson.create({ data: { name: 'Chủ tịch hội đồng', provinceCode: '75', zaloUserId: 'member-chair' } });
  const secretary = await db.councilPerson.create({ data: { name: 'Thư ký hội đồng', provinceCode: '75', zaloUserId: 'member-secretary' } });
  ids.chair = chair.id;
  const council = await db.council.create({ data: { name: 'Hội đồng OCOP tỉnh Đồng Nai', level: 'province', provinceCode: '75', year: 2027, createdBy: 'test', members: { create: [{ personId: chair.id, role: 'chair' }, { personId: secretary.id, role: 'secretary' }] } } });
  await db.meeting.create({ data: { councilId: council.id, date: '2027-06-10', time: '08:00', place: 'Sở Nông nghiệp và Môi trường', leadWorkingDays: 1, deliveryDeadline: vn('2027-06-09T07:30'), createdBy: 'test' } });
}, 60_000);

afterAll(async () => {
  redis?.disconnect();
  await harness?.stop();
});

describe('a year of deadlines', () => {
  it('reminds the right person at a sensible hour, once, and escalates when nobody acts', async () => {
    const db = harness.db;
    // The producer finally submits the dossier on 20 May 2027; the commune never checks it.
    const script: { at: Date; run: () => Promise<unknown> }[] = [
      {
        at: vn('2027-05-20T10:00'),
        run: async () => {
          const dossier = await db.dossier.update({ where: { productIdeaId: ids.idea! }, data: { status: 'submitted' } });
          await db.dossierEvent.create({ data: { dossierId: dossier.id, version: 1, actor: 'producer-a', action: 'submitted', at: vn('2027-05-20T10:00') } });
        },
      },
    ];
    const started = performance.now();
    let steps = 0;
    // The bot planned at start-up, before these people existed: the first step plans them.
    await advanceTo(new Date(clock.now.getTime() + 60_000));
    while (clock.now < end) {
      const next = await db.notification.findFirst({ where: { state: 'planned' }, orderBy: { sendAt: 'asc' } });
      // At least every ten days: reminders are planned up to 45 days ahead.
      let at = new Date(Math.min(next?.sendAt.getTime() ?? Infinity, clock.now.getTime() + 10 * 24 * 3600_000, end.getTime(), script[0]?.at.getTime() ?? Infinity));
      if (at.getTime() <= clock.now.getTime()) at = new Date(clock.now.getTime() + 60_000);
      if (script[0] && script[0].at.getTime() <= at.getTime()) await script.shift()?.run();
      await advanceTo(at);
      steps += 1;
    }
    const seconds = (performance.now() - started) / 1000;

    const sent = await db.notification.findMany({ where: { state: 'sent' }, include: { events: true }, orderBy: { sentAt: 'asc' } });
    const byKind = (kind: string, recipientKind?: string, recipientId?: bigint) => sent.filter((n) => n.kind === kind && (recipientKind === undefined || (n.recipientKind === recipientKind && n.recipientId === recipientId)));

    // Every notice at a sensible hour; routine ones on working days from 08:00; none twice.
    for (const n of sent) {
      const at = n.sentAt ?? new Date(0);
      const time = vietnamTimeOf(at);
      expect(time >= '07:00' && time < '21:00', `${n.key} sent at ${time}`).toBe(true);
      if (n.routine) expect(isWorkingDay(calendar, vietnamDateOf(at) as CalendarDate) && time >= '08:00', `${n.key} on a working day`).toBe(true);
      expect(n.events.filter((e) => e.action === 'sent')).toHaveLength(1);
    }
    const outbox = await db.outboundMessage.findMany({ where: { idempotencyKey: { startsWith: 'notify:' } } });
    expect(outbox.filter((m) => m.status !== 'sent').map((m) => [m.recipient, m.lastError])).toEqual([]);
    expect(outbox.every((m) => m.status === 'sent')).toBe(true);
    expect(new Set(outbox.map((m) => m.idempotencyKey)).size).toBe(outbox.length);

    // The producer: the business plan once (three working days after the idea, in the chat);
    // the missing documents before their own last day for the first 2027 round (7/4: the
    // commune's 15 working days must end before it proposes, before 30/4) twice, by template
    // once the window closed.
    expect(byKind('idea.businessPlanPending').map((n) => [n.sentAt, n.channel])).toEqual([[vn('2026-12-04T08:00'), 'cs']]);
    const missing = byKind('dossier.missingBeforeCutoff');
    expect(missing.map((n) => n.key)).toEqual([`dossier.missingBeforeCutoff:${ids.idea}:2027-04-07:15`, `dossier.missingBeforeCutoff:${ids.idea}:2027-04-07:3`]);
    expect(missing.every((n) => n.channel === 'template')).toBe(true);
    // Still missing after the cut-off: up to the commune, then the province.
    const escalations = byKind('escalation');
    expect(escalations.filter((n) => n.parentKey?.startsWith('dossier.missingBeforeCutoff')).map((n) => [n.level, n.recipientId])).toEqual([
      [1, ids.commune],
      [2, ids.province],
    ]);
    // Submitted in May: no reminder for the October round (its last day for producers is 8/10).
    expect(await db.notification.count({ where: { kind: 'dossier.missingBeforeCutoff', key: { contains: '2027-10-08' } } })).toBe(0);

    // The commune: reminded of the check it never did; the province told after it.
    expect(byKind('dossier.checkDue', 'official', ids.commune)).toHaveLength(1);
    expect(escalations.filter((n) => n.parentKey?.startsWith('dossier.checkDue')).map((n) => n.recipientId)).toEqual([ids.province]);
    // The commune's last working days to propose, before 30/4 and 30/10, while dossiers are open.
    expect(byKind('commune.cutoff').map((n) => n.key.split(':')[2])).toEqual(['2027-04-29', '2027-04-29', '2027-10-29', '2027-10-29']);

    // The certificate's holder cannot be reached: the commune official is told, with the product.
    const reRanking = await db.notification.findFirstOrThrow({ where: { kind: 'certificate.reRanking' } });
    expect(reRanking).toMatchObject({ state: 'unreachable', recipientKind: 'certified_producer', recipientId: ids.certified });
    const told = sent.filter((n) => n.kind === 'unreachable' && n.recipientKind === 'official' && n.recipientId === ids.commune);
    expect(told.length).toBeGreaterThanOrEqual(1);

    // The province: its campaign deadline twice; each round twice (30/12/2026, 30/06/2027; the 30/12/2027 ones fall after the year).
    expect(byKind('campaign.deadline', 'official', ids.province)).toHaveLength(2);
    expect(byKind('province.roundClose', 'official', ids.province).map((n) => n.key.split(':')[2])).toEqual(['2026-12-30', '2026-12-30', '2027-06-30', '2027-06-30']);
    expect(byKind('province.roundClose', 'official', ids.secretaryOfficial)).toHaveLength(4);

    // The council: the working day before the meeting at 08:00, and 07:00 on the day.
    expect(byKind('meeting.reminder', 'council_person', ids.chair).map((n) => n.sentAt)).toEqual([vn('2027-06-09T08:00'), vn('2027-06-10T07:00')]);

    // Every message reached the stand-in.
    const templates = harness.sim.getSent({ userId: 'producer-a', channel: 'template' });
    expect(templates.length).toBeGreaterThanOrEqual(2);
    console.info(`a simulated year in ${steps} steps, ${seconds.toFixed(1)} s; ${sent.length} notifications sent`);
  }, 240_000);
});
