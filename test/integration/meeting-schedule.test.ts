import { createLogger } from '../../src/observability/logger.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMeetingSchedule, type MeetingScheduleDeps } from '../../src/council/meeting-schedule.js';
import { createDatabase } from '../../src/db/database.js';
import { assemblePacket } from '../../src/dossier/assemble-packet.js';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import { touchDossier } from '../../src/dossier/review-dossier.js';
import { loadChecklists } from '../../src/ocop/dossier-checklist.js';
import { loadRuleSets } from '../../src/ocop/rule-sets.js';
import { dictionaries, projectDir, translate } from '../helpers/conversation-harness.js';
import { createCheckedProduct } from '../helpers/meeting-fixture.js';
import { loadSampleAdministrativeUnits, resetDatabase, testDatabaseUrl } from '../helpers/test-env.js';

// The sweep distributes a meeting nobody locked before its deadline, and at the deadline
// tells the secretary who has the dossiers — once.

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 5 });
const ruleSets = loadRuleSets(join(projectDir, 'rules', 'rule-sets.yaml'), dictionaries);
const checklists = loadChecklists(join(projectDir, 'rules', 'dossier-checklists.yaml'), ruleSets, dictionaries);
const clock = { now: new Date('2026-07-06T02:00:00Z') }; // Monday 09:00 in Vietnam
let storageDir: string;
const linksValidUntil: (Date | undefined)[] = [];
let deps: MeetingScheduleDeps;
let meetingId: bigint;

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  storageDir = await mkdtemp(join(tmpdir(), 'schedule-'));
  const storage = createLocalStorage({ root: storageDir });
  const ideaId = await createCheckedProduct(db, storage, clock.now);

  const council = await db.council.create({ data: { name: 'Hội đồng thử', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
  for (const [i, role] of (['chair', 'member', 'secretary'] as const).entries()) {
    const zaloUserId = `person-${i}`;
    await db.zaloUser.create({ data: { id: zaloUserId, locale: 'vi', lastInteractionAt: clock.now } });
    const person = await db.councilPerson.create({ data: { name: `Người ${i}`, provinceCode: '75', zaloUserId } });
    await db.councilMember.create({ data: { councilId: council.id, personId: person.id, role } });
  }
  // Wednesday 8 July: dossiers due before Tuesday 7 July, 07:30.
  const meeting = await db.meeting.create({ data: { councilId: council.id, date: '2026-07-08', time: '08:00', place: 'Sở', leadWorkingDays: 1, deliveryDeadline: new Date('2026-07-07T00:30:00Z'), createdBy: 'test' } });
  await db.meetingProduct.create({ data: { meetingId: meeting.id, productIdeaId: ideaId } });
  meetingId = meeting.id;
  deps = {
    db,
    translate,
    now: () => clock.now,
    assemble: (ideaId, actor) => assemblePacket({ db, storage, translate, checklists, ruleSets, now: () => clock.now }, ideaId, actor),
    linkFor: (kind, id, _recipient, validUntil) => {
      linksValidUntil.push(validUntil);
      return { url: `https://ocop.example.vn/${kind}s/${id}`, expiresAt: clock.now };
    },
    fallbackTemplates: { templateId: undefined, znsTemplateId: undefined },
    distributeBeforeDeadlineMs: 12 * 3600_000,
    logger: createLogger({ level: 'silent' }),
  };
});

afterAll(async () => {
  await db.$disconnect();
  await rm(storageDir, { recursive: true, force: true });
});

describe('the meeting schedule', () => {
  it('waits while the deadline is far, distributes when it comes near, and sends nothing twice', async () => {
    expect(await db.dossierPacket.count()).toBe(0);
    expect(await runMeetingSchedule(deps)).toEqual([]);
    // Far from the deadline nothing is sent, but the packet is built ahead, so the lock only sends.
    expect(await db.dossierPacket.count()).toBe(1);
    clock.now = new Date('2026-07-06T13:00:00Z'); // 20:00: the deadline is less than 12 hours away
    const sent = await runMeetingSchedule(deps);
    // Every packet link works through the meeting day (8 July) and 30 days after it.
    expect(linksValidUntil.length).toBeGreaterThan(0);
    expect(new Set(linksValidUntil.map((d) => d?.toISOString()))).toEqual(new Set(['2026-08-07T17:00:00.000Z']));
    expect(sent).toHaveLength(3 * 3); // details, the dossier's link and its PDF file, for each of three people
    expect(await db.meeting.findUniqueOrThrow({ where: { id: meetingId } })).toMatchObject({ status: 'locked' });
    expect(await runMeetingSchedule(deps)).toEqual([]);
  });

  it('sends a distributed meeting again only when one of its dossiers changed, and then only the new version', async () => {
    const dossier = await db.dossier.findFirstOrThrow();
    clock.now = new Date(clock.now.getTime() + 60_000);
    await db.$transaction((tx) => touchDossier(tx, dossier.id, { actor: 'producer', action: 'document_added', itemCode: 'form01', now: clock.now }));
    clock.now = new Date(clock.now.getTime() + 60_000);
    expect(await runMeetingSchedule(deps)).toHaveLength(3 * 2); // the new version's link and file, for three people
    expect(await runMeetingSchedule(deps)).toEqual([]);
  });

  it('a send Zalo refuses for good before the deadline: the secretary is told once, with the member\'s phone', async () => {
    const failed = await db.outboundMessage.findFirstOrThrow({ where: { recipient: 'person-1', payload: { path: ['kind'], equals: 'text' } }, orderBy: { id: 'desc' } });
    await db.outboundMessage.update({ where: { id: failed.id }, data: { status: 'failed', lastError: 'Zalo -213: user has blocked the OA' } });
    await db.councilPerson.updateMany({ where: { zaloUserId: 'person-1' }, data: { phone: '84912000111' } });
    const alert = await runMeetingSchedule(deps);
    expect(alert).toHaveLength(1);
    const message = await db.outboundMessage.findUniqueOrThrow({ where: { id: alert[0]! } });
    expect(message.recipient).toBe('person-2');
    expect(JSON.stringify(message.payload)).toContain('Zalo không chuyển được hồ sơ “Mật ong” (phiên họp ngày 08/07/2026) tới Người 1 (0912 000 111): Zalo -213: user has blocked the OA.');
    expect(await runMeetingSchedule(deps)).toEqual([]);
    await db.outboundMessage.update({ where: { id: failed.id }, data: { status: 'pending', lastError: null } });
  });

  it('at the deadline the secretary gets one summary of who has the dossiers', async () => {
    await db.outboundMessage.updateMany({ where: { recipient: { in: ['person-0', 'person-2'] } }, data: { status: 'sent', sentAt: clock.now } });
    clock.now = new Date('2026-07-07T00:30:00Z');
    const summary = await runMeetingSchedule(deps);
    expect(summary).toHaveLength(1);
    const message = await db.outboundMessage.findUniqueOrThrow({ where: { id: summary[0]! } });
    expect(message.recipient).toBe('person-2');
    expect(JSON.stringify(message.payload)).toContain('2/3 hồ sơ đã tới thành viên, 0 đã được xác nhận. Chưa nhận được: Người 1.');
    expect(await runMeetingSchedule(deps)).toEqual([]);
  });
});
