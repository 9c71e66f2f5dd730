import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedConversation } from '../../src/bot/conversation-setup.js';
import { handleInboundEvent } from '../../src/conversation/handle-inbound-event.js';
import { createDatabase } from '../../src/db/database.js';
import { returnProductIdea } from '../../src/registration/review-product-idea.js';
import { submitProductIdea } from '../../src/registration/submit-product-idea.js';
import { ideaAnswersVi, profileAnswersVi } from '../fixtures/producer-answers.js';
import { inboundDeps, loadProjectConversation, projectDir, translate } from '../helpers/conversation-harness.js';
import { loadSampleAdministrativeUnits, resetDatabase, testDatabaseUrl, uniqueId } from '../helpers/test-env.js';
import { createTranscriptDriver } from '../helpers/transcript-driver.js';
import { textEvent } from '../helpers/zalo-fixtures.js';

// Transcript tests of the producer flows, through the real inbound handler and Postgres:
// "the person says X" → "the bot answers Y", in Vietnamese and in English.

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 6 });
const clock = { now: new Date('2026-11-23T02:00:00Z') }; // 09:00 in Vietnam
let conversation: LoadedConversation;
const driver = createTranscriptDriver(db, () => inboundDeps(db, conversation, clock));

const officialId = 'official-tan-phu';

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  conversation = await loadProjectConversation(db);
  // A commune official of Xã Tân Phú (Đồng Nai) who has linked their Zalo account.
  await db.zaloUser.create({ data: { id: officialId, locale: 'vi' } });
  await db.official.create({ data: { name: 'Lê Thị Mai', role: 'commune', provinceCode: '75', communeCode: '26116', zaloUserId: officialId, linkedAt: clock.now } });
});
beforeEach(() => {
  clock.now = new Date(clock.now.getTime() + 60_000);
});
afterAll(async () => {
  await db.$disconnect();
});

const profileVi = profileAnswersVi;
const ideaVi = ideaAnswersVi;

function last(lines: string[]): string {
  return lines.at(-1) ?? '';
}

describe('producer flows (vi)', () => {
  it('a first-time producer registers a product idea: profile on the way, summary, receipt, the commune official told', async () => {
    const userId = uniqueId('vi');
    const [menu] = await driver.say(userId, 'xin chào');
    expect(menu).toMatch(/^Xin chào! Đây là trợ lý OCOP/);
    expect(menu).toContain('2. Đăng ký ý tưởng sản phẩm');
    // Seven items are more than Zalo's five buttons: the five most people come for are buttons
    // under the list (short titles where a label is too long), so the next action is one tap.
    expect(menu?.split('\n').slice(-5)).toEqual(['[Đăng ký ý tưởng]', '[Phương án kinh doanh]', '[Gửi hồ sơ]', '[Tình trạng]', '[Gặp cán bộ]']);

    const start = await driver.say(userId, '2');
    expect(start.join('\n')).toContain(translate('vi', 'idea.needProfile'));
    // Six kinds (Decision 26/2026 Art. 2.3): more than Zalo's five buttons, so a numbered list.
    expect(last(start)).toContain('Cơ sở của bạn thuộc loại nào?\n1. Hợp tác xã (HTX)\n2. Tổ hợp tác (THT)\n3. Doanh nghiệp nhỏ và vừa\n4. Trang trại\n5. Hộ sản xuất, hộ gia đình có đăng ký kinh doanh\n6. Hội, hiệp hội');

    const profile = await driver.play(userId, profileVi);
    expect(profile).toContain(translate('vi', 'profile.taxCode.prompt'));
    expect(profile.join('\n')).toContain('<form: Gửi số điện thoại Zalo>');
    // "tan phu" alone matches several communes; with the province it is one.
    const summary = profile.find((l) => l.startsWith('Bạn kiểm tra lại hồ sơ chủ thể:'))!;
    expect(summary).toContain('1. Loại hình: Hợp tác xã (HTX)');
    expect(summary).toContain('3. Mã số thuế / số đăng ký: 0101234565');
    expect(summary).toContain('4. Số định danh cá nhân: (chưa có)');
    expect(summary).toContain('7. Giới tính: Nam');
    expect(summary).toContain('8. Dân tộc: Kinh');
    expect(summary).toContain('9. Địa chỉ thường trú: (chưa có)');
    expect(summary).toContain('10. Điện thoại: 84912345678');
    expect(summary).toContain('11. Email: (chưa có)');
    expect(summary).toContain('13. Xã, phường: Xã Tân Phú, Đồng Nai');
    expect(last(profile)).toContain('Tên sản phẩm (ví dụ: Mật ong rừng Tân Phú)?');
    expect(await db.producer.findUniqueOrThrow({ where: { zaloUserId: userId } })).toMatchObject({ kind: 'cooperative', phone: '84912345678', communeCode: '26116', email: null, representativeGender: 'male', representativeEthnicGroup: '01', representativePermanentAddress: null, personalId: null });

    const idea = await driver.play(userId, ideaVi);
    const ideaSummary = idea.find((l) => l.startsWith('Bạn kiểm tra lại thông tin sản phẩm:'))!;
    expect(ideaSummary).toContain('2. Bộ sản phẩm: Mật ong và thực phẩm thô, sơ chế khác');
    expect(ideaSummary).toContain('7. Lao động địa phương: 12');
    expect(ideaSummary).toContain('11. Cần hỗ trợ: (chưa có)');
    const submitted = await driver.say(userId, 'đồng ý');
    expect(submitted[0]).toContain('Đã gửi đăng ký ý tưởng sản phẩm “Mật ong rừng Tân Phú” tới Xã Tân Phú, Đồng Nai.\nSố phiếu: 1/PĐK-75-26116-2026');
    expect(submitted[0]).toContain('Bạn muốn làm gì?'); // back at the menu

    const stored = await db.productIdea.findFirstOrThrow({ where: { producer: { zaloUserId: userId } } });
    expect(stored).toMatchObject({ receiptNumber: '1/PĐK-75-26116-2026', sequence: 1, year: 2026, ruleSet: 'qd-26-2026', sectorCode: 'food', groupCode: 'rawFood', setCode: 'honeyRawOther', kind: 'new_product', status: 'submitted' });
    expect(stored.details).toMatchObject({ localWorkers: 12, rawMaterialsLocal: 'all' });
    expect(await driver.sentTo(officialId)).toEqual(['Ý tưởng sản phẩm mới chờ xem xét: “Mật ong rừng Tân Phú” của HTX Nông nghiệp Tân Phú (Xã Tân Phú, Đồng Nai), số 1/PĐK-75-26116-2026.']);
  });

  it('wrong answers are re-prompted with what was wrong; after three the bot offers help, the menu or an official', async () => {
    const userId = uniqueId('wrong');
    await driver.play(userId, ['menu', '1', 'doanh nghiep', 'Công ty TNHH Trà Xanh']);
    const tax = await driver.play(userId, ['0101234566', '12345', 'abc']);
    expect(tax).toContain('> 0101234566');
    expect(tax.join('\n')).toContain('Mã số thuế 0101234566 không đúng, có thể bị gõ nhầm một chữ số.');
    expect(tax.join('\n')).toContain(translate('vi', 'validation.taxCode.format'));
    expect(tax.join('\n')).toContain(`${translate('vi', 'flow.stuck')}\n[Trợ giúp]\n[Menu]\n[Gặp cán bộ]`);
    // The way out works from here: an official, with the registration kept for later.
    // Without a profile, they first say where they are.
    const official = await driver.say(userId, 'Gặp cán bộ');
    expect(last(official)).toContain(translate('vi', 'official.commune.prompt'));
    const phone = await driver.play(userId, ['tiếp tục', '0101234565', 'Nguyễn Hà', 'Giám đốc', 'bỏ qua', 'bỏ qua', 'bỏ qua', '12 345']);
    expect(phone.join('\n')).toContain('Mình tiếp tục “Hồ sơ chủ thể” nhé.');
    expect(phone.join('\n')).toContain(translate('vi', 'validation.phone.format'));
    const number = await driver.play(userId, ['0912345678', 'bo qua', 'Số 5', 'ba dinh', 'sửa 11', 'khongphaiemail']);
    expect(number.join('\n')).toContain(translate('vi', 'validation.email.missingAt'));
  });

  it('"quay lại" goes back, "sửa 2" edits the product set from the summary and returns, "huỷ" asks first', async () => {
    const userId = uniqueId('edit');
    await driver.play(userId, ['menu', '1', ...profileVi.slice(0, 2)]);
    const back = await driver.say(userId, 'quay lại');
    expect(last(back)).toBe(translate('vi', 'profile.name.prompt'));
    await driver.play(userId, profileVi.slice(1));
    await driver.play(userId, ['2', ...ideaVi]);
    // "sửa 2": sector, group and set are asked again (a new sector needs a new group), then the summary.
    const edit = await driver.play(userId, ['sửa 2', '2', '1', 'ruou trang']);
    expect(edit[1]).toContain('Sản phẩm thuộc ngành nào?');
    expect(last(edit)).toContain('2. Bộ sản phẩm: Rượu trắng');
    expect(last(edit)).toContain('1. Tên sản phẩm: Mật ong rừng Tân Phú');

    const kept = await driver.play(userId, ['hủy', 'không']);
    expect(kept).toContain(translate('vi', 'flow.cancel.confirm') + '\n[Có, huỷ]\n[Không]');
    expect(kept.join('\n')).toContain(translate('vi', 'flow.cancel.kept'));
    const cancelled = await driver.play(userId, ['huỷ', 'Có, huỷ']);
    expect(cancelled.join('\n')).toContain(`${translate('vi', 'flow.cancel.done')}\n\nBạn muốn làm gì?`);
    expect(await db.productIdea.count({ where: { producer: { zaloUserId: userId } } })).toBe(0);
  });

  it('input in NFD form and without diacritics is understood, and stored in NFC', async () => {
    const userId = uniqueId('nfd');
    const nfd = (s: string) => s.normalize('NFD');
    await driver.play(userId, ['menu', nfd('Hồ sơ chủ thể'), nfd('Hộ sản xuất'), nfd('Hộ kinh doanh Lò Văn Sáu'), '001090012345', '41A8012345', nfd('Lò Văn Sáu'), nfd('Chủ hộ'), nfd('Nữ'), nfd('Thái'), 'bo qua', '0987654321', 'bo qua', nfd('Bản Nà Pục'), nfd('Hồng Sơn')]);
    const pick = await driver.say(userId, nfd('hồng sơn lâm đồng'));
    expect(last(pick)).toContain('13. Xã, phường: Xã Hồng Sơn, Lâm Đồng');
    expect(last(pick)).toContain('8. Dân tộc: Thái');
    await driver.say(userId, nfd('Đồng ý'));
    const producer = await db.producer.findUniqueOrThrow({ where: { zaloUserId: userId } });
    expect(producer).toMatchObject({ kind: 'household', name: 'Hộ kinh doanh Lò Văn Sáu', representative: 'Lò Văn Sáu', communeCode: '23086' });
    expect(producer.name).toBe(producer.name.normalize('NFC'));
    expect(producer.address).toBe('Bản Nà Pục'.normalize('NFC'));
  });
});

describe('producer flows (en)', () => {
  it('an English-speaking household registers a product idea, sharing the phone from Zalo', async () => {
    const userId = uniqueId('en');
    const switched = await driver.say(userId, 'English');
    expect(switched[0]).toMatch(/^Switched to English\.\n\nWhat would you like to do\?\n1\. Producer profile/);
    expect(switched[0]?.split('\n').slice(-5)).toEqual(['[Register an idea]', '[Business plan]', '[Send documents]', '[My status]', '[Talk to an official]']);
    await driver.play(userId, ['Register a product idea', 'Production household', 'Pham Thi Lan tea household', '079301012345', '41A8012345', 'Pham Thi Lan', 'Household head', 'Female', 'Kinh', 'skip']);
    const shared = await driver.share(userId, { name: 'Phạm Thị Lan', phone: '84987654321' });
    expect(last(shared)).toBe('Email address?\n(If you do not have one, type “skip”.)'.replace('(If you do not have one, type “skip”.)', translate('en', 'flow.ask.optional')));
    const profile = await driver.play(userId, ['lan@example.vn', 'Hamlet 2', 'ba dinh', 'yes']);
    expect(profile.find((l) => l.startsWith('Please check your producer profile:'))).toContain('10. Phone: 84987654321');
    const idea = await driver.play(userId, [
      'Shan tuyet tea',
      'food',
      'tea',
      'tea',
      'Hand-rolled tea from old trees on the hills.',
      'Trees over a hundred years old.',
      'Fresh tea leaves',
      'Partly',
      '8',
      '300 kg a year',
      'Paper boxes of 100 g',
      'Tourists and shops in Hanoi',
      'Packaging design',
      'Star upgrade',
    ]);
    const summary = last(idea);
    expect(summary).toContain('Please check the product details:');
    expect(summary).toContain('2. Product set: Tea');
    expect(summary).toContain('12. Registration kind: Star upgrade');
    const receipt = await driver.say(userId, 'yes');
    expect(receipt[0]).toContain('Your product idea “Shan tuyet tea” has been sent to Phường Ba Đình, Hà Nội.\nReceipt number: 1/PĐK-01-00004-2026');
  });

  it('the business plan outline is stored with the idea; status says what each idea waits for', async () => {
    const userId = uniqueId('plan');
    await driver.play(userId, ['English', 'Producer profile', ...['cooperative', 'Hoa Sen Cooperative', '0101234565', 'Vo Van Hai', 'Chair', 'skip', 'skip', 'skip', '0912345678', 'skip', 'Hamlet 1', 'tan phu tay ninh', 'yes']]);
    await driver.play(userId, ['Register a product idea', 'Lotus tea', 'food', 'tea', 'herbal', 'Lotus flowers scented green tea.', 'Scented by hand in the lotus.', 'Lotus and green tea', 'Yes, all', '5', '100 kg a year', 'Tin boxes', 'Gift shops', 'skip', 'New product', 'yes']);
    const plan = await driver.play(userId, [
      'Business plan',
      'Answer an outline',
      'Gift shops in Tay Ninh and Ho Chi Minh City, 400,000 VND a box.',
      'Hand scenting in the cooperative house, 10 kg a month.',
      'Lotus from the cooperative ponds under contract.',
      'Capital 200 million VND from members, revenue 600 million.',
      'A bad lotus season; we keep stock of dried lotus.',
    ]);
    // One idea only: it is taken without asking.
    expect(plan[1]).toContain('Would you like to send a plan you already have as a file');
    expect(last(plan)).toContain('1. Product: Lotus tea (1/PĐK-80-25549-2026)');
    const saved = await driver.say(userId, 'yes');
    expect(saved[0]).toContain('The business plan for “Lotus tea” (no. 1/PĐK-80-25549-2026) is saved.');
    expect((await db.productIdea.findFirstOrThrow({ where: { producer: { zaloUserId: userId } } })).businessPlan).toMatchObject({ risks: 'A bad lotus season; we keep stock of dried lotus.' });
    const status = await driver.say(userId, 'Status of my products');
    expect(status[0]).toContain('The status of your products:\n\n1. Lotus tea (no. 1/PĐK-80-25549-2026)\nSent on 23/11/2026 with its business plan; waiting for the commune');
  });
});

describe('producer flows (en): wrong answers, back, edit, cancel, an official', () => {
  it('each kind of wrong answer gets its own hint; "back", "edit 1" and "cancel" work in English too', async () => {
    const userId = uniqueId('en-wrong');
    await driver.play(userId, ['English', 'Producer profile', 'cooperative group', 'Muong Lat weaving group']);
    const wrong = await driver.play(userId, ['A', 'back', 'Muong Lat weaving group', 'Lo Thi Ban', 'Leader', 'skip', 'skip', 'skip', '0912 345 67', '0912 345 678', 'skip', 'Ban Nang', 'nowhere at all', 'hong son tuyen quang']);
    // A cooperative group has no registration number: the representative comes next.
    expect(wrong).toContain(`${translate('en', 'validation.text.tooShort', { min: '2' })}\n\n${translate('en', 'profile.representative.prompt')}`);
    expect(wrong.join('\n')).toContain(translate('en', 'validation.phone.mobileLength'));
    expect(wrong.join('\n')).toContain('I could not find “nowhere at all”.');
    const summary = last(wrong);
    expect(summary).toContain('3. Tax or registration number: (none yet)'.replace('(none yet)', translate('en', 'flow.confirm.empty')));
    expect(summary).toContain('13. Commune: Xã Hồng Sơn, Tuyên Quang');
    // A household needs the personal ID the group did not have: it is asked, then the summary
    // (the household's certificate number is optional, so it is not asked again).
    const edited = await driver.play(userId, ['edit 1', 'Production household']);
    expect(last(edited)).toBe(translate('en', 'profile.personalId.prompt'));
    expect(last(await driver.say(userId, '001090012345'))).toContain('4. Personal ID number: 001*****2345');
    const certificate = await driver.play(userId, ['edit 3', '41A8012345']);
    expect(certificate[1]).toContain(translate('en', 'profile.householdRegistration.prompt'));
    expect(last(certificate)).toContain('3. Tax or registration number: 41A8012345');
    const idea = await driver.play(userId, ['yes', 'Register a product idea', 'Brocade scarves', 'handicrafts', 'textiles']);
    // A group with one set takes it without asking.
    expect(last(idea)).toBe(translate('en', 'idea.description.prompt'));
    const number = await driver.play(userId, ['Scarves woven on hand looms.', 'Patterns of the Thai people.', 'Cotton and silk', 'kinda', 'Partly', 'twelve', '1,500', '1.500']);
    expect(number.join('\n')).toContain(translate('en', 'flow.choose.unknown'));
    expect(number.join('\n')).toContain(translate('en', 'validation.number.format'));
    expect(number.join('\n')).toContain(translate('en', 'validation.number.ambiguous').replace('{input}', '1,500'));
    expect(last(number)).toBe(translate('en', 'idea.output.prompt'));
    const cancelled = await driver.play(userId, ['cancel', 'yes']);
    expect(cancelled.join('\n')).toContain(`${translate('en', 'flow.cancel.done')}\n\nWhat would you like to do?`);
    expect(await db.productIdea.count({ where: { producer: { zaloUserId: userId } } })).toBe(0);
  });

  it('an English speaker with a profile asks for an official and is not asked for the commune again', async () => {
    const userId = uniqueId('en-help');
    await driver.play(userId, ['English', 'Producer profile', ...['cooperative', 'Tan Phu Honey Cooperative', '0101234565', 'Tran Van Binh', 'Chair', 'skip', 'skip', 'skip', '0912345678', 'skip', 'Hamlet 3', 'tan phu dong nai', 'yes']]);
    const lines = await driver.play(userId, ['Talk to an official', 'When is the next evaluation round?']);
    expect(last(lines)).toContain('Your message has been passed to the officials for Xã Tân Phú, Đồng Nai.');
    // The official reads it in their own language.
    expect((await driver.sentTo(officialId)).at(-1)).toBe('Tan Phu Honey Cooperative (0912 345 678, Xã Tân Phú, Đồng Nai) cần cán bộ hỗ trợ: When is the next evaluation round?');
  });
});

describe('the business plan (vi)', () => {
  it('is given for the chosen idea; one without an idea is sent to register one first', async () => {
    const none = await driver.play(uniqueId('no-idea'), ['menu', '3']);
    expect(none.join('\n')).toContain(translate('vi', 'plan.noIdeas'));
    const userId = uniqueId('plan-vi');
    await driver.play(userId, ['menu', '2', ...profileVi, ...ideaVi, 'Đồng ý']);
    await driver.play(userId, ['2', 'Nước mắm cá cơm', 'thuc pham', 'gia vi', 'nuoc mam', 'Nước mắm ủ chượp truyền thống.', 'Ủ chum sành 12 tháng.', 'Cá cơm', 'Một phần', '4', '5.000 lít/năm', 'Chai 500 ml', 'Siêu thị', 'bỏ qua', 'Sản phẩm mới', 'Đồng ý']);
    const plan = await driver.play(userId, ['3', 'nuoc mam', 'Gửi tệp', 'Bán cho siêu thị trong tỉnh, giá 80.000 đồng/chai.', 'Ủ chượp 12 tháng trong nhà xưởng 200 m2.', 'Cá cơm mua của tổ đánh bắt trong xã.', 'Vốn 300 triệu, doanh thu dự kiến 1 tỷ.', 'Thời tiết xấu làm thiếu cá; dự trữ 3 tháng.']);
    expect(plan.join('\n')).toContain(translate('vi', 'plan.documentSoon'));
    // Two ideas: the plan's is chosen by typing part of its name.
    expect(plan.join('\n')).toMatch(/Phương án cho sản phẩm nào\?\n1\. Mật ong rừng Tân Phú \(\d+\/PĐK-75-26116-2026\)\n2\. Nước mắm cá cơm/);
    expect(last(plan)).toMatch(/1\. Sản phẩm: Nước mắm cá cơm \(\d+\/PĐK-75-26116-2026\)/);
    expect((await driver.say(userId, 'Đồng ý'))[0]).toMatch(/^Đã lưu phương án kinh doanh cho “Nước mắm cá cơm” \(số \d+\/PĐK-75-26116-2026\)\./);
  });
});

describe('an idea sent back for changes', () => {
  it('the producer is told in their language, fixes it from the summary and resubmits under the same number', async () => {
    const userId = uniqueId('back');
    await driver.play(userId, ['menu', '2', ...profileVi, ...ideaVi, 'Đồng ý']);
    const idea = await db.productIdea.findFirstOrThrow({ where: { producer: { zaloUserId: userId } } });
    await db.$transaction((tx) => returnProductIdea(tx, { ideaId: idea.id, reason: 'Tên sản phẩm cần ghi rõ loại mật ong.', reviewer: 'UBND xã Tân Phú', now: clock.now, translate }));
    const told = await db.outboundMessage.findFirstOrThrow({ where: { recipient: userId }, orderBy: { id: 'desc' } });
    expect(JSON.stringify(told.payload)).toContain('Tên sản phẩm cần ghi rõ loại mật ong.');

    const [status] = (await driver.say(userId, 'Tình trạng sản phẩm của tôi')).filter((m) => m.startsWith('Tình trạng sản phẩm của bạn:'));
    expect(status).toContain('Xã đề nghị sửa: Tên sản phẩm cần ghi rõ loại mật ong.');
    expect(status).toContain('[Sửa và gửi lại]');
    const open = await driver.say(userId, 'Sửa và gửi lại');
    expect(last(open)).toContain('1. Tên sản phẩm: Mật ong rừng Tân Phú');
    const fixed = await driver.play(userId, ['sửa 1', 'Mật ong rừng tràm Tân Phú', 'Đồng ý']);
    expect(fixed.join('\n')).toContain('Đã gửi lại ý tưởng sản phẩm “Mật ong rừng tràm Tân Phú” (số ');
    const after = await db.productIdea.findUniqueOrThrow({ where: { id: idea.id } });
    expect(after).toMatchObject({ status: 'submitted', productName: 'Mật ong rừng tràm Tân Phú', receiptNumber: idea.receiptNumber, reviewReason: null });
    expect((await driver.sentTo(officialId)).at(-1)).toContain('đã được sửa và gửi lại');
  });
});

describe('a re-ranking in the status (Decision 26/2026, Art. 7.6.d and g)', () => {
  it('says the council decides in writing, meets only if opinions differ, within 45 days', async () => {
    const userId = uniqueId('rerank');
    await driver.play(userId, ['menu', '2', ...profileVi, ...ideaVi, 'Đồng ý']);
    await db.productIdea.updateMany({ where: { producer: { zaloUserId: userId } }, data: { kind: 're_ranking' } });
    const [status] = (await driver.say(userId, 'Tình trạng sản phẩm của tôi')).filter((m) => m.startsWith('Tình trạng sản phẩm của bạn:'));
    expect(status).toContain(translate('vi', 'status.reRankingInWriting', { days: '45' }));
  });
});

describe('talking to an official', () => {
  it('a person without a profile leaves a message for the officials of the commune they pick', async () => {
    const userId = uniqueId('help');
    await driver.play(userId, ['menu', 'gap can bo']);
    // Several communes share the name: the person picks theirs by its number.
    const [list] = await driver.say(userId, 'tân phú');
    expect(list).toMatch(/^Bạn chọn nơi nào\? Gõ số thứ tự:\n1\. /);
    const number = /(\d+)\. Xã Tân Phú, Đồng Nai/.exec(list ?? '')?.[1];
    expect(number).toBeDefined();
    const lines = await driver.play(userId, [number!, '0912000111', 'Tôi muốn hỏi về mẫu đăng ký']);
    expect(lines.join('\n')).toContain('Đã chuyển lời nhắn của bạn tới cán bộ phụ trách Xã Tân Phú, Đồng Nai.');
    expect((await driver.sentTo(officialId)).at(-1)).toBe('Người dùng Zalo (0912 000 111, Xã Tân Phú, Đồng Nai) cần cán bộ hỗ trợ: Tôi muốn hỏi về mẫu đăng ký');
  });

  it('where no official is linked yet, the person is told so rather than left waiting', async () => {
    const userId = uniqueId('nobody');
    const lines = await driver.play(userId, ['menu', '6', 'con dao', '0912000222', 'Cần hỏi về kiểm nghiệm']);
    expect(last(lines)).toContain('Hiện chưa có cán bộ nào phụ trách Đặc khu Côn Đảo, Hồ Chí Minh nhận tin qua Zalo, nên lời nhắn chưa chuyển được. Bạn liên hệ trực tiếp UBND Đặc khu Côn Đảo, Hồ Chí Minh (bộ phận một cửa) nhé.');
  });

  it('a producer with a profile is told before writing that nobody would get the message, and whom to call', async () => {
    const userId = uniqueId('nobody-profile');
    // A profile in Côn Đảo, where no official is linked.
    await driver.play(userId, ['menu', '1', ...profileVi.slice(0, -2), 'con dao', 'Đồng ý']);
    const warned = await driver.play(userId, ['menu', '6']);
    expect(warned.join('\n')).toContain('Hiện chưa có cán bộ nào phụ trách Đặc khu Côn Đảo, Hồ Chí Minh nhận tin qua Zalo, nên lời nhắn ở đây sẽ không tới ai. Bạn liên hệ trực tiếp UBND Đặc khu Côn Đảo, Hồ Chí Minh (bộ phận một cửa).');
    expect(last(warned).endsWith(translate('vi', 'official.message.prompt'))).toBe(true);
  });

  it('an official links their Zalo account by sending the code, typed however the phone types it', async () => {
    const official = await db.official.create({ data: { name: 'Phạm Văn Tùng', role: 'commune', provinceCode: '01', communeCode: '00004', invitationCode: 'OCOP-AB2C-D3EF', invitationExpiresAt: new Date(clock.now.getTime() + 3600_000) } });
    const userId = uniqueId('link');
    const linked = await driver.say(userId, 'ocop ab2c d3ef');
    expect(linked[0]).toBe('Đã liên kết tài khoản Zalo này với Phạm Văn Tùng — Cán bộ xã, Phường Ba Đình, Hà Nội. Từ nay bạn sẽ nhận thông báo OCOP tại đây.');
    expect(await db.official.findUniqueOrThrow({ where: { id: official.id } })).toMatchObject({ zaloUserId: userId, invitationCode: null });
    expect(await driver.say(uniqueId('late'), 'OCOP-AB2C-D3EF')).toEqual([translate('vi', 'official.linkInvalid')]);
  });
});

describe('who the producer is (Decision 26/2026/QĐ-TTg Art. 2.3; Forms 02 and 03)', () => {
  it('a household gives its head\'s personal ID (TT 86/2024 Art. 5, TT 90/2026), gender, ethnic group and permanent address; saved, shown masked', async () => {
    const userId = uniqueId('household-id');
    await driver.play(userId, ['menu', '1', 'ho san xuat', 'Hộ Giàng Thị Mai']);
    const id = await driver.play(userId, ['00109001234', '097090012345', '001212012345', '001190012345']);
    expect(id.join('\n')).toContain(translate('vi', 'profile.personalId.length', { length: '11' }));
    expect(id.join('\n')).toContain('3 chữ số đầu là mã tỉnh nơi đăng ký khai sinh (001–096); “097” không phải mã tỉnh.');
    expect(id.join('\n')).toContain(translate('vi', 'profile.personalId.tooYoung', { year: '2012', age: '15' }));
    // The certificate number is optional now; the personal ID stands in for the tax code.
    expect(last(id)).toBe(`${translate('vi', 'profile.householdRegistration.prompt')}\n${translate('vi', 'flow.ask.optional')}`);
    const representative = await driver.play(userId, ['bỏ qua', 'Giàng Thị Mai', 'Chủ hộ']);
    expect(last(representative)).toBe(`${translate('vi', 'profile.gender.prompt')}\n[Nam]\n[Nữ]`);
    const ethnic = await driver.play(userId, ['Nữ', 'Người Tiên']);
    expect(last(ethnic)).toContain('Mình chưa tìm thấy dân tộc “Người Tiên” trong danh mục 54 dân tộc. Bạn gõ lại tên dân tộc nhé, ví dụ: Kinh, Tày, Thái');
    const profile = await driver.play(userId, ['hmong', 'Thôn Sả Séng, xã Sa Pa, Lào Cai', '0912 345 678', 'bỏ qua', 'Thôn Sả Séng', 'tan phu dong nai']);
    expect(last(profile).split('\n')).toEqual(
      expect.arrayContaining([
        '1. Loại hình: Hộ sản xuất, hộ gia đình có đăng ký kinh doanh',
        '3. Mã số thuế / số đăng ký: (chưa có)',
        '4. Số định danh cá nhân: 001*****2345',
        '7. Giới tính: Nữ',
        '8. Dân tộc: HMông',
        '9. Địa chỉ thường trú: Thôn Sả Séng, xã Sa Pa, Lào Cai',
      ]),
    );
    // "sửa 8" asks the ethnic group again and comes back.
    expect(last(await driver.play(userId, ['sửa 8', 'Dao']))).toContain('8. Dân tộc: Dao');
    await driver.say(userId, 'Đồng ý');
    expect(await db.producer.findUniqueOrThrow({ where: { zaloUserId: userId } })).toMatchObject({
      kind: 'household',
      personalId: '001190012345',
      registrationNumber: null,
      representativeGender: 'female',
      representativeEthnicGroup: '09',
      representativePermanentAddress: 'Thôn Sả Séng, xã Sa Pa, Lào Cai',
    });
    // Personal data: the full number is in no message the bot sent.
    const sent = await db.outboundMessage.findMany({ where: { recipient: userId } });
    expect(sent.length).toBeGreaterThan(0);
    expect(JSON.stringify(sent.map((m) => m.payload))).not.toContain('001190012345');
  });

  it('a farm without a tax code gives its owner\'s personal ID instead', async () => {
    const userId = uniqueId('farm');
    const asked = await driver.play(userId, ['menu', '1', 'trang trai', 'Trang trại Bò sữa Hoà Bình', 'Số định danh cá nhân']);
    expect(last(asked)).toBe(translate('vi', 'profile.personalId.prompt'));
    await driver.play(userId, ['036085012345', 'Nguyễn Văn Hoà', 'Chủ trang trại', 'bỏ qua', 'bỏ qua', 'bỏ qua', '0912345678', 'bỏ qua', 'Xóm 2', 'tan phu dong nai', 'Đồng ý']);
    expect(await db.producer.findUniqueOrThrow({ where: { zaloUserId: userId } })).toMatchObject({ kind: 'farm', personalId: '036085012345', registrationNumber: null, representativeGender: null });
  });

  it('an association registers a tourism product only: no other sector is offered, and none is accepted', async () => {
    const userId = uniqueId('association');
    const kind = await driver.play(userId, ['menu', '1', 'hiep hoi', 'Hội Du lịch cộng đồng Tân Phú']);
    expect(last(kind)).toBe(`${translate('vi', 'profile.associationTaxCode.prompt')}\n${translate('vi', 'flow.ask.optional')}`);
    await driver.play(userId, ['bỏ qua', 'Lê Văn Tâm', 'Chủ tịch hội', 'bỏ qua', 'bỏ qua', 'bỏ qua', '0912345678', 'bỏ qua', 'Ấp 3', 'tan phu dong nai', 'Đồng ý']);
    // Tourism is the one sector open to it, with one group and one set: taken without asking.
    const idea = await driver.play(userId, ['2', 'Homestay Rừng Tràm Tân Phú']);
    expect(idea.join('\n')).not.toContain('Sản phẩm thuộc ngành nào?');
    expect(last(idea)).toBe(translate('vi', 'idea.description.prompt'));
    await driver.play(userId, ['Nhà sàn nghỉ đêm giữa rừng tràm, có bữa ăn địa phương.', 'Đi xuồng trong rừng tràm.', 'Nông sản của ấp', 'Có, toàn bộ', '6', '2.000 khách/năm', 'Không có bao bì', 'Khách trong tỉnh', 'bỏ qua', 'Sản phẩm mới', 'Đồng ý']);
    expect(await db.productIdea.findFirstOrThrow({ where: { producer: { zaloUserId: userId } } })).toMatchObject({ sectorCode: 'tourism', setCode: 'tourism' });
    // An idea for another sector (drafted before the kind changed) is refused when submitted.
    const refused = await db.$transaction((tx) =>
      submitProductIdea(
        {
          tx,
          userId,
          locale: 'vi',
          translate,
          now: clock.now,
          messageId: undefined,
          answers: { productName: 'Mật ong', sector: 'food', group: 'rawFood', set: 'honeyRawOther', ideaKind: 'new_product', description: 'Mật ong rừng tràm.', specialty: 'Rừng tràm', rawMaterials: 'Mật ong', rawMaterialsLocal: 'all', localWorkers: 3, output: '1 tấn', packaging: 'Chai', market: 'Tỉnh' },
        },
        conversation.setup.ruleSets,
      ),
    );
    expect(refused.reply).toEqual([{ kind: 'text', text: translate('vi', 'profile.kind.tourismOnly') }]);
    expect(await db.productIdea.count({ where: { producer: { zaloUserId: userId } } })).toBe(1);
  });
});

describe('conversations over time', () => {
  it('resumes at the same question after a process restart, and asks first after five days away', async () => {
    const userId = uniqueId('resume');
    await driver.play(userId, ['menu', '1', ...profileVi.slice(0, 3)]);
    // A restart: everything in memory is rebuilt from files and Postgres.
    conversation = await loadProjectConversation(db);
    const next = await driver.say(userId, 'Trần Văn Bình');
    expect(last(next)).toBe(translate('vi', 'profile.position.prompt'));

    clock.now = new Date(clock.now.getTime() + 5 * 24 * 3600_000);
    const later = await driver.say(userId, 'Chủ nhiệm');
    expect(later).toEqual(['Bạn đang làm dở “Hồ sơ chủ thể” (đã trả lời 4 câu). Bạn muốn tiếp tục hay làm lại từ đầu?\n[Tiếp tục]\n[Làm lại]']);
    const resumed = await driver.say(userId, 'Tiếp tục');
    expect(resumed).toEqual([`Mình tiếp tục “Hồ sơ chủ thể” nhé.\n\n${translate('vi', 'profile.position.prompt')}`]);
    expect((await driver.say(userId, 'Chủ nhiệm')).join('\n')).toContain(translate('vi', 'profile.gender.prompt'));

    clock.now = new Date(clock.now.getTime() + 5 * 24 * 3600_000);
    await driver.say(userId, 'xin chào');
    const restarted = await driver.say(userId, 'làm lại');
    expect(restarted.join('\n')).toContain(translate('vi', 'profile.intro'));
    expect(last(restarted)).toContain('Cơ sở của bạn thuộc loại nào?');
  });

  it('"menu" sets a flow aside; another choice asks before dropping it; "tiếp tục" comes back to it', async () => {
    const userId = uniqueId('aside');
    await driver.play(userId, ['menu', '1', ...profileVi.slice(0, 2)]);
    const menu = await driver.say(userId, 'menu');
    expect(menu[0]).toContain('Phần “Hồ sơ chủ thể” bạn đang làm dở vẫn được giữ');
    const other = await driver.say(userId, '6');
    expect(other).toEqual(['Bạn đang làm dở “Hồ sơ chủ thể” (đã trả lời 2 câu). Tiếp tục phần đó, hay bỏ đi để bắt đầu “Gặp cán bộ”?\n[Tiếp tục]\n[Bắt đầu mục mới]']);
    const back = await driver.say(userId, 'tiep tuc');
    expect(last(back)).toContain(translate('vi', 'profile.taxCode.prompt'));
  });

  it('two messages in the same millisecond are both answered, in the order they arrived', async () => {
    const userId = uniqueId('same-ms');
    await driver.play(userId, ['menu', '1', 'hop tac xa']);
    const at = clock.now.getTime();
    const deps = inboundDeps(db, conversation, clock);
    const rows = await Promise.all(
      ['HTX Sen Hồng', '0101234565'].map((text, i) => {
        const event = textEvent({ appId: 'test-app', userId, text, timestamp: at, msgId: `same-ms-${userId}-${i}` });
        return db.inboundEvent.create({ data: { eventKey: `msg:${event.message.msg_id}`, eventName: event.event_name, userId, zaloTimestamp: new Date(at), receivedAt: new Date(at), payload: event } });
      }),
    );
    await Promise.all(rows.map((row) => handleInboundEvent(deps, row.id, async () => undefined)));
    const session = await db.conversationSession.findUniqueOrThrow({ where: { userId } });
    expect(session.stepId).toBe('representative');
    expect(JSON.stringify(session.state)).toContain('"producerName":"HTX Sen Hồng"');
    const replies = await db.outboundMessage.findMany({ where: { recipient: userId, causeEventId: { in: rows.map((r) => r.id) } }, orderBy: { id: 'asc' } });
    expect(replies.map((r) => r.causeEventId)).toEqual(rows.map((r) => r.id));
  });

  it('a deploy that changes a flow keeps the answers that still fit and asks only what is left', async () => {
    const userId = uniqueId('deploy');
    const atMarket = uniqueId('deploy');
    await driver.play(userId, ['menu', '2', ...profileVi, ...ideaVi.slice(0, 9)]); // next: output
    await driver.play(atMarket, ['menu', '2', ...profileVi, ...ideaVi.slice(0, 11)]); // next: market

    // Version 2 of the idea flow drops the output and packaging questions.
    const dir = await mkdtemp(join(tmpdir(), 'flows-'));
    try {
      await cp(join(projectDir, 'flows'), dir, { recursive: true });
      const file = join(dir, 'product-idea.yaml');
      const changed = (await readFile(file, 'utf8'))
        .replace('version: 1', 'version: 2')
        .replace(/  - id: output\n[\s\S]*?  - id: market\n/, '  - id: market\n')
        .replace('    next: output\n', '    next: market\n')
        .replace(/      - \{ field: (output|packaging), .*\n/g, '');
      await writeFile(file, changed);
      conversation = await loadProjectConversation(db, translate, dir);

      const moved = await driver.say(userId, 'Bán ở chợ huyện');
      expect(moved[0]).toBe(`Mẫu khai “Đăng ký ý tưởng sản phẩm” vừa được cập nhật. Những câu bạn đã trả lời vẫn được giữ; mình hỏi tiếp phần còn lại.\n\n${translate('vi', 'idea.market.prompt')}`);
      const same = await driver.say(atMarket, 'Khách du lịch');
      expect(last(same)).toContain(translate('vi', 'idea.support.prompt'));
      const session = await db.conversationSession.findUniqueOrThrow({ where: { userId: atMarket } });
      expect(session.flowVersion).toBe(2);
      expect(JSON.stringify(session.state)).not.toContain('"packaging"');
      expect(JSON.stringify(session.state)).toContain('"productName":"Mật ong rừng Tân Phú"');
    } finally {
      conversation = await loadProjectConversation(db);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
