import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApiToken } from '../../src/admin/api-tokens.js';
import { vietnamDateOf } from '../../src/calendar/calendar-date.js';
import { loadWorkingCalendar } from '../../src/calendar/working-calendar.js';
import { addWorkingDays } from '../../src/calendar/working-days.js';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import { touchDossier } from '../../src/dossier/review-dossier.js';
import { newStorageKey } from '../../src/storage/storage.js';
import { projectDir } from '../helpers/conversation-harness.js';
import { startBotWithSim } from '../helpers/bot-with-sim.js';
import { makePdf } from '../helpers/make-documents.js';
import { waitFor } from '../helpers/wait-for.js';

// "The electronic dossier is sent by Zalo to each council member and helper-team member
// at least one working day before the meeting": 10 products to 11 people through the
// local Zalo stand-in, which fails some sends; one member has not written to the OA for
// eight days (reached by the approved template), one never linked Zalo (the secretary is
// told), one never acknowledges; the distribution runs twice; a dossier changes after it
// was sent. The proof of delivery must match what the stand-in received.

let harness: Awaited<ReturnType<typeof startBotWithSim>>;
let token: string;
const people = Array.from({ length: 11 }, (_, i) => ({
  userId: `member-${i + 1}`,
  name: `Thành viên ${i + 1}`,
  role: i === 0 ? 'chair' : i === 9 ? 'helper' : i === 10 ? 'secretary' : 'member',
}));
const outsideWindow = people[4]!;
const neverLinked = people[7]!;
const ideaIds: bigint[] = [];

const report = z.object({
  deliveries: z.array(
    z.object({
      person: z.string(),
      product: z.string().nullable(),
      packetVersion: z.number().nullable(),
      status: z.string(),
      channel: z.string(),
      sentAt: z.string().nullable(),
      receivedAt: z.string().nullable(),
      seenAt: z.string().nullable(),
      acknowledgedAt: z.string().nullable(),
    }),
  ),
});

function admin(path: string, method: 'GET' | 'POST', body?: unknown) {
  return fetch(`${harness.bot.url}/admin/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
}

const sentTo = (userId: string) => harness.sim.getSent({ userId, channel: 'cs' });

async function allSent(): Promise<boolean> {
  return (await harness.db.outboundMessage.count({ where: { status: { in: ['pending', 'sending'] } } })) === 0;
}

// Real time on purpose: the bot and the stand-in both run on the process clock, and the
// meeting is scheduled working days ahead of today, so the whole distribution runs as it
// would in production on whatever date the suite runs (CI also runs it under faketime).
beforeAll(async () => {
  harness = await startBotWithSim({ ZALO_DOSSIER_TEMPLATE_ID: 'tpl-dossier' });
  const storage = createLocalStorage({ root: harness.config.storage.kind === 'local' ? harness.config.storage.root : '' });
  token = (await createApiToken(harness.db, { name: 'Sở NN&MT Đồng Nai', role: 'province', provinceCode: '75' })).token;
  const producer = await harness.db.producer.create({ data: { zaloUserId: 'producer-x', kind: 'cooperative', name: 'HTX Tân Phú', representative: 'Trần Văn Bình', position: 'Chủ nhiệm', phone: '84912345678', address: 'Ấp 3', communeCode: '26116' } });
  for (let i = 1; i <= 10; i += 1) {
    const idea = await harness.db.productIdea.create({
      data: { producerId: producer.id, communeCode: '26116', provinceCode: '75', year: 2026, sequence: i, receiptNumber: `${i}/PĐK-75-26116-2026`, ruleSet: 'qd-26-2026', productName: `Sản phẩm số ${i}`, sectorCode: 'food', groupCode: 'rawFood', setCode: 'honeyRawOther', kind: 'new_product', details: {}, submittedAt: new Date() },
    });
    const dossier = await harness.db.dossier.create({ data: { productIdeaId: idea.id, checklistId: 'ocop-2023-dossier', status: 'checked' } });
    const bytes = await makePdf({ pages: 1, label: `Form 01 - ${i}` });
    const key = newStorageKey('document', 'pdf', new Date());
    await storage.put(key, Readable.from([Buffer.from(bytes)]), { contentType: 'application/pdf', sizeBytes: bytes.byteLength });
    await harness.db.dossierDocument.create({ data: { dossierId: dossier.id, itemCode: 'form01', position: 1, status: 'stored', uploadedBy: 'producer-x', mediaType: 'application/pdf', printable: true, sizeBytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex'), storageKey: key, createdAt: new Date() } });
    ideaIds.push(idea.id);
  }

  // The council, and each person linking their Zalo account with their code.
  const council = z
    .object({ id: z.string(), members: z.array(z.object({ name: z.string(), invitationCode: z.string() })) })
    .parse(await (await admin('/councils', 'POST', { name: 'Hội đồng OCOP tỉnh Đồng Nai', level: 'province', year: 2026, members: people.map(({ name, role }) => ({ name, role })) })).json());
  for (const [i, member] of council.members.entries()) if (people[i] !== neverLinked) await harness.sim.userSendText(people[i]!.userId, member.invitationCode);
  await waitFor('ten linked', async () => (await harness.db.councilPerson.count({ where: { zaloUserId: { not: null } } })) === 10 || undefined, 20_000);
  await waitFor('link replies sent', allSent, 20_000);
  // One member last wrote to the OA eight days ago: Zalo's window is closed.
  await harness.db.zaloUser.update({ where: { id: outsideWindow.userId }, data: { lastInteractionAt: new Date(Date.now() - 8 * 24 * 3600_000) } });

  const calendar = loadWorkingCalendar(join(projectDir, 'rules', 'calendar.yaml'));
  const date = addWorkingDays(calendar, vietnamDateOf(new Date()), 5);
  const meeting = await admin(`/councils/${council.id}/meetings`, 'POST', { date, time: '08:00', place: 'Hội trường Sở', products: ideaIds.map(String) });
  expect(meeting.status).toBe(201);
  meetingId = z.object({ id: z.string() }).parse(await meeting.json()).id;
}, 60_000);

let meetingId: string;

afterAll(async () => {
  await harness?.stop();
});

describe('distribution of a meeting\'s dossiers', () => {
  it('reaches every member despite failed sends — in the chat, or by template outside the window — and tells the secretary whom nobody can reach; nothing twice', async () => {
    harness.sim.failNext({ path: '/v3.0/oa/message/cs', error: -32, times: 3 });
    harness.sim.failNext({ path: '/v3.0/oa/message/cs', httpStatus: 502, times: 2 });
    const locked = await admin(`/meetings/${meetingId}/lock`, 'POST');
    // 9 people in the chat (details, then a link and the PDF file for each of 10 dossiers), 10 template messages, 1 alert.
    expect(await locked.json()).toMatchObject({ status: 'locked', messages: 9 * (1 + 10 * 2) + 10 + 1 });
    await waitFor('every message sent', allSent, 60_000);

    for (const person of people) {
      if (person === outsideWindow || person === neverLinked) continue;
      const messages = sentTo(person.userId).slice(1); // after the link confirmation
      const dossiers = messages.filter((m) => m.text?.startsWith('Hồ sơ sản phẩm “'));
      expect(messages[0]?.text).toContain('Hồ sơ điện tử của 10 sản phẩm được gửi ngay sau đây');
      expect(dossiers).toHaveLength(10);
      expect(dossiers.every((m) => m.buttons?.some((b) => b.title === 'Đã nhận hồ sơ'))).toBe(true);
      expect(messages.filter((m) => m.kind === 'file')).toHaveLength(10);
    }
    expect(sentTo(outsideWindow.userId).slice(1)).toEqual([]);
    const templates = harness.sim.getSent({ userId: outsideWindow.userId, channel: 'template' });
    expect(templates).toHaveLength(10);
    expect(sentTo('member-11').some((m) => m.text?.includes('Chưa gửi được hồ sơ phiên họp') && m.text.includes('Thành viên 8'))).toBe(true);

    // The same distribution again: nothing new goes out.
    const again = await admin(`/meetings/${meetingId}/lock`, 'POST');
    expect(await again.json()).toMatchObject({ messages: 0 });
  });

  it('a dossier changed after distribution goes out again, marked as a new version; the old delivery is superseded', async () => {
    const dossier = await harness.db.dossier.findUniqueOrThrow({ where: { productIdeaId: ideaIds[0]! } });
    const before = await harness.db.outboundMessage.count();
    await harness.db.$transaction((tx) => touchDossier(tx, dossier.id, { actor: 'admin:test', action: 'document_added', itemCode: 'form01', now: new Date() }));
    // Locking again sends the new version, unless the sweep (which redistributes a locked
    // meeting whose dossier changed) got there first: either way, once.
    const resent = await admin(`/meetings/${meetingId}/lock`, 'POST');
    expect(resent.status).toBe(200);
    await waitFor('the new version sent', allSent, 30_000);
    expect((await harness.db.outboundMessage.count()) - before).toBe(9 * 2 + 1); // link and file for 9 in the chat, 1 template
    const [notice, file] = sentTo('member-1').slice(-2);
    expect(notice?.text).toMatch(/^PHIÊN BẢN MỚI — hồ sơ sản phẩm “Sản phẩm số 1” .* nay là phiên bản 2/);
    expect(file?.kind).toBe('file');
  });

  it('the proof of delivery matches what the stand-in received: sent, received, seen, acknowledged', async () => {
    // Member 1 reads everything and acknowledges every dossier; member 2 acknowledges one;
    // the others never acknowledge.
    for (const message of sentTo('member-1').filter((m) => m.buttons?.some((b) => b.title === 'Đã nhận hồ sơ'))) {
      if (message.messageId) await harness.sim.userTapButton('member-1', { title: 'Đã nhận hồ sơ', messageId: message.messageId });
    }
    await harness.sim.userTapButton('member-2', { title: 'Đã nhận hồ sơ' });
    // Member 1 tapped eleven buttons: ten current dossiers, and the superseded first version, which no longer counts.
    await waitFor('acknowledgements recorded', async () => (await harness.db.delivery.count({ where: { status: 'acknowledged' } })) >= 11 || undefined, 20_000);
    await waitFor('thanks sent', allSent, 20_000);
    await harness.sim.whenIdle();
    await harness.sim.userReceived('member-1');
    await harness.sim.userSeen('member-1');
    await waitFor('receipts recorded', async () => (await harness.db.outboundMessage.count({ where: { recipient: 'member-1', seenAt: null } })) === 0 || undefined, 20_000);

    const { deliveries } = report.parse(await (await admin(`/meetings/${meetingId}/deliveries`, 'GET')).json());
    const of = (name: string) => deliveries.filter((d) => d.person === name);
    // Per person: details (not by template) + 10 products, plus the new version of one product.
    expect(deliveries).toHaveLength(10 * 12 + 11);
    expect(of('Thành viên 8').every((d) => ['unreachable', 'superseded'].includes(d.status) && d.sentAt === null)).toBe(true);
    const byTemplate = of('Thành viên 5').filter((d) => d.status !== 'superseded');
    expect(byTemplate).toHaveLength(10);
    expect(byTemplate.every((d) => d.sentAt !== null)).toBe(true);
    for (const person of people.filter((p) => p !== outsideWindow && p !== neverLinked)) {
      const rows = of(person.name).filter((d) => d.status !== 'superseded');
      const received = sentTo(person.userId).filter((m) => m.text?.startsWith('Hồ sơ sản phẩm “') || m.text?.startsWith('PHIÊN BẢN MỚI') || m.text?.startsWith('Kính gửi'));
      expect(rows.filter((d) => d.sentAt !== null)).toHaveLength(received.length - 1); // the superseded first version was received too
      expect(of(person.name).filter((d) => d.status === 'superseded')).toEqual([expect.objectContaining({ product: 'Sản phẩm số 1', packetVersion: 1 })]);
    }
    const member1 = of('Thành viên 1').filter((d) => d.product !== null && d.status !== 'superseded');
    expect(member1.every((d) => d.status === 'acknowledged' && d.seenAt !== null && d.receivedAt !== null)).toBe(true);
    expect(of('Thành viên 2').filter((d) => d.status === 'acknowledged')).toHaveLength(1);
    // Member 3 never acknowledges: delivered (the stand-in reports what reached the phone), never acknowledged.
    const member3 = of('Thành viên 3').filter((d) => d.product !== null);
    expect(member3.every((d) => d.sentAt !== null && d.acknowledgedAt === null)).toBe(true);
    expect(new Set(member3.map((d) => d.status))).not.toContain('acknowledged');
  });
});
