import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distributeMeeting, type DistributionDeps } from '../../src/council/distribute-meeting.js';
import { createDatabase } from '../../src/db/database.js';
import { assemblePacket } from '../../src/dossier/assemble-packet.js';
import { loadChecklists } from '../../src/ocop/dossier-checklist.js';
import { loadRuleSets } from '../../src/ocop/rule-sets.js';
import { outgoingMessageSchema } from '../../src/outbound/outgoing-message.js';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import { dictionaries, projectDir, translate } from '../helpers/conversation-harness.js';
import { createCheckedProduct } from '../helpers/meeting-fixture.js';
import { loadSampleAdministrativeUnits, resetDatabase, testDatabaseUrl } from '../helpers/test-env.js';

// With the month's Zalo uploads used up, a meeting's packets go as signed links only (no
// PDF file to upload), and the secretary is told why, in their language.

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 5 });
const ruleSets = loadRuleSets(join(projectDir, 'rules', 'rule-sets.yaml'), dictionaries);
const checklists = loadChecklists(join(projectDir, 'rules', 'dossier-checklists.yaml'), ruleSets, dictionaries);
const clock = { now: new Date('2026-07-06T02:00:00Z') }; // Monday 09:00 in Vietnam
let storageDir: string;
let deps: DistributionDeps;
let councilId: bigint;
let ideaId: bigint;

async function newMeeting(): Promise<bigint> {
  const meeting = await db.meeting.create({ data: { councilId, date: '2026-07-08', time: '08:00', place: 'Sở', leadWorkingDays: 1, deliveryDeadline: new Date('2026-07-07T00:30:00Z'), createdBy: 'test' } });
  await db.meetingProduct.create({ data: { meetingId: meeting.id, productIdeaId: ideaId } });
  return meeting.id;
}

async function sentTo(recipient: string, ids: bigint[]) {
  const rows = await db.outboundMessage.findMany({ where: { id: { in: ids }, recipient }, orderBy: { id: 'asc' } });
  return rows.map((row) => outgoingMessageSchema.parse(row.payload));
}

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  storageDir = await mkdtemp(join(tmpdir(), 'links-only-'));
  const storage = createLocalStorage({ root: storageDir });
  ideaId = await createCheckedProduct(db, storage, clock.now);

  const council = await db.council.create({ data: { name: 'Hội đồng thử', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
  councilId = council.id;
  for (const [i, role] of (['member', 'secretary', 'secretary'] as const).entries()) {
    const zaloUserId = `person-${i}`;
    await db.zaloUser.create({ data: { id: zaloUserId, locale: i === 2 ? 'en' : 'vi', lastInteractionAt: clock.now } });
    const person = await db.councilPerson.create({ data: { name: `Người ${i}`, provinceCode: '75', zaloUserId } });
    await db.councilMember.create({ data: { councilId: council.id, personId: person.id, role } });
  }
  deps = {
    db,
    translate,
    now: () => clock.now,
    assemble: (id, actor) => assemblePacket({ db, storage, translate, checklists, ruleSets, now: () => clock.now }, id, actor),
    linkFor: (kind, id) => ({ url: `https://ocop.example.vn/${kind}s/${id}`, expiresAt: clock.now }),
    fallbackTemplates: { templateId: undefined, znsTemplateId: undefined },
    monthlyUploadQuota: 10,
  };
});

afterAll(async () => {
  await db.$disconnect();
  await rm(storageDir, { recursive: true, force: true });
});

describe('a meeting distributed with the upload quota used up', () => {
  it('sends the PDF file while uploads are left', async () => {
    await db.zaloUploadMonth.create({ data: { month: '2026-07', uploads: 9 } });
    const ids = await distributeMeeting(deps, await newMeeting());
    expect((await sentTo('person-0', ids)).map((m) => m.kind)).toEqual(['text', 'text', 'file']);
  });

  it('sends the packet as its link only, and tells each secretary why, in their language', async () => {
    await db.zaloUploadMonth.update({ where: { month: '2026-07' }, data: { uploads: 10 } });
    const ids = await distributeMeeting(deps, await newMeeting());
    const member = await sentTo('person-0', ids);
    expect(member.map((m) => m.kind)).toEqual(['text', 'text']);
    expect(member[1]).toMatchObject({ kind: 'text', text: expect.stringContaining('https://ocop.example.vn/packets/') });
    const secretaryVi = await sentTo('person-1', ids);
    expect(secretaryVi.at(-1)).toEqual({ kind: 'text', text: 'Tháng này đã hết hạn mức gửi tệp qua Zalo, nên hồ sơ phiên họp Hội đồng thử ngày 08/07/2026 được gửi bằng đường liên kết thay cho tệp PDF. Thành viên mở đường liên kết để xem hồ sơ.' });
    const secretaryEn = await sentTo('person-2', ids);
    expect(secretaryEn.at(-1)).toEqual({ kind: 'text', text: 'This month\'s Zalo file upload quota is used up, so the dossiers for the Hội đồng thử meeting on 08/07/2026 are sent as links instead of PDF files. Members open the link to read a dossier.' });
    expect(secretaryEn.filter((m) => m.kind === 'file')).toEqual([]);
  });
});
