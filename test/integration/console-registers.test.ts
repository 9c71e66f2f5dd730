import ExcelJS from 'exceljs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedConversation } from '../../src/bot/conversation-setup.js';
import { createDatabase } from '../../src/db/database.js';
import { outgoingMessageSchema } from '../../src/outbound/outgoing-message.js';
import { startConsoleApp } from '../helpers/admin-app.js';
import { inboundDeps, loadProjectConversation, translate } from '../helpers/conversation-harness.js';
import { linkedUser } from '../helpers/notify-fixtures.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig, testDatabaseUrl } from '../helpers/test-env.js';
import { createTranscriptDriver } from '../helpers/transcript-driver.js';

// The console's registers: the certified products of the official's region (with their
// import and export) and the reminders planned in it, with the region rules of the admin API.

const db = createDatabase({ databaseUrl: testDatabaseUrl, poolSize: 5 });
const redis = new Redis(testConfig().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
// Wednesday 2 December 2026, 09:00 in Vietnam.
const start = new Date('2026-12-02T02:00:00Z');
const clock = { now: start };
let conversation: LoadedConversation;
let base: string;
let close: () => Promise<void>;
const driver = createTranscriptDriver(db, () => inboundDeps(db, conversation, clock));
const ids: Record<string, bigint> = {};
const t = (key: string, vars?: Record<string, string>) => translate('vi', key, vars);

/** A request as a browser sends it: the cookie it holds, no redirect followed. */
async function browse(path: string, options: { cookie?: string; form?: Record<string, string> } = {}) {
  const response = await fetch(`${base}${path}`, {
    method: options.form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: { ...(options.cookie ? { cookie: options.cookie } : {}), ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(options.form ? { body: new URLSearchParams(options.form).toString() } : {}),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A form with a file, as the browser sends it. */
async function upload(path: string, cookie: string, fields: Record<string, string>, file?: { bytes: Uint8Array; name: string; type: string }) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file) form.append('file', new Blob([file.bytes], { type: file.type }), file.name);
  const response = await fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie }, body: form });
  return { status: response.status, location: response.headers.get('location'), text: await response.text() };
}

/** Signs in as the console's officials do: "đăng nhập" in the chat, then the link it answers. */
async function signIn(zaloUserId: string): Promise<string> {
  await driver.say(zaloUserId, 'đăng nhập');
  const row = await db.outboundMessage.findFirstOrThrow({ where: { recipient: zaloUserId }, orderBy: { id: 'desc' } });
  const message = outgoingMessageSchema.parse(row.payload);
  const button = message.kind === 'text' ? message.buttons?.[0]?.action : undefined;
  if (button?.kind !== 'url') throw new Error('expected a sign-in link');
  const opened = await browse(new URL(button.url).pathname);
  expect(opened.status).toBe(303);
  return opened.headers.getSetCookie().find((c) => c.startsWith('ocop_console='))?.split(';')[0] ?? '';
}

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
/** The page's text as read: tags dropped, entities and spaces as a reader sees them. */
const textOf = (page: string) =>
  page
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  conversation = await loadProjectConversation(db);
  const started = await startConsoleApp({ db, redis, now: () => clock.now, conversation });
  base = started.base;
  close = started.close;
});

beforeEach(async () => {
  clock.now = start;
  await db.$executeRawUnsafe(
    'TRUNCATE console_session, console_sign_in, official_action, notification, notification_event, campaign_deadline, certified_product, official, product_idea, producer, outbound_message, zalo_user, conversation_session, inbound_event RESTART IDENTITY CASCADE',
  );
  const officials = [
    ['commune', 'commune', '75', '26116'],
    ['other', 'commune', '75', '26020'],
    ['province', 'province', '75', null],
    ['secretary', 'secretary', '75', null],
    ['hanoi', 'province', '01', null],
  ] as const;
  for (const [key, role, provinceCode, communeCode] of officials) {
    const official = await db.official.create({ data: { name: `Cán bộ ${key}`, role, provinceCode, communeCode, zaloUserId: `zu-${key}`, linkedAt: clock.now } });
    await linkedUser(db, `zu-${key}`, clock.now);
    ids[key] = official.id;
  }
});

afterAll(async () => {
  await close();
  redis.disconnect();
  conversation.stop();
  await db.$disconnect();
});

/** A certificate as the import stores it. */
function certificate(productName: string, values: { communeCode?: string; provinceCode?: string; stars?: number; certifiedOn: string; expiresOn: string; ruleSet?: string; certificateNumber?: string }) {
  return db.certifiedProduct.create({
    data: {
      provinceCode: values.provinceCode ?? '75',
      communeCode: values.communeCode ?? '26116',
      productName,
      producerName: `HTX ${productName}`,
      producerPhone: '84912345678',
      stars: values.stars ?? 4,
      certificateNumber: values.certificateNumber ?? null,
      certifiedOn: values.certifiedOn,
      expiresOn: values.expiresOn,
      ruleSet: values.ruleSet ?? 'qd-1489-2025',
      importedBy: 'Sở NN&MT',
      createdAt: new Date('2026-06-01T02:00:00Z'),
    },
  });
}

async function someCertificates() {
  // Under the rules in force (QĐ 26/2026): the window opens 180 days before expiry and closes 120 days before it.
  ids.open = (await certificate('Mật ong Tân Phú', { certifiedOn: '2024-05-01', expiresOn: '2027-05-01', certificateNumber: '12/QĐ-UBND' })).id;
  ids.later = (await certificate('Trà Long Bình', { communeCode: '26020', stars: 3, certifiedOn: '2025-08-15', expiresOn: '2028-08-15' })).id;
  // Its window had closed when QĐ 26/2026 came into force: it may still file, valid 180 days past expiry.
  ids.late = (await certificate('Hạt điều Tân Phú', { stars: 5, certifiedOn: '2023-08-01', expiresOn: '2026-08-01', ruleSet: 'qd-148-2023' })).id;
  ids.hanoi = (await certificate('Bánh cốm Hà Nội', { provinceCode: '01', communeCode: '00004', certifiedOn: '2024-01-10', expiresOn: '2027-01-10' })).id;
}

describe('certified products', () => {
  it('lists the region’s register, nearest expiry first, with where each stands against re-ranking; another region’s stays hidden, also by a guessed commune', async () => {
    await someCertificates();
    const province = await signIn('zu-province');
    const page = textOf((await browse('/console/certified', { cookie: province })).text);
    expect(page).toContain(t('console.certified.title'));
    const order = ['Hạt điều Tân Phú', 'Mật ong Tân Phú', 'Trà Long Bình'].map((name) => page.indexOf(name));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] ?? 0)))).toBe(true);
    expect(page).not.toContain('Bánh cốm Hà Nội');
    expect(page).toContain(t('console.certified.certificate', { number: '12/QĐ-UBND', date: '01/05/2024' }));
    expect(page).toContain(`${t('console.certified.expires', { date: '01/05/2027' })}`);
    expect(page).toContain(t('console.certified.standing.open', { closes: '01/01/2027' }));
    expect(page).toContain(t('console.certified.standing.notYet', { opens: '17/02/2028' }));
    expect(page).toContain(t('console.certified.standing.late', { validUntil: '28/01/2027' }));
    // 5★ are certified by the central level, 4★ by the province.
    expect(page).toContain(t('notify.level.central'));
    expect(page).toContain(t('notify.level.province'));

    // Filters: stars, expiry within months, and the commune for the province.
    const fourStars = textOf((await browse('/console/certified?stars=4', { cookie: province })).text);
    expect(fourStars).toContain('Mật ong Tân Phú');
    expect(fourStars).not.toContain('Trà Long Bình');
    const soon = textOf((await browse('/console/certified?expiry=m6', { cookie: province })).text);
    expect(soon).toContain('Mật ong Tân Phú');
    expect(soon).not.toContain('Trà Long Bình');
    expect(soon).not.toContain('Hạt điều Tân Phú');
    expect(textOf((await browse('/console/certified?expiry=expired', { cookie: province })).text)).toContain('Hạt điều Tân Phú');
    const longBinh = textOf((await browse('/console/certified?commune=26020', { cookie: province })).text);
    expect(longBinh).toContain('Trà Long Bình');
    expect(longBinh).not.toContain('Mật ong Tân Phú');
    // Hà Nội's commune asked for by address: nothing of it shows.
    const guessed = textOf((await browse('/console/certified?commune=00004', { cookie: province })).text);
    expect(guessed).not.toContain('Bánh cốm Hà Nội');
    expect(guessed).toContain(t('console.certified.none'));

    // A commune official sees their commune only, and has no import form.
    const commune = await browse('/console/certified', { cookie: await signIn('zu-commune') });
    expect(textOf(commune.text)).toContain('Mật ong Tân Phú');
    expect(textOf(commune.text)).not.toContain('Trà Long Bình');
    expect(commune.text).not.toContain('/console/certified/import');
    // A secretary reads the province's register.
    expect(textOf((await browse('/console/certified', { cookie: await signIn('zu-secretary') })).text)).toContain('Trà Long Bình');
  });

  it('exports the list as .xlsx with Vietnamese headings and dd/mm/yyyy dates, which imports again unchanged', async () => {
    await someCertificates();
    const province = await signIn('zu-province');
    const response = await fetch(`${base}/console/certified.xlsx`, { headers: { cookie: province } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('spreadsheetml');
    const bytes = new Uint8Array(await response.arrayBuffer());
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes.slice().buffer);
    const sheet = workbook.worksheets[0];
    const rows = (sheet?.getSheetValues() ?? []).filter(Array.isArray).map((row) => row.slice(1));
    expect(rows[0]).toEqual(['Tên sản phẩm', 'Chủ thể', 'Số điện thoại', 'Mã xã', 'Xã, phường', 'Số sao', 'Cấp công nhận', 'Số giấy chứng nhận', 'Ngày chứng nhận', 'Ngày hết hạn', 'Đánh giá lại', 'Bộ tiêu chí']);
    expect(rows.slice(1).map((row) => [row[0], row[3], row[8], row[9]])).toEqual([
      ['Hạt điều Tân Phú', '26116', '01/08/2023', '01/08/2026'],
      ['Mật ong Tân Phú', '26116', '01/05/2024', '01/05/2027'],
      ['Trà Long Bình', '26020', '15/08/2025', '15/08/2028'],
    ]);
    expect(rows[2]?.[10]).toBe(t('console.certified.standing.open', { closes: '01/01/2027' }));

    // The export's headings are the import's: sent back as it is, it changes nothing.
    const page = (await browse('/console/certified', { cookie: province })).text;
    const again = await upload('/console/certified/import', province, { _csrf: csrfOf(page) }, { bytes, name: 'san-pham.xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    expect(again.status).toBe(303);
    expect(again.location).toBe('/console/certified?imported=0&updated=0&unchanged=3');
    expect(await db.certifiedProduct.count()).toBe(4);
  });

  describe('import', () => {
    const csv = ['Tên sản phẩm;Chủ thể;Số điện thoại;Mã xã;Số sao;Số giấy chứng nhận;Ngày chứng nhận', 'Mật ong rừng;HTX Tân Phú;0912 345 678;26116;4;123/QĐ-UBND;29/02/2024', 'Trà xanh;Hộ Nguyễn Văn An;;26179;3 sao;;15/08/2025', ''].join('\n');

    /** An .xlsx workbook as a spreadsheet saves one, built with exceljs: dates as date cells, the commune code as a number. */
    async function workbookOf(rows: unknown[][]): Promise<Uint8Array> {
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('Danh sách');
      sheet.addRow(['STT', 'Tên sản phẩm', 'Chủ thể', 'Mã xã', 'Số sao', 'Ngày chứng nhận', 'Ngày hết hạn']);
      for (const row of rows) sheet.addRow(row);
      return new Uint8Array(await workbook.xlsx.writeBuffer());
    }
    const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

    it('the province imports a CSV file, all or nothing, and the page says how many were added', async () => {
      const province = await signIn('zu-province');
      const csrf = csrfOf((await browse('/console/certified', { cookie: province })).text);
      const done = await upload('/console/certified/import', province, { _csrf: csrf }, { bytes: Buffer.from(csv), name: 'ds.csv', type: 'text/csv' });
      expect(done.status).toBe(303);
      expect(done.location).toBe('/console/certified?imported=2&updated=0&unchanged=0');
      const page = textOf((await browse(done.location ?? '', { cookie: province })).text);
      expect(page).toContain(t('console.certified.imported', { created: '2', updated: '0', unchanged: '0' }));
      expect(page).toContain('Mật ong rừng');
      expect(await db.certifiedProduct.findFirstOrThrow({ where: { productName: 'Mật ong rừng' } })).toMatchObject({ provinceCode: '75', expiresOn: '2027-02-28', importedBy: 'Cán bộ province', producerPhone: '84912345678' });
    });

    it('reads an .xlsx workbook into the same rows; a workbook with bad rows names each line in Vietnamese and keeps nothing', async () => {
      const province = await signIn('zu-province');
      const csrf = csrfOf((await browse('/console/certified', { cookie: province })).text);
      const good = await workbookOf([
        [1, 'Cà phê Tân An', 'HTX Cà phê', 26179, 4, new Date(Date.UTC(2025, 4, 22)), null],
        [2, 'Mật ong Tân Phú', 'HTX Tân Phú', '26116', '5 sao', '10/06/2023', '10/06/2026'],
      ]);
      const done = await upload('/console/certified/import', province, { _csrf: csrf }, { bytes: good, name: 'ds.xlsx', type: xlsxType });
      expect(done.location).toBe('/console/certified?imported=2&updated=0&unchanged=0');
      expect(await db.certifiedProduct.findMany({ orderBy: { id: 'asc' }, select: { productName: true, communeCode: true, stars: true, certifiedOn: true, expiresOn: true } })).toEqual([
        { productName: 'Cà phê Tân An', communeCode: '26179', stars: 4, certifiedOn: '2025-05-22', expiresOn: '2028-05-22' },
        { productName: 'Mật ong Tân Phú', communeCode: '26116', stars: 5, certifiedOn: '2023-06-10', expiresOn: '2026-06-10' },
      ]);

      const bad = await workbookOf([
        [1, 'Trà Long Bình', 'HTX Trà', 26020, 4, new Date(Date.UTC(2025, 0, 5)), null],
        [2, 'Bánh cốm', 'Hộ Lê Văn Cốm', 4, 7, '31/02/2024', null],
        [3, '', 'HTX Không Tên', 26116, 3, new Date(Date.UTC(2024, 2, 1)), null],
      ]);
      const refused = await upload('/console/certified/import', province, { _csrf: csrf }, { bytes: bad, name: 'sai.xlsx', type: xlsxType });
      expect(refused.status).toBe(422);
      const text = textOf(refused.text);
      expect(text).toContain(t('console.certified.refused', { lines: '2' }));
      expect(text).toContain(t('console.certified.line', { line: '3', problem: t('console.certified.problem.stars', { value: '7' }) }));
      expect(text).toContain(t('console.certified.line', { line: '3', problem: t('console.certified.problem.date', { column: 'Ngày chứng nhận', value: '31/02/2024', reason: t('console.certified.reason.date.notReal') }) }));
      // "4" lost its zeros in the spreadsheet: 00004 is Ba Đình, in Hà Nội.
      expect(text).toContain(t('console.certified.line', { line: '3', problem: t('console.certified.problem.communeElsewhere', { commune: '00004', province: '01', expected: '75' }) }));
      expect(text).toContain(t('console.certified.line', { line: '4', problem: t('console.certified.problem.nameEmpty', { column: 'Tên sản phẩm' }) }));
      // Line 2 was right, and is not kept either.
      expect(await db.certifiedProduct.count()).toBe(2);

      const notAWorkbook = await upload('/console/certified/import', province, { _csrf: csrf }, { bytes: Buffer.from('PK\u0003\u0004 not a zip'), name: 'hong.xlsx', type: xlsxType });
      expect(notAWorkbook.status).toBe(422);
      expect(textOf(notAWorkbook.text)).toContain(t('console.certified.problem.notWorkbook'));
    });

    it('refuses a commune official, a secretary, a wrong form token and a file over the limit, keeping nothing', async () => {
      const file = { bytes: Buffer.from(csv), name: 'ds.csv', type: 'text/csv' };
      for (const who of ['zu-commune', 'zu-secretary']) {
        const cookie = await signIn(who);
        const csrf = csrfOf((await browse('/console/certified', { cookie })).text);
        expect((await upload('/console/certified/import', cookie, { _csrf: csrf }, file)).status).toBe(404);
      }
      const province = await signIn('zu-province');
      expect((await upload('/console/certified/import', province, { _csrf: 'x'.repeat(43) }, file)).status).toBe(403);
      const csrf = csrfOf((await browse('/console/certified', { cookie: province })).text);
      const large = await upload('/console/certified/import', province, { _csrf: csrf }, { bytes: Buffer.alloc(4 * 1024 * 1024 + 1, 0x41), name: 'lon.csv', type: 'text/csv' });
      expect(large.status).toBe(413);
      expect(textOf(large.text)).toContain(t('console.certified.tooLarge', { mb: '4' }));
      expect(await db.certifiedProduct.count()).toBe(0);
    });
  });
});
