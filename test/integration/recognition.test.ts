import { Redis } from 'ioredis';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConversation } from '../../src/bot/conversation-setup.js';
import { defaultConsoleAuth, issueSignInLink } from '../../src/console/console-auth.js';
import { recordResults } from '../../src/council/evaluation-results.js';
import { describeStatus } from '../../src/dossier/describe-status.js';
import { createDatabase } from '../../src/db/database.js';
import { outgoingMessageSchema } from '../../src/outbound/outgoing-message.js';
import { startConsoleApp } from '../helpers/admin-app.js';
import { loadProjectConversation, translate } from '../helpers/conversation-harness.js';
import { linkedUser, makeIdea, makeOfficial, makeProducer } from '../helpers/notify-fixtures.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig } from '../helpers/test-env.js';

// From result to certificate: the province records its decision on a meeting; the 3★–4★
// results it ticks get certificates (PDF, register, the producer told in Zalo in their
// language), 5★ is proposed to the ministry, 2★ and a disqualified dossier get nothing; a
// second decision for the meeting, or a number used twice, is refused; only the meeting's
// province.

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
const vn = (local: string) => new Date(`${local}:00+07:00`);
const clock = { now: vn('2026-12-16T09:00') };
let conversation: LoadedConversation;
let base: string;
let close: () => Promise<void>;
let storage: Awaited<ReturnType<typeof startConsoleApp>>['storage'];
let meetingId: bigint;
const enqueued: bigint[] = [];
const ideas: Record<'four' | 'three' | 'five' | 'two' | 'out', bigint> = { four: 0n, three: 0n, five: 0n, two: 0n, out: 0n };

/** A session per official, opened once: sign-in links are limited to five in ten minutes. */
const sessions = new Map<string, string>();
async function cookieOf(zaloUserId: string): Promise<string> {
  const open = sessions.get(zaloUserId);
  if (open) return open;
  const link = await db.$transaction((tx) => issueSignInLink(tx, { zaloUserId, now: clock.now, settings: defaultConsoleAuth }));
  if (link.kind !== 'link') throw new Error(link.kind);
  const opened = await fetch(`${base}/console/sign-in/${link.token}`, { redirect: 'manual' });
  const cookie = opened.headers.getSetCookie().find((c) => c.startsWith('ocop_console='))?.split(';')[0] ?? '';
  sessions.set(zaloUserId, cookie);
  return cookie;
}

async function post(path: string, cookie: string, form: Record<string, string | string[]>) {
  const page = await (await fetch(`${base}/console/meetings/${String(meetingId)}`, { headers: { cookie } })).text();
  const body = new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '' });
  for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  return fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body });
}

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  conversation = await loadProjectConversation(db);
  const started = await startConsoleApp({ db, redis, now: () => clock.now, conversation, enqueueOutbound: async (ids) => void enqueued.push(...ids) });
  base = started.base;
  close = started.close;
  storage = started.storage;
  await makeOfficial(db, 'province', 'zu-province');
  await makeOfficial(db, 'commune', 'zu-commune');
  const council = await db.council.create({ data: { name: 'Hội đồng OCOP tỉnh Đồng Nai', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
  const people: bigint[] = [];
  for (const role of ['chair', 'member', 'member'] as const) {
    const person = await db.councilPerson.create({ data: { name: `Người ${people.length}`, provinceCode: '75' } });
    await db.councilMember.create({ data: { councilId: council.id, personId: person.id, role } });
    people.push(person.id);
  }
  for (const key of Object.keys(ideas) as (keyof typeof ideas)[]) {
    const producer = await makeProducer(db, `producer-${key}`);
    await linkedUser(db, `producer-${key}`, clock.now, key === 'three' ? 'en' : 'vi');
    ideas[key] = (await makeIdea(db, producer.id, vn('2026-10-01T09:00'), { dossier: 'checked', businessPlan: true })).id;
  }
  const meeting = await db.meeting.create({ data: { councilId: council.id, date: '2026-12-09', time: '08:00', place: 'Hội trường Sở', status: 'locked', leadWorkingDays: 1, deliveryDeadline: vn('2026-12-08T07:30'), createdBy: 'test' } });
  await db.meetingProduct.createMany({ data: Object.values(ideas).map((id) => ({ meetingId: meeting.id, productIdeaId: id })) });
  meetingId = meeting.id;
  const scores = { four: 80, three: 60, five: 95, two: 40, out: 85 };
  await db.$transaction((tx) =>
    recordResults(tx, { ruleSets: conversation.setup.ruleSets, settingsFor: conversation.provinceSettings }, {
      meetingId,
      provinceCode: '75',
      present: people,
      products: (Object.keys(ideas) as (keyof typeof ideas)[]).map((key) => ({ productIdeaId: ideas[key], scores: people.map((personId) => ({ personId, score: scores[key] })) })),
      by: 'test',
      now: clock.now,
    }),
  );
  // Ruled out on its sheet: a 4★ average that certifies nothing.
  await db.evaluationResult.updateMany({ where: { productIdeaId: ideas.out }, data: { disqualifiedCode: 'L1', disqualifiedReason: 'Hồ sơ có tài liệu không trung thực', certifyingLevel: null } });
});

afterAll(async () => {
  await close();
  redis.disconnect();
  await db.$disconnect();
});

describe('the province’s recognition decision', () => {
  it('offers the 3★–4★ results to recognise and lists 5★ as proposed; a commune official has no form', async () => {
    const page = await (await fetch(`${base}/console/meetings/${String(meetingId)}`, { headers: { cookie: await cookieOf('zu-province') } })).text();
    expect(page).toContain(`name="certify" value="${String(ideas.four)}" checked`);
    expect(page).toContain(`name="certify" value="${String(ideas.three)}" checked`);
    expect(page).not.toContain(`name="certify" value="${String(ideas.two)}"`);
    expect(page).not.toContain(`name="certify" value="${String(ideas.out)}"`);
    expect(page).toContain(translate('vi', 'console.recognition.proposed', { products: 'Mật ong số 3' }).slice(0, 30));
    const commune = await cookieOf('zu-commune');
    expect((await post(`/console/meetings/${String(meetingId)}/recognition`, commune, { number: '1/QĐ-UBND', signedOn: '15/12/2026', signer: 'X', signerTitle: 'Y' })).status).toBe(404);
  });

  it('refuses a date after today and an idea it may not certify, recording nothing', async () => {
    // The date is read as typed (15/12/2026) or as copied from the decision (2026-12-15).
    const cookie = await cookieOf('zu-province');
    const late = await post(`/console/meetings/${String(meetingId)}/recognition`, cookie, { number: '1234/QĐ-UBND', signedOn: '17/12/2026', signer: 'Nguyễn Văn Hùng', signerTitle: 'Phó Chủ tịch UBND tỉnh' });
    expect(late.headers.get('location')).toContain('recognition=invalid');
    const wrong = await post(`/console/meetings/${String(meetingId)}/recognition`, cookie, { number: '1234/QĐ-UBND', signedOn: '2026-12-15', signer: 'Nguyễn Văn Hùng', signerTitle: 'Phó Chủ tịch UBND tỉnh', certify: [String(ideas.four), String(ideas.two)] });
    expect(wrong.headers.get('location')).toContain('recognition=refused&code=recognition.input');
    expect(await db.recognitionDecision.count()).toBe(0);
  });

  it('refuses a province official of another province, as if the meeting did not exist', async () => {
    await db.official.create({ data: { name: 'Cán bộ Hà Nội', role: 'province', provinceCode: '01', zaloUserId: 'zu-hanoi', linkedAt: vn('2026-01-05T09:00') } });
    const cookie = await cookieOf('zu-hanoi');
    expect((await fetch(`${base}/console/meetings/${String(meetingId)}`, { headers: { cookie } })).status).toBe(404);
    const refused = await post(`/console/meetings/${String(meetingId)}/recognition`, cookie, { number: '1234/QĐ-UBND', signedOn: '15/12/2026', signer: 'Nguyễn Văn Hùng', signerTitle: 'Phó Chủ tịch UBND tỉnh', certify: [String(ideas.four)] });
    expect(refused.status).toBe(404);
    expect(await db.recognitionDecision.count()).toBe(0);
    expect(await db.certificate.count()).toBe(0);
  });

  it('issues a certificate per ticked product: the PDF says its number, stars and expiry; the register has it; the producer gets it in Zalo in their language', async () => {
    const cookie = await cookieOf('zu-province');
    const done = await post(`/console/meetings/${String(meetingId)}/recognition`, cookie, { number: '1234/QĐ-UBND', signedOn: '15/12/2026', signer: 'Nguyễn Văn Hùng', signerTitle: 'Phó Chủ tịch UBND tỉnh', certify: [String(ideas.four), String(ideas.three)] });
    expect(done.headers.get('location')).toContain('recognition=recorded');
    const certificates = await db.certificate.findMany({ orderBy: { id: 'asc' } });
    expect(certificates.map((c) => [c.productIdeaId, c.number, c.stars, c.certifiedOn, c.expiresOn])).toEqual([
      [ideas.four, '1234/QĐ-UBND-01', 4, '2026-12-15', '2029-12-15'],
      [ideas.three, '1234/QĐ-UBND-02', 3, '2026-12-15', '2029-12-15'],
    ]);
    const decision = await db.recognitionDecision.findFirstOrThrow();
    expect(decision.proposedIdeaIds).toEqual([ideas.five]);
    // The certified register, so re-ranking reminders follow.
    expect(await db.certifiedProduct.findMany({ select: { certificateNumber: true, stars: true, expiresOn: true, ruleSet: true }, orderBy: { id: 'asc' } })).toEqual([
      { certificateNumber: '1234/QĐ-UBND-01', stars: 4, expiresOn: '2029-12-15', ruleSet: 'qd-26-2026' },
      { certificateNumber: '1234/QĐ-UBND-02', stars: 3, expiresOn: '2029-12-15', ruleSet: 'qd-26-2026' },
    ]);
    // The PDF, read back.
    const pdfResponse = await fetch(`${base}/console/certificates/${String(certificates[0]!.id)}.pdf`, { headers: { cookie } });
    expect(pdfResponse.headers.get('content-type')).toBe('application/pdf');
    const pdf = await getDocument({ data: new Uint8Array(await pdfResponse.arrayBuffer()) }).promise;
    const text = (await (await pdf.getPage(1)).getTextContent()).items.map((i) => ('str' in i ? i.str : '')).join(' ');
    expect(text).toContain('1234/QĐ-UBND-01');
    expect(text).toContain('Hạng 4 sao');
    expect(text).toContain('Có giá trị đến hết ngày 15/12/2029');
    expect(text).toContain('Quyết định số 26/2026/QĐ-TTg');
    expect(text).not.toContain('qd-26-2026');
    // The producers, in their language: the news, then the PDF as a file.
    const told = async (user: string) => (await db.outboundMessage.findMany({ where: { recipient: user }, orderBy: { id: 'asc' } })).map((row) => outgoingMessageSchema.parse(row.payload));
    const four = await told('producer-four');
    expect(four[0]).toMatchObject({ kind: 'text', text: expect.stringContaining('Chúc mừng! Sản phẩm “Mật ong số 1” được công nhận đạt OCOP hạng 4 sao theo Quyết định số 1234/QĐ-UBND') });
    expect(four[1]).toMatchObject({ kind: 'file', storageKey: certificates[0]!.storageKey, mediaType: 'application/pdf' });
    expect((await told('producer-three'))[0]).toMatchObject({ kind: 'text', text: expect.stringContaining('Congratulations! “Mật ong số 2” is recognised as an OCOP 3-star product') });
    expect(await told('producer-two')).toEqual([]);
    expect(await told('producer-five')).toEqual([]);
    expect(enqueued.length).toBe(4);
    // "Tình trạng sản phẩm của tôi" names the certificate and its expiry, or why the dossier was ruled out.
    const status = async (user: string) => (await db.$transaction((tx) => describeStatus({ tx, userId: user, locale: 'vi', translate, answers: {}, now: clock.now, messageId: undefined }, { ruleSets: conversation.setup.ruleSets, checklists: conversation.setup.checklists }))).reply.map((m) => (m.kind === 'text' ? m.text : '')).join('\n');
    expect(await status('producer-four')).toContain('Đã được công nhận OCOP hạng 4 sao: giấy chứng nhận số 1234/QĐ-UBND-01, có giá trị đến hết ngày 15/12/2029.');
    expect(await status('producer-out')).toContain('đã loại hồ sơ. Lý do: Hồ sơ có tài liệu không trung thực.');
    expect(await storage.get(certificates[1]!.storageKey)).toBeDefined();
  });

  it('files the minutes with the score table and the decision’s annex, as .xlsx and PDF', async () => {
    const cookie = await cookieOf('zu-province');
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await (await fetch(`${base}/console/meetings/${String(meetingId)}/minutes.xlsx`, { headers: { cookie } })).arrayBuffer());
    const rows: string[][] = [];
    workbook.getWorksheet('Biên bản')!.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
    expect(rows.find((r) => r[1] === 'Mật ong số 1')).toEqual(['1', 'Mật ong số 1', expect.stringContaining('/PĐK-75-'), '80', '80', '80', '80,00', '4', 'Trình cấp tỉnh công nhận']);
    expect(rows.find((r) => r[1] === 'Mật ong số 5')?.at(-1)).toBe('Hồ sơ bị loại: Hồ sơ có tài liệu không trung thực');
    const annex: string[][] = [];
    workbook.getWorksheet('Phụ lục quyết định')!.eachRow((row) => annex.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
    expect(annex.slice(2).map((r) => [r[1], r[4], r[5]])).toEqual([['1234/QĐ-UBND-01', '4', '15/12/2029'], ['1234/QĐ-UBND-02', '3', '15/12/2029']]);
    const pdf = await getDocument({ data: new Uint8Array(await (await fetch(`${base}/console/meetings/${String(meetingId)}/minutes.pdf`, { headers: { cookie } })).arrayBuffer()) }).promise;
    const text = (await (await pdf.getPage(1)).getTextContent()).items.map((i) => ('str' in i ? i.str : '')).join(' ');
    expect(text).toContain('BIÊN BẢN HỌP HỘI ĐỒNG');
    expect(text).toContain('Điểm trung bình 80,00; hạng 4 sao');
    expect((await fetch(`${base}/console/meetings/${String(meetingId)}/minutes.pdf`, { headers: { cookie: await cookieOf('zu-commune') } })).status).toBe(404);
  });

  it('reports per commune the products registered, evaluated and recognised in the half or the whole year', async () => {
    const { default: ExcelJS } = await import('exceljs');
    const read = async (cookie: string, query: string) => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(await (await fetch(`${base}/console/reports/periodic.xlsx?${query}`, { headers: { cookie } })).arrayBuffer());
      const rows: string[][] = [];
      workbook.worksheets[0]!.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
      return rows;
    };
    const province = await cookieOf('zu-province');
    // Registered on 1 October, scored in December, decided on 15 December: all in the year.
    expect((await read(province, 'period=year&year=2026')).slice(2)).toEqual([
      ['Xã Tân Phú', '26116', '5', '5', '1', '1', '1'],
      ['Tổng cộng', '', '5', '5', '1', '1', '1'],
    ]);
    expect((await read(province, 'period=firstHalf&year=2026')).slice(2)).toEqual([['Tổng cộng', '', '0', '0', '0', '0', '0']]);
    expect((await read(await cookieOf('zu-commune'), 'period=year&year=2026'))[2]?.[0]).toBe('Xã Tân Phú');
    // Another province's official gets none of this province's communes or products.
    expect((await read(await cookieOf('zu-hanoi'), 'period=year&year=2026')).slice(2)).toEqual([['Tổng cộng', '', '0', '0', '0', '0', '0']]);
  });

  it('records one decision per meeting', async () => {
    const again = await post(`/console/meetings/${String(meetingId)}/recognition`, await cookieOf('zu-province'), { number: '1235/QĐ-UBND', signedOn: '15/12/2026', signer: 'A B', signerTitle: 'C D', certify: [String(ideas.four)] });
    expect(again.status).toBe(303);
    expect(await db.recognitionDecision.count()).toBe(1);
    expect(await db.certificate.count()).toBe(2);
    // The same decision sent twice (a double tap, a page sent again) adds nothing either.
    const same = await post(`/console/meetings/${String(meetingId)}/recognition`, await cookieOf('zu-province'), { number: '1234/QĐ-UBND', signedOn: '15/12/2026', signer: 'Nguyễn Văn Hùng', signerTitle: 'Phó Chủ tịch UBND tỉnh', certify: [String(ideas.four), String(ideas.three)] });
    expect(same.status).toBe(303);
    expect(await db.recognitionDecision.count()).toBe(1);
    expect(await db.certificate.count()).toBe(2);
    expect(await db.certifiedProduct.count()).toBe(2);
    expect(await db.outboundMessage.count({ where: { recipient: { in: ['producer-four', 'producer-three'] } } })).toBe(4);
    expect(enqueued.length).toBe(4);
  });
});
