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

/** The text of a page's list, without its filters (which name every kind and state). */
const listOf = (page: string) => textOf(/<ul class="cards">[\s\S]*?<\/ul>/.exec(page)?.[0] ?? '');

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

describe('reminders', () => {
  /** A notification as the planner writes it, with its "planned" event. */
  async function reminder(key: string, values: { kind: string; communeCode: string | null; provinceCode?: string; recipientKind?: 'producer' | 'official'; recipientId: bigint; productIdeaId?: bigint; deadline?: Date; sendAt: Date; state?: 'planned' | 'sent' | 'done'; level?: number; parentKey?: string }) {
    const row = await db.notification.create({
      data: {
        key,
        kind: values.kind,
        recipientKind: values.recipientKind ?? 'producer',
        recipientId: values.recipientId,
        provinceCode: values.provinceCode ?? '75',
        communeCode: values.communeCode,
        productIdeaId: values.productIdeaId ?? null,
        deadline: values.deadline ?? null,
        dueAt: values.sendAt,
        sendAt: values.sendAt,
        routine: true,
        vars: {},
        state: values.state ?? 'planned',
        level: values.level ?? 0,
        parentKey: values.parentKey ?? null,
        createdAt: start,
      },
    });
    await db.notificationEvent.create({ data: { notificationId: row.id, action: 'planned', actor: 'system', at: start } });
    return row;
  }

  async function someReminders() {
    const producer = await db.producer.create({ data: { zaloUserId: 'zu-producer', kind: 'cooperative', name: 'HTX Mật ong Tân Phú', representative: 'Nguyễn Văn An', position: 'Giám đốc', phone: '84912000001', address: 'Ấp 1', communeCode: '26116' } });
    const idea = await db.productIdea.create({
      data: { producerId: producer.id, communeCode: '26116', provinceCode: '75', year: 2026, sequence: 1, receiptNumber: '1/PĐK-75-26116-2026', ruleSet: 'qd-26-2026', productName: 'Mật ong rừng', sectorCode: 'food', groupCode: 'rawFood', setCode: 'honeyRawOther', kind: 'new_product', details: {}, status: 'accepted', submittedAt: start },
    });
    // Thursday 3 December, 08:00 in Vietnam; the task's deadline Friday 11 December, 23:59.
    ids.tanPhu = (await reminder('idea.businessPlanPending:1', { kind: 'idea.businessPlanPending', communeCode: '26116', recipientId: producer.id, productIdeaId: idea.id, sendAt: new Date('2026-12-03T01:00:00Z'), deadline: new Date('2026-12-11T16:59:00Z') })).id;
    ids.longBinh = (await reminder('dossier.checkDue:2', { kind: 'dossier.checkDue', communeCode: '26020', recipientKind: 'official', recipientId: ids.other ?? 0n, sendAt: new Date('2026-12-04T01:00:00Z') })).id;
    ids.province = (await reminder('province.roundClose:75', { kind: 'province.roundClose', communeCode: null, recipientKind: 'official', recipientId: ids.province ?? 0n, sendAt: new Date('2026-12-07T01:00:00Z'), state: 'sent' })).id;
    ids.hanoiReminder = (await reminder('province.roundClose:01', { kind: 'province.roundClose', communeCode: null, provinceCode: '01', recipientKind: 'official', recipientId: ids.hanoi ?? 0n, sendAt: new Date('2026-12-07T01:00:00Z') })).id;
  }

  it('lists what goes to whom and why in the official’s region only; another region’s reminder is 404 by address, to read or to change', async () => {
    await someReminders();
    const commune = await signIn('zu-commune');
    const page = listOf((await browse('/console/reminders', { cookie: commune })).text);
    expect(page).toContain(t('console.reminders.kind.idea.businessPlanPending'));
    expect(page).toContain('HTX Mật ong Tân Phú · Chủ thể');
    expect(page).toContain('Mật ong rừng · 1/PĐK-75-26116-2026');
    expect(page).toContain(t('console.reminders.sendsAt', { time: '03/12/2026 08:00' }));
    expect(page).toContain(t('console.reminders.deadline', { time: '11/12/2026 23:59' }));
    expect(page).not.toContain(t('console.reminders.kind.dossier.checkDue'));
    expect(page).not.toContain(t('console.reminders.kind.province.roundClose'));

    const province = listOf((await browse('/console/reminders', { cookie: await signIn('zu-province') })).text);
    expect(province).toContain(t('console.reminders.kind.idea.businessPlanPending'));
    expect(province).toContain(`Cán bộ other · ${t('official.role.commune')}`);
    expect(province).toContain(`Cán bộ province · ${t('official.role.province')}`);
    // Hà Nội's is not the province's: one round-closing reminder shows, Đồng Nai's.
    expect(province.split(t('console.reminders.kind.province.roundClose')).length - 1).toBe(1);
    const sent = listOf((await browse('/console/reminders?state=sent', { cookie: await signIn('zu-province') })).text);
    expect(sent).toContain(t('console.reminders.kind.province.roundClose'));
    expect(sent).not.toContain(t('console.reminders.kind.idea.businessPlanPending'));
    const byKind = listOf((await browse('/console/reminders?kind=dossier.checkDue', { cookie: await signIn('zu-province') })).text);
    expect(byKind).toContain('Cán bộ other');
    expect(byKind).not.toContain('HTX Mật ong Tân Phú');

    // The commune official guesses the other commune's and the province's ids.
    for (const id of [ids.longBinh, ids.province, ids.hanoiReminder]) {
      expect((await browse(`/console/reminders/${id}`, { cookie: commune })).status).toBe(404);
    }
    const csrf = csrfOf((await browse('/console/reminders', { cookie: commune })).text);
    expect((await browse(`/console/reminders/${ids.longBinh}/cancel`, { cookie: commune, form: { _csrf: csrf } })).status).toBe(404);
    expect((await browse(`/console/reminders/${ids.longBinh}/snooze`, { cookie: commune, form: { _csrf: csrf, date: '2026-12-08', time: '09:00' } })).status).toBe(404);
    expect(await db.notification.findUniqueOrThrow({ where: { id: ids.longBinh! } })).toMatchObject({ state: 'planned', snoozeCount: 0 });
  });

  it('cancels a reminder with the page’s form token, records who in its history, and says so when it is already closed', async () => {
    await someReminders();
    const commune = await signIn('zu-commune');
    const page = (await browse(`/console/reminders/${ids.tanPhu}`, { cookie: commune })).text;
    expect(textOf(page)).toContain(t('console.reminders.step.planned'));
    expect((await browse(`/console/reminders/${ids.tanPhu}/cancel`, { cookie: commune, form: { _csrf: 'x'.repeat(43) } })).status).toBe(403);
    expect((await db.notification.findUniqueOrThrow({ where: { id: ids.tanPhu! } })).state).toBe('planned');

    const cancelled = await browse(`/console/reminders/${ids.tanPhu}/cancel`, { cookie: commune, form: { _csrf: csrfOf(page) } });
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.get('location')).toBe(`/console/reminders/${ids.tanPhu}?ok=reminderCancelled`);
    expect(await db.notification.findUniqueOrThrow({ where: { id: ids.tanPhu! } })).toMatchObject({ state: 'cancelled', closedAt: start });
    expect(await db.notificationEvent.findFirstOrThrow({ where: { notificationId: ids.tanPhu!, action: 'cancelled' } })).toMatchObject({ actor: 'admin:Cán bộ commune' });
    const after = textOf((await browse(cancelled.headers.get('location') ?? '', { cookie: commune })).text);
    expect(after).toContain(t('console.flash.reminderCancelled'));
    expect(after).toContain(`${t('console.reminders.step.cancelled')} 02/12/2026 09:00 · Cán bộ commune`);
    const again = await browse(`/console/reminders/${ids.tanPhu}/cancel`, { cookie: commune, form: { _csrf: csrfOf(page) } });
    expect(again.headers.get('location')).toBe(`/console/reminders/${ids.tanPhu}?error=reminderClosed`);
  });

  it('snoozes a reminder to a time out of quiet hours and on a working day; a time already past is refused; a secretary only reads', async () => {
    await someReminders();
    const province = await signIn('zu-province');
    const csrf = csrfOf((await browse(`/console/reminders/${ids.province}`, { cookie: province })).text);
    const past = await browse(`/console/reminders/${ids.province}/snooze`, { cookie: province, form: { _csrf: csrf, date: '2026-12-01', time: '10:00' } });
    expect(past.headers.get('location')).toBe(`/console/reminders/${ids.province}?error=snoozeInvalid`);
    // Saturday 5 December 10:00: a routine reminder goes on Monday 7 December at 08:00.
    const moved = await browse(`/console/reminders/${ids.province}/snooze`, { cookie: province, form: { _csrf: csrf, date: '2026-12-05', time: '10:00' } });
    expect(moved.headers.get('location')).toBe(`/console/reminders/${ids.province}?ok=reminderSnoozed`);
    expect(await db.notification.findUniqueOrThrow({ where: { id: ids.province! } })).toMatchObject({ state: 'planned', sendAt: new Date('2026-12-07T01:00:00Z'), snoozeCount: 1 });
    expect(textOf((await browse(`/console/reminders/${ids.province}`, { cookie: province })).text)).toContain(t('console.reminders.snoozedTimes', { count: '1' }));

    const secretary = await signIn('zu-secretary');
    const read = await browse(`/console/reminders/${ids.province}`, { cookie: secretary });
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(`/console/reminders/${ids.province}/cancel`);
    expect((await browse(`/console/reminders/${ids.province}/cancel`, { cookie: secretary, form: { _csrf: csrfOf(read.text) } })).status).toBe(404);
    expect((await db.notification.findUniqueOrThrow({ where: { id: ids.province! } })).state).toBe('planned');
  });

  it('campaign deadlines: the province sets one for a commune and cancels it; a date past and another province’s deadline are refused', async () => {
    const province = await signIn('zu-province');
    const page = (await browse('/console/reminders/deadlines', { cookie: province })).text;
    const csrf = csrfOf(page);
    const form = { _csrf: csrf, title: 'Báo cáo 6 tháng', dueDate: '2026-12-31', audience: 'commune', days: '5, 1', commune: '26116' };
    const created = await browse('/console/reminders/deadlines', { cookie: province, form });
    expect(created.headers.get('location')).toBe('/console/reminders/deadlines?ok=deadlineCreated');
    const deadline = await db.campaignDeadline.findFirstOrThrow();
    expect(deadline).toMatchObject({ provinceCode: '75', communeCode: '26116', title: 'Báo cáo 6 tháng', dueDate: '2026-12-31', audience: ['commune'], remindWorkingDaysBefore: [5, 1], createdBy: 'Cán bộ province' });
    expect((await browse('/console/reminders/deadlines', { cookie: province, form: { ...form, dueDate: '2026-12-01' } })).headers.get('location')).toBe('/console/reminders/deadlines?error=deadlineInPast');
    expect((await browse('/console/reminders/deadlines', { cookie: province, form: { ...form, days: 'sáu' } })).headers.get('location')).toBe('/console/reminders/deadlines?error=deadlineInvalid');

    // The commune sees it; the other commune does not.
    const commune = await signIn('zu-commune');
    const seen = textOf((await browse('/console/reminders/deadlines', { cookie: commune })).text);
    expect(seen).toContain('Báo cáo 6 tháng');
    expect(seen).toContain(t('console.deadlines.due', { date: '31/12/2026' }));
    expect(textOf((await browse('/console/reminders/deadlines', { cookie: await signIn('zu-other') })).text)).not.toContain('Báo cáo 6 tháng');

    // Hà Nội's province official guesses its id.
    const hanoi = await signIn('zu-hanoi');
    const hanoiCsrf = csrfOf((await browse('/console/reminders/deadlines', { cookie: hanoi })).text);
    expect((await browse(`/console/reminders/deadlines/${deadline.id}/cancel`, { cookie: hanoi, form: { _csrf: hanoiCsrf } })).status).toBe(404);

    const cancelled = await browse(`/console/reminders/deadlines/${deadline.id}/cancel`, { cookie: province, form: { _csrf: csrf } });
    expect(cancelled.headers.get('location')).toBe('/console/reminders/deadlines?ok=deadlineCancelled');
    expect((await db.campaignDeadline.findUniqueOrThrow({ where: { id: deadline.id } })).cancelledAt).toEqual(start);
    expect(textOf((await browse('/console/reminders/deadlines', { cookie: province })).text)).toContain(t('console.deadlines.cancelled', { date: '02/12/2026 09:00' }));
    expect((await browse(`/console/reminders/deadlines/${deadline.id}/cancel`, { cookie: province, form: { _csrf: csrf } })).headers.get('location')).toBe('/console/reminders/deadlines?error=deadlineAlreadyCancelled');
  });

  it('a commune official cannot cancel a province-wide deadline', async () => {
    const province = await signIn('zu-province');
    const csrf = csrfOf((await browse('/console/reminders/deadlines', { cookie: province })).text);
    await browse('/console/reminders/deadlines', { cookie: province, form: { _csrf: csrf, title: 'Rà soát sản phẩm', dueDate: '2027-01-15', audience: 'commune', days: '3', commune: '' } });
    const deadline = await db.campaignDeadline.findFirstOrThrow();
    expect(deadline.communeCode).toBeNull();
    const commune = await signIn('zu-commune');
    const page = (await browse('/console/reminders/deadlines', { cookie: commune })).text;
    expect(page).not.toContain(`/console/reminders/deadlines/${deadline.id}/cancel`);
    const refused = await browse(`/console/reminders/deadlines/${deadline.id}/cancel`, { cookie: commune, form: { _csrf: csrfOf(page) } });
    expect(refused.headers.get('location')).toBe('/console/reminders/deadlines?error=deadlineNotOwned');
    expect((await db.campaignDeadline.findUniqueOrThrow({ where: { id: deadline.id } })).cancelledAt).toBeNull();
  });
});
