import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConversation } from '../../src/bot/conversation-setup.js';
import { createDatabase } from '../../src/db/database.js';
import { addDocuments } from '../../src/dossier/producer-dossier.js';
import { intakeDocument, type IntakeDeps } from '../../src/dossier/intake-document.js';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import { returnDossierItems } from '../../src/dossier/review-dossier.js';
import { ideaAnswersVi, profileAnswersVi } from '../fixtures/producer-answers.js';
import { inboundDeps, loadProjectConversation, translate } from '../helpers/conversation-harness.js';
import { makeJpeg, makePdf } from '../helpers/make-documents.js';
import { loadSampleAdministrativeUnits, resetDatabase, testDatabaseUrl, uniqueId } from '../helpers/test-env.js';
import { createTranscriptDriver } from '../helpers/transcript-driver.js';
import { capturedLogger } from '../helpers/zalo-harness.js';

// A producer sends the dossier's scans through Zalo: each file is recorded from the
// message, fetched by the intake worker (here called directly), recognised by its bytes,
// stored, and the producer told — or told why not.

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 6 });
const clock = { now: new Date('2026-11-23T02:00:00Z') };
const cdn = 'https://f21-zpc.zdn.vn';
let conversation: LoadedConversation;
let storageDir: string;
let intake: IntakeDeps;
const queued: bigint[] = [];
const driver = createTranscriptDriver(db, () => inboundDeps(db, conversation, clock, { enqueueDocumentIntake: async (ids) => void queued.push(...ids) }));

/** Runs the intake worker over what the turns queued; returns what the producer was told. */
async function runIntake(userId: string): Promise<string[]> {
  for (const id of queued.splice(0)) await intakeDocument(intake, id);
  return driver.collect(userId);
}

beforeAll(async () => {
  nock.disableNetConnect();
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  conversation = await loadProjectConversation(db);
  storageDir = await mkdtemp(join(tmpdir(), 'documents-'));
  intake = {
    db,
    storage: createLocalStorage({ root: storageDir }),
    translate,
    logger: capturedLogger().logger,
    now: () => clock.now,
    download: { maxBytes: 1024 * 1024, timeoutMs: 500, deadlineMs: 1500, maxRedirects: 3, allowedHosts: ['zdn.vn', 'dlfl.vn'] },
  };
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(async () => {
  nock.enableNetConnect();
  await db.$disconnect();
  await rm(storageDir, { recursive: true, force: true });
});

/** The producer's "Tình trạng sản phẩm của tôi", then back to where they were. */
async function statusOf(userId: string): Promise<string> {
  const replies = await driver.play(userId, ['menu', 'Tình trạng sản phẩm của tôi']);
  return replies.find((m) => m.startsWith('Tình trạng sản phẩm của bạn:')) ?? replies.join('\n');
}

describe('dossier documents through Zalo', () => {
  it('walks the producer through the missing items, takes photos as pages, refuses what it cannot keep, and submits', async () => {
    const userId = uniqueId('dossier');
    await driver.play(userId, ['menu', '2', ...profileAnswersVi, ...ideaAnswersVi, 'Đồng ý']);
    const opened = await driver.play(userId, ['menu', '4']);
    expect(opened.join('\n')).toContain('Hồ sơ “Mật ong rừng Tân Phú”: đã có 0/8 mục bắt buộc.');
    expect(opened.at(-1)).toContain('Bạn gửi ảnh chụp hoặc tệp PDF của: Phiếu đăng ký đánh giá, phân hạng sản phẩm (Mẫu 01)');

    // Two photos in a row: two pages of Form 01.
    const page1 = makeJpeg({ width: 400, height: 600, seed: 1 });
    const page2 = makeJpeg({ width: 400, height: 600, seed: 2 });
    nock(cdn).get('/form01-1.jpg').reply(200, Buffer.from(page1)).get('/form01-2.jpg').reply(200, Buffer.from(page2));
    expect(await driver.sendFiles(userId, [{ type: 'image', url: `${cdn}/form01-1.jpg` }])).toEqual([]);
    expect((await runIntake(userId))[0]).toMatch(/^Đã nhận “Phiếu đăng ký đánh giá, phân hạng sản phẩm \(Mẫu 01\)”: 1 tệp/);
    await driver.sendFiles(userId, [{ type: 'image', url: `${cdn}/form01-2.jpg` }]);
    expect((await runIntake(userId))[0]).toContain(': 2 tệp');
    // "còn thiếu" while Form 01 is still being collected: it is named, never shown by its
    // code (the driver also fails on any internal key in any message).
    const midway = await driver.say(userId, 'còn thiếu');
    expect(midway.at(-1)).toContain('Bạn gửi ảnh chụp hoặc tệp PDF của: Phiếu đăng ký đánh giá, phân hạng sản phẩm (Mẫu 01)');
    const next = await driver.say(userId, 'xong');
    expect(next.at(-1)).toContain('Bạn gửi ảnh chụp hoặc tệp PDF của: Báo cáo tự đánh giá của chủ thể (Mẫu 02)');
    // Leaving for another menu item: the question says the documents are kept, and counts no "answers".
    await driver.say(userId, 'menu');
    const other = await driver.say(userId, '6');
    expect(other).toEqual(['Bạn đang gửi dở “Hồ sơ sản phẩm” (giấy tờ đã gửi vẫn được lưu). Tiếp tục phần đó, hay chuyển sang “Gặp cán bộ”?\n[Tiếp tục]\n[Bắt đầu mục mới]']);
    expect((await driver.say(userId, 'tiếp tục')).at(-1)).toContain('Báo cáo tự đánh giá của chủ thể (Mẫu 02)');

    // An executable named .pdf, a file over the limit, the same photo again, a download that stalls.
    nock(cdn)
      .get('/report.pdf')
      .reply(200, Buffer.concat([Buffer.from('MZ'), Buffer.alloc(2000, 1)]))
      .get('/big.pdf')
      .reply(200, () => Readable.from([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2 * 1024 * 1024, 32)]))
      .get('/again.jpg')
      .reply(200, Buffer.from(page1))
      .get('/slow.pdf')
      .delayBody(3000)
      .reply(200, Buffer.from(await makePdf({ pages: 1, label: 'Mau 02' })));
    await driver.sendFiles(userId, [{ type: 'file', url: `${cdn}/report.pdf`, name: 'baocao.pdf' }]);
    expect((await runIntake(userId))[0]).toBe(translate('vi', 'dossier.refused.unsupported', { item: translate('vi', 'dossier.item.form02') }));
    await driver.sendFiles(userId, [{ type: 'file', url: `${cdn}/big.pdf`, name: 'big.pdf' }]);
    expect((await runIntake(userId))[0]).toContain('lớn quá (tối đa 1 MB)');
    await driver.sendFiles(userId, [{ type: 'image', url: `${cdn}/again.jpg` }]);
    expect((await runIntake(userId))[0]).toBe('Tệp này bạn đã gửi rồi (cho “Phiếu đăng ký đánh giá, phân hạng sản phẩm (Mẫu 01)”), mình không lưu lại lần nữa.');
    await driver.sendFiles(userId, [{ type: 'file', url: `${cdn}/slow.pdf`, name: 'mau02.pdf' }]);
    expect((await runIntake(userId))[0]).toContain('quá lâu nên bị ngắt. Bạn gửi lại');
    // Nothing was kept for Form 02, which is required: "xong" and "bỏ qua" do not pass it.
    expect((await driver.say(userId, 'bỏ qua')).join('\n')).toContain(translate('vi', 'flow.upload.required'));

    const documents = await db.dossierDocument.findMany({ where: { dossier: { productIdea: { producer: { zaloUserId: userId } } } }, orderBy: { id: 'asc' } });
    expect(documents.map((d) => [d.itemCode, d.status, d.refusedReason])).toEqual([
      ['form01', 'stored', null],
      ['form01', 'stored', null],
      ['form02', 'refused', 'unsupported'],
      ['form02', 'refused', 'too_large'],
      ['form02', 'refused', 'duplicate'],
      ['form02', 'refused', 'timeout'],
    ]);
    expect(documents[0]).toMatchObject({ mediaType: 'image/jpeg', printable: true, sizeBytes: page1.byteLength, position: 1 });
    expect(documents[1]?.position).toBe(2);
    expect(documents[0]?.storageKey).toMatch(/^documents\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.jpg$/);

    // "còn thiếu" at any time.
    const progress = await driver.say(userId, 'còn thiếu');
    expect(progress[0]).toContain('“Mật ong rừng Tân Phú” (số 1/PĐK-75-26116-2026): đã có 1/8 mục bắt buộc. Còn thiếu:\n• Báo cáo tự đánh giá của chủ thể (Mẫu 02)');

    // The other required items arrive (as if sent one by one); the walk ends at the review.
    const dossierId = documents[0]!.dossierId;
    const rest = ['form02', 'businessPlan', 'businessRegistration', 'foodSafety', 'qualityDeclaration', 'testReport', 'labelPackaging'];
    await db.dossierDocument.createMany({
      data: rest.map((itemCode, i) => ({ dossierId, itemCode, position: 1, status: 'stored' as const, uploadedBy: userId, mediaType: 'application/pdf', printable: true, sizeBytes: 100, sha256: String(i).repeat(64), storageKey: `documents/2026/11/00000000-0000-4000-8000-00000000000${i}.pdf`, createdAt: clock.now })),
    });
    const review = await driver.say(userId, 'xong');
    expect(review.at(-1)).toContain(translate('vi', 'dossier.review.prompt'));
    expect(review.at(-1)).toContain('1. Phiếu đăng ký đánh giá, phân hạng sản phẩm (Mẫu 01) — đã có 2 tệp');
    expect(review.at(-1)).toContain('Giải thưởng, bằng khen — không bắt buộc, chưa có');
    // The long list ends with its main actions as buttons, on screen without scrolling.
    expect(review.at(-1)?.endsWith('\n[Nộp hồ sơ cho xã]\n[Để sau]')).toBe(true);

    // Replacing Form 01: what is sent now replaces both earlier pages.
    const replace = await driver.say(userId, '1');
    expect(replace.at(-1)).toContain('Các trang cũ của mục này sẽ được thay');
    clock.now = new Date(clock.now.getTime() + 60_000);
    nock(cdn).get('/form01-new.pdf').reply(200, Buffer.from(await makePdf({ pages: 2, label: 'Mau 01' })));
    await driver.sendFiles(userId, [{ type: 'file', url: `${cdn}/form01-new.pdf`, name: 'mau01.pdf' }]);
    expect((await runIntake(userId))[0]).toContain(': 1 tệp');
    const form01 = await db.dossierDocument.findMany({ where: { dossierId, itemCode: 'form01' }, orderBy: { id: 'asc' } });
    expect(form01.map((d) => d.status)).toEqual(['replaced', 'replaced', 'stored']);

    // Submitting while a file is still being fetched: not "missing", only not ready yet.
    await db.dossierDocument.updateMany({ where: { dossierId, itemCode: 'labelPackaging' }, data: { status: 'downloading' } });
    const early = await driver.play(userId, ['xong', 'nop ho so']);
    expect(early.join('\n')).toContain('Các tệp bạn vừa gửi đang được tải về:\n• Ảnh nhãn và bao bì sản phẩm');
    expect(early.join('\n')).not.toContain('Còn thiếu');
    await db.dossierDocument.updateMany({ where: { dossierId, itemCode: 'labelPackaging' }, data: { status: 'stored' } });

    // Submitted: the commune's officials are told (none linked here: nobody to tell).
    const submitted = await driver.play(userId, ['menu', '4', 'nop ho so']);
    expect(submitted.join('\n')).toContain('Đã nộp hồ sơ sản phẩm “Mật ong rừng Tân Phú” (số 1/PĐK-75-26116-2026) cho Xã Tân Phú, Đồng Nai.');
    expect(await db.dossier.findUniqueOrThrow({ where: { id: dossierId } })).toMatchObject({ status: 'submitted' });
    const actions = (await db.dossierEvent.findMany({ where: { dossierId }, orderBy: { id: 'asc' } })).map((e) => e.action);
    expect(actions).toEqual(['document_added', 'document_added', 'document_refused', 'document_refused', 'document_refused', 'document_replaced', 'document_added', 'submitted']);
    // The status names the dossier's stage, not the idea's, and says nothing is asked of the producer now.
    expect(await statusOf(userId)).toContain('Đã nộp hồ sơ cho xã (đủ 8/8 mục bắt buộc); đang chờ xã kiểm tra. Bạn chưa cần làm gì thêm.');
  });

  it('an item the commune returns is asked again, and what is sent replaces what was refused', async () => {
    const idea = await db.productIdea.findFirstOrThrow({ where: { receiptNumber: '1/PĐK-75-26116-2026' }, include: { producer: true, dossier: true } });
    const userId = idea.producer.zaloUserId;
    const ruleSets = conversation.setup.checklists;
    await db.$transaction((tx) => returnDossierItems(tx, { ideaId: idea.id, official: 'UBND xã Tân Phú', checklists: ruleSets, now: clock.now, translate, items: [{ item: 'testReport', reason: 'Phiếu kiểm nghiệm đã quá 12 tháng.' }] }));
    const told = await driver.collect(userId);
    expect(told.at(-1)).toContain('• Phiếu kiểm nghiệm sản phẩm: Phiếu kiểm nghiệm đã quá 12 tháng.\n');
    expect(await statusOf(userId)).toContain('Xã đề nghị gửi lại: Phiếu kiểm nghiệm sản phẩm. Việc tiếp theo: gõ “gửi bổ sung” để gửi lại các mục này.');
    expect(told.at(-1)).toContain('[Gửi bổ sung]');
    const asked = await driver.say(userId, 'Gửi bổ sung');
    expect(asked.at(-1)).toContain('Bạn gửi ảnh chụp hoặc tệp PDF của: Phiếu kiểm nghiệm sản phẩm');
    nock(cdn).get('/test-2026.pdf').reply(200, Buffer.from(await makePdf({ pages: 1, label: 'Kiem nghiem 2026' })));
    await driver.sendFiles(userId, [{ type: 'file', url: `${cdn}/test-2026.pdf`, name: 'kiemnghiem.pdf' }]);
    expect((await runIntake(userId))[0]).toContain('Đã nhận “Phiếu kiểm nghiệm sản phẩm”: 1 tệp');
    const tests = await db.dossierDocument.findMany({ where: { dossierId: idea.dossier!.id, itemCode: 'testReport' }, orderBy: { id: 'asc' } });
    expect(tests.map((d) => d.status)).toEqual(['replaced', 'stored']);
    expect(await db.dossierItemReturn.count({ where: { dossierId: idea.dossier!.id, resolvedAt: null } })).toBe(0);
    // Checked by the commune, then on a meeting: each stage in the status.
    await db.dossier.update({ where: { id: idea.dossier!.id }, data: { status: 'checked', checkedAt: new Date('2026-12-03T03:00:00Z') } });
    expect(await statusOf(userId)).toContain('Xã đã kiểm tra hồ sơ ngày 03/12/2026; đang chờ tỉnh xếp lịch họp hội đồng đánh giá.');
    const council = await db.council.create({ data: { name: 'Hội đồng tỉnh', level: 'province', provinceCode: '75', year: 2026, createdBy: 'test' } });
    const meeting = await db.meeting.create({ data: { councilId: council.id, date: '2026-12-21', time: '08:00', place: 'Sở', leadWorkingDays: 1, deliveryDeadline: new Date('2026-12-18T00:30:00Z'), createdBy: 'test' } });
    await db.meetingProduct.create({ data: { meetingId: meeting.id, productIdeaId: idea.id } });
    expect(await statusOf(userId)).toContain('hội đồng tỉnh họp đánh giá ngày 21/12/2026 lúc 08:00. Kết quả sẽ được báo cho bạn qua Zalo.');
  });

  it('the business plan given in the chat becomes the dossier’s plan item as a PDF, once, and a file or the commune’s return takes over', async () => {
    const userId = uniqueId('plan-chat');
    await driver.play(userId, ['menu', '2', ...profileAnswersVi, ...ideaAnswersVi, 'Đồng ý']);
    const market = 'Bán cho siêu thị và khách du lịch trong tỉnh, giá 120.000 đồng/chai.';
    await driver.play(userId, ['menu', '3', 'Trả lời dàn ý', market, 'Lọc và đóng chai tại nhà xưởng 100 m2.', 'Mật ong rừng tràm của 20 hộ trong xã.', 'Vốn 200 triệu, doanh thu dự kiến 600 triệu/năm.', 'Mất mùa hoa; dự trữ 4 tháng.', 'Đồng ý']);
    const opened = await driver.play(userId, ['menu', '4']);
    expect(opened.join('\n')).toContain(translate('vi', 'dossier.planFromChat.added', { item: translate('vi', 'dossier.item.businessPlan') }));
    const made = await runIntake(userId);
    expect(made[0]).toMatch(/^Đã tạo tệp PDF \(\d+ KB\) từ phương án bạn trả lời trong chat và đưa vào mục “Phương án, dự án sản xuất kinh doanh” của hồ sơ\.$/);
    const idea = await db.productIdea.findFirstOrThrow({ where: { producer: { zaloUserId: userId } }, include: { dossier: true } });
    const [plan] = await db.dossierDocument.findMany({ where: { dossierId: idea.dossier!.id, itemCode: 'businessPlan' } });
    expect(plan).toMatchObject({ status: 'stored', mediaType: 'application/pdf', printable: true, uploadedBy: userId });
    // The PDF says what the producer wrote, in the dossier's language.
    const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const bytes = await intake.storage.get(plan!.storageKey!);
    const chunks: Buffer[] = [];
    for await (const chunk of bytes) chunks.push(Buffer.from(chunk as Uint8Array));
    const pdf = await getDocument({ data: new Uint8Array(Buffer.concat(chunks)) }).promise;
    const text = (await (await pdf.getPage(1)).getTextContent()).items.map((i) => ('str' in i ? i.str : '')).join(' ');
    expect(text).toContain('PHƯƠNG ÁN SẢN XUẤT KINH DOANH');
    expect(text).toContain('Mật ong rừng Tân Phú');
    expect(text).toContain('giá 120.000 đồng/chai');
    // The walk never asks for the plan; opening the dossier again makes nothing new.
    expect(opened.join('\n')).not.toContain('Bạn gửi ảnh chụp hoặc tệp PDF của: Phương án');
    await driver.play(userId, ['menu', '4']);
    expect(queued).toEqual([]);
    // The commune asks for a fuller plan: the item is asked again, and nothing is made from the chat.
    await db.$transaction((tx) => returnDossierItems(tx, { ideaId: idea.id, official: 'UBND xã Tân Phú', checklists: conversation.setup.checklists, now: clock.now, translate, items: [{ item: 'businessPlan', reason: 'Cần phương án đầy đủ có bảng tính tài chính.' }] }));
    expect((await driver.collect(userId)).at(-1)).toContain('[Gửi bổ sung]');
    // Still in the dossier from the last visit: the producer starts the resubmission instead.
    const again = await driver.play(userId, ['Gửi bổ sung', 'Bắt đầu mục mới']);
    expect(again.at(-1)).toContain('Bạn gửi ảnh chụp hoặc tệp PDF của: Phương án, dự án sản xuất kinh doanh');
    expect(queued).toEqual([]);
  });

  it('Decision 26/2026 (Form 02: a certificate only "đối với sản phẩm cần phải có"): a producer may declare the food-safety certificate not required, with a reason; the commune accepts it by checking or sends the item back', async () => {
    const userId = uniqueId('exempt');
    await driver.play(userId, ['menu', '2', ...profileAnswersVi, ...ideaAnswersVi, 'Đồng ý']);
    await driver.play(userId, ['menu', '4']);
    const idea = await db.productIdea.findFirstOrThrow({ where: { producer: { zaloUserId: userId } }, include: { dossier: true } });
    const dossierId = idea.dossier!.id;
    // Everything before the food-safety certificate is in; the walk reaches it.
    const before = ['form01', 'form02', 'businessPlan', 'businessRegistration'];
    await db.dossierDocument.createMany({
      data: before.map((itemCode, i) => ({ dossierId, itemCode, position: 1, status: 'stored' as const, uploadedBy: userId, mediaType: 'application/pdf', printable: true, sizeBytes: 100, sha256: String(i + 1).repeat(64), storageKey: `documents/2026/11/10000000-0000-4000-8000-00000000000${i}.pdf`, createdAt: clock.now })),
    });
    const asked = await driver.say(userId, 'xong');
    expect(asked.at(-1)).toContain('Bạn gửi ảnh chụp hoặc tệp PDF của: Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm');
    expect(asked.at(-1)).toContain(translate('vi', 'flow.upload.exemptible'));

    const reasonAsked = await driver.say(userId, 'Không phải cấp');
    expect(reasonAsked.at(-1)).toBe(translate('vi', 'dossier.exempt.reasonPrompt'));
    const recorded = await driver.say(userId, 'Cơ sở nhỏ lẻ, đã ký bản cam kết an toàn thực phẩm với xã');
    expect(recorded[0]).toContain(translate('vi', 'dossier.exempt.recorded', { item: translate('vi', 'dossier.item.foodSafety') }));
    // On to the next item; the quality declaration cannot be declared away.
    expect(recorded.at(-1)).toContain('Bản công bố, tự công bố chất lượng sản phẩm');
    expect((await driver.say(userId, 'không phải cấp')).at(-1)).toContain(translate('vi', 'flow.upload.notExemptible'));
    expect(await db.dossierItemExemption.findMany({ where: { dossierId }, select: { itemCode: true, reason: true, returnedAt: true } })).toEqual([
      { itemCode: 'foodSafety', reason: 'Cơ sở nhỏ lẻ, đã ký bản cam kết an toàn thực phẩm với xã', returnedAt: null },
    ]);

    // The rest arrives; the declaration stands for the certificate, so the dossier can be filed.
    await db.dossierDocument.createMany({
      data: ['qualityDeclaration', 'testReport', 'labelPackaging'].map((itemCode, i) => ({ dossierId, itemCode, position: 1, status: 'stored' as const, uploadedBy: userId, mediaType: 'application/pdf', printable: true, sizeBytes: 100, sha256: String(i + 5).repeat(64), storageKey: `documents/2026/11/20000000-0000-4000-8000-00000000000${i}.pdf`, createdAt: clock.now })),
    });
    const review = await driver.say(userId, 'xong');
    expect(review.at(-1)).toContain(`Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm — ${translate('vi', 'dossier.state.exempted')}`);
    await driver.play(userId, ['xong', 'nop ho so']);
    expect(await db.dossier.findUniqueOrThrow({ where: { id: dossierId } })).toMatchObject({ status: 'submitted' });

    // The commune sends the item back: the declaration is refused and the certificate asked for.
    await db.$transaction((tx) => returnDossierItems(tx, { ideaId: idea.id, official: 'UBND xã Tân Phú', checklists: conversation.setup.checklists, now: clock.now, translate, items: [{ item: 'foodSafety', reason: 'Cơ sở chế biến mật ong phải có giấy chứng nhận.' }] }));
    expect((await db.dossierItemExemption.findFirstOrThrow({ where: { dossierId } })).returnedAt).toEqual(clock.now);
    await driver.collect(userId);
    expect((await driver.say(userId, 'Gửi bổ sung')).at(-1)).toContain('Bạn gửi ảnh chụp hoặc tệp PDF của: Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm');
  });

  it('a producer cannot add documents to another producer\'s dossier', async () => {
    const owner = await db.productIdea.findFirstOrThrow({ include: { dossier: true } });
    const before = await db.dossierDocument.count();
    const outcome = await db.$transaction((tx) =>
      addDocuments({
        tx,
        userId: uniqueId('stranger'),
        locale: 'vi',
        translate,
        now: clock.now,
        messageId: 'm-1',
        answers: { ideaId: String(owner.id), $item: 'form02', $files: [{ index: 0, type: 'image', url: `${cdn}/x.jpg` }] },
      }),
    );
    expect(outcome.intake ?? []).toEqual([]);
    expect(await db.dossierDocument.count()).toBe(before);
  });

  // A file whose address is outside Zalo's hosts is refused the same way however often it
  // is resent; the producer is told to send it differently, not to send it again.
  it('tells the producer to send it with Zalo’s own buttons or bring it to the commune, not to resend it', async () => {
    const userId = uniqueId('refused-url');
    await driver.play(userId, ['menu', '2', ...profileAnswersVi, ...ideaAnswersVi, 'Đồng ý']);
    await driver.play(userId, ['menu', '4']);

    await driver.sendFiles(userId, [{ type: 'file', url: 'https://files.example.com/mau01.pdf', name: 'mau01.pdf' }]);
    const [told] = await runIntake(userId);
    const item = translate('vi', 'dossier.item.form01');
    expect(told).toBe(translate('vi', 'dossier.refused.refusedUrl', { item }));
    expect(told).not.toBe(translate('vi', 'dossier.refused.unreachable', { item }));
    expect(told).toContain('nút gửi ảnh hoặc nút đính kèm tệp');
    expect(told).toContain('UBND xã');
    expect(translate('en', 'dossier.refused.refusedUrl', { item: 'Form 01' })).toContain('bring the papers to the commune office');

    const documents = await db.dossierDocument.findMany({ where: { uploadedBy: userId } });
    expect(documents.map((d) => [d.status, d.refusedReason, d.sourceUrl])).toEqual([['refused', 'refused_url', null]]);
  });
});
