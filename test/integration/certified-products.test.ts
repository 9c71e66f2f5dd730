import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApiToken } from '../../src/admin/api-tokens.js';
import { projectRoot } from '../../src/config/project-root.js';
import { createDatabase } from '../../src/db/database.js';
import { loadDictionaries } from '../../src/i18n/translator.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { importCertifiedProducts, readCertifiedProductsCsv, type CertifiedProductRow } from '../../src/notify/certified-products.js';
import { loadRuleSets } from '../../src/ocop/rule-sets.js';
import { runImportCertifiedProducts } from '../../tools/import-certified-products.js';
import { startAdminApp } from '../helpers/admin-app.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig } from '../helpers/test-env.js';

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
const redis = createRedisConnection(config.redisUrl, 'producer');
const ruleSets = loadRuleSets(join(projectRoot(), 'rules', 'rule-sets.yaml'), loadDictionaries(join(projectRoot(), 'locales')));
const fixture = join(projectRoot(), 'test', 'fixtures', 'certified-products.csv');
const now = new Date('2026-06-02T03:00:00.000Z');
let app: { base: string; close: () => Promise<void> };
let bareApp: { base: string; close: () => Promise<void> };
let tokens: { province: string; tanAn: string; secretary: string };
let honeyMakerId: bigint;

async function api(method: string, path: string, options: { token: string; csv?: Uint8Array; body?: unknown; contentType?: string; at?: string }) {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.csv !== undefined) headers['content-type'] = 'text/csv';
  if (options.contentType) headers['content-type'] = options.contentType;
  const body = options.csv ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${options.at ?? app.base}/admin/v1${path}`, { method, headers, body });
  return { status: response.status, body: await response.json() };
}

const listed = z.object({ certifiedProducts: z.array(z.looseObject({ productName: z.string(), communeCode: z.string(), expiresOn: z.string() })), nextAfter: z.string().nullable() });

async function stored() {
  const products = await db.certifiedProduct.findMany({ orderBy: { id: 'asc' } });
  return products.map(({ productName, producerName, producerPhone, producerId, communeCode, stars, certificateNumber, certifiedOn, expiresOn, ruleSet }) => ({
    productName,
    producerName,
    producerPhone,
    producerId,
    communeCode,
    stars,
    certificateNumber,
    certifiedOn,
    expiresOn,
    ruleSet,
  }));
}

// What test/fixtures/certified-products.csv holds, once imported into Đồng Nai.
function expectedFromFixture() {
  return [
    // 29/02/2024 + 36 months: February 2027 has no 29th. The rule set is the one of that date.
    { productName: 'Mật ong rừng Tân Phú', producerName: 'HTX Tân Phú', producerPhone: '84912345678', producerId: honeyMakerId, communeCode: '26116', stars: 4, certificateNumber: '123/QĐ-UBND', certifiedOn: '2024-02-29', expiresOn: '2027-02-28', ruleSet: 'qd-148-2023' },
    { productName: 'Trà xanh, loại đặc biệt', producerName: 'Hộ Nguyễn Văn An', producerPhone: null, producerId: null, communeCode: '26179', stars: 3, certificateNumber: null, certifiedOn: '2025-08-15', expiresOn: '2028-08-15', ruleSet: 'qd-1489-2025' },
    // Two producer profiles share this phone: neither is linked.
    { productName: 'Hạt điều rang muối', producerName: 'Công ty TNHH Điều Việt', producerPhone: '84987654321', producerId: null, communeCode: '26116', stars: 5, certificateNumber: 'GCN-05', certifiedOn: '2023-06-10', expiresOn: '2026-06-10', ruleSet: 'qd-148-2023' },
    { productName: 'Cà phê Tân An', producerName: 'HTX "Cà phê" Tân An', producerPhone: '84987654321', producerId: null, communeCode: '26179', stars: 4, certificateNumber: null, certifiedOn: '2026-05-22', expiresOn: '2029-05-22', ruleSet: 'qd-26-2026' },
  ];
}

async function addProducer(zaloUserId: string, phone: string, communeCode: string): Promise<bigint> {
  await db.zaloUser.create({ data: { id: zaloUserId, locale: 'vi' } });
  const producer = await db.producer.create({ data: { zaloUserId, kind: 'cooperative', name: zaloUserId, representative: 'Nguyễn Văn An', position: 'Giám đốc', phone, address: 'Ấp 1', communeCode } });
  return producer.id;
}

beforeAll(async () => {
  const admin = { translate: () => '', now: () => now, invitationTtlHours: 72, enqueueOutbound: async () => undefined };
  app = await startAdminApp({ db, redis, now: () => now, admin: { ...admin, ruleSets } });
  bareApp = await startAdminApp({ db, redis, now: () => now, admin });
});

beforeEach(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  honeyMakerId = await addProducer('zu-tan-phu', '84912345678', '26116');
  await addProducer('zu-dieu-1', '84987654321', '26116');
  await addProducer('zu-dieu-2', '84987654321', '26179');
  tokens = {
    province: (await createApiToken(db, { name: 'Văn phòng OCOP tỉnh Đồng Nai', role: 'province', provinceCode: '75' })).token,
    tanAn: (await createApiToken(db, { name: 'UBND xã Tân An', role: 'commune', provinceCode: '75', communeCode: '26179' })).token,
    secretary: (await createApiToken(db, { name: 'Thư ký hội đồng', role: 'secretary', provinceCode: '75' })).token,
  };
});

afterAll(async () => {
  await app.close();
  await bareApp.close();
  redis.disconnect();
  await db.$disconnect();
});

function row(line: number, overrides: Partial<CertifiedProductRow> = {}): CertifiedProductRow {
  return { line, productName: `Sản phẩm ${line}`, producerName: 'HTX Tân Phú', communeCode: '26116', stars: 4, certifiedOn: '01/03/2025', ...overrides };
}

describe('importCertifiedProducts', () => {
  it('imports the CSV file: Vietnamese headings, a BOM, quoted commas, computed expiry, rule set by date, producer linked by phone', async () => {
    const read = readCertifiedProductsCsv(await readFile(fixture));
    if (!read.ok) throw new Error(JSON.stringify(read.problems));
    expect(read.rows.map((r) => r.line)).toEqual([2, 3, 4, 5]);
    const outcome = await importCertifiedProducts(db, { provinceCode: '75', importedBy: 'Văn phòng OCOP tỉnh Đồng Nai', rows: read.rows, ruleSets, now });
    expect(outcome).toEqual({ ok: true, summary: { created: 4, updated: 0, unchanged: 0 } });
    expect(await stored()).toEqual(expectedFromFixture());

    const again = await importCertifiedProducts(db, { provinceCode: '75', importedBy: 'someone else', rows: read.rows, ruleSets, now });
    expect(again).toEqual({ ok: true, summary: { created: 0, updated: 0, unchanged: 4 } });
    expect(new Set((await db.certifiedProduct.findMany()).map((p) => p.importedBy))).toEqual(new Set(['Văn phòng OCOP tỉnh Đồng Nai']));
  });

  it('imports nothing when one row is wrong, and names every problem with its line', async () => {
    const rows = [
      row(2),
      row(3, { producerPhone: '0912 345', stars: '2', certifiedOn: '31/02/2024' }),
      row(4, { communeCode: '4', ruleSet: 'qd-999' }),
      row(5, { productName: ' ', certifiedOn: '2026-06-03' }),
      row(6, { certifiedOn: '01/03/2025', expiresOn: '2025-03-01' }),
      row(7, { productName: 'Sản phẩm 2' }),
      row(8, { communeCode: '99999', certifiedOn: '01/01/2020' }),
    ];
    const outcome = await importCertifiedProducts(db, { provinceCode: '75', importedBy: 'tỉnh', rows, ruleSets, now });
    // Each problem also carries a code and its values, which the console words in the official's language.
    expect(outcome).toMatchObject({
      ok: false,
      problems: [
        { line: 3, message: 'phone "0912 345" is not 10 digits, as a mobile number is', code: 'phone', vars: { value: '0912 345', reason: 'mobileLength' } },
        { line: 3, message: 'stars "2": a certificate has 3, 4 or 5 stars' },
        { line: 3, message: 'certified on "31/02/2024" is not a real date' },
        { line: 4, message: 'rule set "qd-999" is not one of qd-148-2023, qd-1489-2025, qd-26-2026' },
        { line: 5, message: 'the product name is empty' },
        { line: 5, message: 'certified on 2026-06-03 is after today (2026-06-02)' },
        { line: 6, message: 'expires on 2025-03-01 is not after certified on 2025-03-01' },
        { line: 7, message: 'the same product, producer and certification date as line 2' },
        { line: 8, message: 'no rule set known here was in force on 2020-01-01: name one in the rule_set column' },
        // "4" lost its zeros in a spreadsheet: 00004 is Ba Đình, in Hà Nội.
        { line: 4, message: 'commune 00004 is in province 01, not 75', code: 'communeElsewhere', vars: { commune: '00004', province: '01', expected: '75' } },
        { line: 8, message: 'commune 99999 is not in the list of administrative units' },
      ].sort((a, b) => a.line - b.line),
    });
    expect(await db.certifiedProduct.count()).toBe(0);
  });

  it('updates a certificate whose details changed, and tells unchanged ones apart', async () => {
    await importCertifiedProducts(db, { provinceCode: '75', importedBy: 'tỉnh', rows: [row(2), row(3)], ruleSets, now });
    const outcome = await importCertifiedProducts(db, { provinceCode: '75', importedBy: 'tỉnh', rows: [row(2, { stars: 5, certificateNumber: 'GCN-2' }), row(3), row(4)], ruleSets, now });
    expect(outcome).toEqual({ ok: true, summary: { created: 1, updated: 1, unchanged: 1 } });
    expect(await db.certifiedProduct.findFirstOrThrow({ where: { productName: 'Sản phẩm 2' } })).toMatchObject({ stars: 5, certificateNumber: 'GCN-2', expiresOn: '2028-03-01' });
  });

  it('reports a file that is not UTF-8, a missing column and a stray separator', () => {
    expect(readCertifiedProductsCsv(new Uint8Array([0x54, 0xea, 0x6e, 0x0a]))).toMatchObject({ ok: false, problems: [{ line: 1, message: 'the file is not UTF-8: save it as "CSV UTF-8"' }] });
    expect(readCertifiedProductsCsv(Buffer.from('Tên sản phẩm;Chủ thể;Mã xã;Số sao\nA;B;26116;4\n'))).toMatchObject({ ok: false, problems: [{ line: 1, message: 'no certified_on column' }] });
    const semicolons = readCertifiedProductsCsv(Buffer.from('product;producer;commune_code;stars;certified_on\nMật ong, rừng;HTX;26116;4;01/03/2025\nA;B;C\n'));
    expect(semicolons).toMatchObject({ ok: false, problems: [{ line: 3, message: '3 fields where the heading line has 5: quote a field that holds a ";"' }] });
  });

  it('runs as npm run certified:import', async () => {
    const first = await runImportCertifiedProducts(db, ['--province', '75', '--by', 'Văn phòng OCOP', fixture], { ruleSets, now });
    expect(first).toEqual({ ok: true, text: `${fixture}: 4 certificates; 4 created, 0 updated, 0 unchanged.` });
    const again = await runImportCertifiedProducts(db, ['--province', '75', '--by', 'Văn phòng OCOP', fixture], { ruleSets, now });
    expect(again).toEqual({ ok: true, text: `${fixture}: 4 certificates; 0 created, 0 updated, 4 unchanged. Nothing changed: every certificate was already imported as it is.` });
    // Tân Phú and Tân An are not in Hà Nội.
    const elsewhere = await runImportCertifiedProducts(db, ['--province', '01', '--by', 'Hà Nội', fixture], { ruleSets, now });
    expect(elsewhere.ok).toBe(false);
    expect(elsewhere.text.split('\n').slice(0, 2)).toEqual([`${fixture}: 4 problem(s), nothing imported`, '  line 2: commune 26116 is in province 75, not 01']);
    expect((await runImportCertifiedProducts(db, [fixture], { ruleSets, now })).ok).toBe(false);
  });
});

describe('POST /admin/v1/certified-products', () => {
  it('imports the CSV file, then says a second import changed nothing', async () => {
    const csv = await readFile(fixture);
    const first = await api('POST', '/certified-products', { token: tokens.province, csv });
    expect(first).toEqual({ status: 200, body: { created: 4, updated: 0, unchanged: 0 } });
    expect(await stored()).toEqual(expectedFromFixture());
    expect(await api('POST', '/certified-products', { token: tokens.province, csv })).toEqual({ status: 200, body: { created: 0, updated: 0, unchanged: 4 } });
  });

  it('imports JSON rows, and answers 422 with every row problem, importing nothing', async () => {
    const good = { productName: 'Mật ong rừng Tân Phú', producerName: 'HTX Tân Phú', producerPhone: '0912345678', communeCode: '26116', stars: 4, certifiedOn: '29/02/2024' };
    const refused = await api('POST', '/certified-products', { token: tokens.province, body: { rows: [good, { ...good, producerName: 'HTX khác', stars: 6 }, { ...good, producerName: 'Hộ B', communeCode: '27031' }] } });
    expect(refused).toEqual({
      status: 422,
      body: {
        error: 'unprocessable',
        message: '2 rows have problems; nothing was imported',
        issues: [
          { path: 'body.rows.1', line: 2, message: 'stars "6": a certificate has 3, 4 or 5 stars' },
          { path: 'body.rows.2', line: 3, message: 'commune 27031 is in province 79, not 75' },
        ],
      },
    });
    expect(await db.certifiedProduct.count()).toBe(0);
    const imported = await api('POST', '/certified-products', { token: tokens.province, body: { rows: [good] } });
    expect(imported).toEqual({ status: 200, body: { created: 1, updated: 0, unchanged: 0 } });
    expect(await db.certifiedProduct.findFirstOrThrow()).toMatchObject({ producerId: honeyMakerId, expiresOn: '2027-02-28', ruleSet: 'qd-148-2023', importedBy: 'Văn phòng OCOP tỉnh Đồng Nai' });
  });

  it('answers 422 with the CSV lines', async () => {
    const csv = Buffer.from('\uFEFFTên sản phẩm,Chủ thể,Mã xã,Số sao,Ngày chứng nhận\r\nMật ong,HTX Tân Phú,26116,4,01/03/2025\r\n\r\nTrà,HTX Tân Phú,26116,4,1/3/25x\r\n');
    const answer = await api('POST', '/certified-products', { token: tokens.province, csv });
    expect(answer).toEqual({
      status: 422,
      body: { error: 'unprocessable', message: '1 row has problems; nothing was imported', issues: [{ path: 'line 4', line: 4, message: 'certified on "1/3/25x" is not a date (dd/mm/yyyy or yyyy-mm-dd)' }] },
    });
  });

  it('is for province tokens, as JSON or CSV, in a process that has the rule sets', async () => {
    const csv = await readFile(fixture);
    expect((await api('POST', '/certified-products', { token: tokens.tanAn, csv })).status).toBe(403);
    expect((await api('POST', '/certified-products', { token: tokens.secretary, csv })).status).toBe(403);
    expect((await api('POST', '/certified-products', { token: tokens.province, csv, contentType: 'text/plain' })).status).toBe(415);
    const invalid = await api('POST', '/certified-products', { token: tokens.province, body: { rows: [] } });
    expect(invalid.status).toBe(400);
    expect((await api('POST', '/certified-products', { token: tokens.province, csv, at: bareApp.base })).status).toBe(503);
    expect(await db.certifiedProduct.count()).toBe(0);
  });
});

describe('GET /admin/v1/certified-products', () => {
  it("lists the region's products, filtered by expiry, a page at a time", async () => {
    await api('POST', '/certified-products', { token: tokens.province, csv: await readFile(fixture) });
    const names = async (token: string, query = '') => listed.parse((await api('GET', `/certified-products${query}`, { token })).body).certifiedProducts.map((p) => p.productName);
    expect(await names(tokens.province)).toEqual(['Mật ong rừng Tân Phú', 'Trà xanh, loại đặc biệt', 'Hạt điều rang muối', 'Cà phê Tân An']);
    expect(await names(tokens.tanAn)).toEqual(['Trà xanh, loại đặc biệt', 'Cà phê Tân An']);
    expect(await names(tokens.secretary, '?expiringBefore=2027-03-01')).toEqual(['Mật ong rừng Tân Phú', 'Hạt điều rang muối']);
    expect(await names(tokens.province, '?communeCode=26179')).toEqual(['Trà xanh, loại đặc biệt', 'Cà phê Tân An']);
    const first = listed.parse((await api('GET', '/certified-products?limit=3', { token: tokens.province })).body);
    expect(first.certifiedProducts).toHaveLength(3);
    expect(await names(tokens.province, `?after=${first.nextAfter}`)).toEqual(['Cà phê Tân An']);
    expect((await api('GET', '/certified-products?expiringBefore=2027-02-30', { token: tokens.province })).status).toBe(400);
  });
});
