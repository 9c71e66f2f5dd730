import { testNotifyTiming } from '../helpers/admin-app.js';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApiToken } from '../../src/admin/api-tokens.js';
import { projectRoot } from '../../src/config/project-root.js';
import { createDatabase } from '../../src/db/database.js';
import { createSqlPool } from '../../src/db/sql-pool.js';
import type { DossierDocumentStatus, Producer, ProductIdeaKind } from '../../src/db/generated/client.js';
import type { Form03Intake } from '../../src/dossier/review-dossier.js';
import { createApp } from '../../src/http/app.js';
import { createTranslator, loadDictionaries } from '../../src/i18n/translator.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { loadChecklists } from '../../src/ocop/dossier-checklist.js';
import { loadRuleSets } from '../../src/ocop/rule-sets.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { outgoingMessageSchema } from '../../src/outbound/outgoing-message.js';
import { capturedLogger } from '../helpers/zalo-harness.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig } from '../helpers/test-env.js';

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
const sql = createSqlPool({ databaseUrl: config.databaseUrl, poolSize: 4 });
const redis = createRedisConnection(config.redisUrl, 'producer');
const dictionaries = loadDictionaries(join(projectRoot(), 'locales'));
const translate = createTranslator(dictionaries);
const ruleSets = loadRuleSets(join(projectRoot(), 'rules', 'rule-sets.yaml'), dictionaries);
const checklists = loadChecklists(join(projectRoot(), 'rules', 'dossier-checklists.yaml'), ruleSets, dictionaries);
const { logger } = capturedLogger('info');

const storedForm03 = {
  ok: true as const,
  storageKey: 'documents/2026/03/0f8fad5b-d9cb-469f-a165-70867728950e.pdf',
  sha256: 'c'.repeat(64),
  sizeBytes: 2048,
  mediaType: 'application/pdf',
  printable: true,
};
let intakeAnswer: Awaited<ReturnType<Form03Intake['store']>> = storedForm03;
const intakeCalls: number[] = [];
const intake: Form03Intake = {
  store: async (bytes) => {
    intakeCalls.push(bytes.length);
    return intakeAnswer;
  },
};

let clock = new Date('2026-06-02T08:00:00.000Z');
let enqueued: bigint[][] = [];
const servers: Server[] = [];
let base: string;
let bareBase: string;

// Two communes of Đồng Nai: a honey cooperative in Tân Phú (Vietnamese), a tourism
// household in Tân An (English); each has an idea with a dossier.
let tokens: { tanPhu: string; tanAn: string; province: string };
let ideas: { honey: bigint; tourism: bigint; noDossier: bigint };
let dossiers: { honey: bigint; tourism: bigint };

async function addProducer(zaloUserId: string, locale: string, communeCode: string, kind: Producer['kind'], name: string): Promise<Producer> {
  await db.zaloUser.create({ data: { id: zaloUserId, locale } });
  return db.producer.create({ data: { zaloUserId, kind, name, representative: 'Nguyễn Văn An', position: 'Chủ nhiệm', phone: '84912345678', address: 'Ấp 1', communeCode } });
}

let sequence = 0;
async function addIdea(producer: Producer, productName: string, product: { sector: string; group: string; set: string; kind: ProductIdeaKind }): Promise<bigint> {
  sequence += 1;
  const idea = await db.productIdea.create({
    data: {
      producerId: producer.id,
      communeCode: producer.communeCode,
      provinceCode: '75',
      year: 2026,
      sequence,
      receiptNumber: `${sequence}/PĐK-75-${producer.communeCode}-2026`,
      ruleSet: 'qd-26-2026',
      productName,
      sectorCode: product.sector,
      groupCode: product.group,
      setCode: product.set,
      kind: product.kind,
      details: {},
      status: 'accepted',
      submittedAt: new Date('2026-05-25T03:00:00.000Z'),
    },
  });
  return idea.id;
}

async function addDocument(dossierId: bigint, itemCode: string, status: DossierDocumentStatus = 'stored', position = 1) {
  return db.dossierDocument.create({
    data: { dossierId, itemCode, position, status, uploadedBy: 'zu-producer', mediaType: 'application/pdf', printable: true, sizeBytes: 1000, sha256: 'a'.repeat(64), originalName: `${itemCode}.pdf`, createdAt: clock },
  });
}

async function api(method: string, path: string, options: { token?: string; body?: unknown; bytes?: Uint8Array; contentType?: string; at?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.contentType) headers['content-type'] = options.contentType;
  const body = options.bytes ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${options.at ?? base}/admin/v1${path}`, { method, headers, body });
  return { status: response.status, body: await response.json() };
}

const documentShape = z.looseObject({ id: z.string(), status: z.string(), position: z.number() });
const dossierShape = z.looseObject({
  status: z.string(),
  version: z.number(),
  complete: z.boolean(),
  items: z.array(z.object({ item: z.string(), need: z.string(), by: z.string(), documents: z.array(documentShape), returns: z.array(z.looseObject({ reason: z.string() })), exemption: z.looseObject({ reason: z.string() }).nullable() })),
  packets: z.array(z.looseObject({ version: z.number() })),
  events: z.array(z.looseObject({ action: z.string(), version: z.number(), actor: z.string() })),
});
const problems = z.object({ issues: z.array(z.object({ path: z.string(), message: z.string() })) });

async function outboxFor(recipient: string) {
  const rows = await db.outboundMessage.findMany({ where: { recipient }, orderBy: { id: 'asc' } });
  return rows.map((row) => ({ ...row, message: outgoingMessageSchema.parse(row.payload) }));
}

async function listen(admin: Parameters<typeof createApp>[0]['admin']): Promise<string> {
  const app = createApp({
    db,
    sql,
    redis,
    logger,
    metrics: createMetrics(),
    webhook: { appId: 'test-app', secret: 'test-secret', maxAgeSeconds: 10800, maxFutureSkewSeconds: 300, enqueueInboundEvents: async () => undefined, now: () => clock },
    admin,
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

beforeAll(async () => {
  const admin = {
    translate,
    notifyTiming: testNotifyTiming(),
    now: () => clock,
    invitationTtlHours: 72,
    enqueueOutbound: async (ids: bigint[]) => {
      enqueued.push(ids);
    },
  };
  base = await listen({ ...admin, checklists, dossierIntake: intake });
  // A process wired without checklists and storage.
  bareBase = await listen(admin);
});

beforeEach(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  clock = new Date('2026-06-02T08:00:00.000Z');
  enqueued = [];
  intakeCalls.length = 0;
  intakeAnswer = storedForm03;
  sequence = 0;
  const honeyMaker = await addProducer('zu-tan-phu', 'vi', '26116', 'cooperative', 'HTX Tân Phú');
  const guide = await addProducer('zu-tan-an', 'en', '26179', 'household', 'Hộ Tân An');
  ideas = {
    honey: await addIdea(honeyMaker, 'Mật ong rừng Tân Phú', { sector: 'food', group: 'rawFood', set: 'honeyRawOther', kind: 'new_product' }),
    tourism: await addIdea(guide, 'Du lịch vườn Tân An', { sector: 'tourism', group: 'tourism', set: 'tourism', kind: 'new_product' }),
    noDossier: await addIdea(honeyMaker, 'Trà Tân Phú', { sector: 'food', group: 'tea', set: 'tea', kind: 'new_product' }),
  };
  dossiers = {
    honey: (await db.dossier.create({ data: { productIdeaId: ideas.honey, checklistId: 'ocop-2023-dossier' } })).id,
    tourism: (await db.dossier.create({ data: { productIdeaId: ideas.tourism, checklistId: 'ocop-2023-dossier' } })).id,
  };
  tokens = {
    tanPhu: (await createApiToken(db, { name: 'UBND xã Tân Phú', role: 'commune', provinceCode: '75', communeCode: '26116' })).token,
    tanAn: (await createApiToken(db, { name: 'UBND xã Tân An', role: 'commune', provinceCode: '75', communeCode: '26179' })).token,
    province: (await createApiToken(db, { name: 'Văn phòng OCOP tỉnh Đồng Nai', role: 'province', provinceCode: '75' })).token,
  };
});

afterAll(async () => {
  for (const server of servers) server.close();
  redis.disconnect();
  await sql.end();
  await db.$disconnect();
});

describe('GET /admin/v1/ideas/:id/dossier', () => {
  it('shows a dossier only inside the token region, and 404 before the producer starts one', async () => {
    const missing = await api('GET', '/ideas/999999/dossier', { token: tokens.tanPhu });
    expect(missing.status).toBe(404);
    const other = await api('GET', `/ideas/${ideas.tourism}/dossier`, { token: tokens.tanPhu });
    expect(other.status).toBe(404);
    expect(other.body).toEqual(missing.body);
    for (const action of ['check', 'return', 'form03']) {
      const body = action === 'return' ? { items: [{ item: 'form01', reason: 'Thiếu chữ ký' }] } : undefined;
      const answer = await api('POST', `/ideas/${ideas.tourism}/dossier/${action}`, action === 'form03' ? { token: tokens.tanPhu, bytes: Buffer.from('%PDF-1.7'), contentType: 'application/pdf' } : { token: tokens.tanPhu, body });
      expect(answer.status, action).toBe(404);
    }
    expect(intakeCalls).toEqual([]);
    expect((await api('GET', `/ideas/${ideas.tourism}/dossier`, { token: tokens.tanAn })).status).toBe(200);
    expect((await api('GET', `/ideas/${ideas.honey}/dossier`, { token: tokens.province })).status).toBe(200);
    const notStarted = await api('GET', `/ideas/${ideas.noDossier}/dossier`, { token: tokens.tanPhu });
    expect(notStarted).toEqual({ status: 404, body: { error: 'not_found', message: 'this idea has no dossier yet' } });
    expect(await db.dossier.count()).toBe(2);
  });

  it('lists a food product and a tourism product against their own checklists, with current documents and open returns', async () => {
    const form01 = await addDocument(dossiers.honey, 'form01', 'replaced');
    const form01Again = await addDocument(dossiers.honey, 'form01', 'stored', 2);
    await addDocument(dossiers.honey, 'labelPackaging', 'stored', 1);
    await addDocument(dossiers.honey, 'labelPackaging', 'downloading', 2);
    await addDocument(dossiers.honey, 'foodSafety', 'refused');
    await db.dossierItemReturn.create({ data: { dossierId: dossiers.honey, itemCode: 'testReport', reason: 'Phiếu kiểm nghiệm đã hết hạn', returnedBy: 'admin:UBND xã Tân Phú', returnedAt: clock } });
    await db.dossierItemReturn.create({ data: { dossierId: dossiers.honey, itemCode: 'form02', reason: 'Đã xong', returnedBy: 'admin:x', returnedAt: clock, resolvedAt: clock } });

    const honey = dossierShape.parse((await api('GET', `/ideas/${ideas.honey}/dossier`, { token: tokens.tanPhu })).body);
    expect(honey).toMatchObject({ status: 'collecting', version: 1, complete: false, packets: [], events: [] });
    expect(honey.items.map((i) => [i.item, i.need, i.by])).toEqual([
      ['form01', 'required', 'producer'],
      ['form02', 'required', 'producer'],
      ['businessPlan', 'required', 'producer'],
      ['businessRegistration', 'required', 'producer'],
      ['foodSafety', 'required', 'producer'],
      ['qualityDeclaration', 'required', 'producer'],
      ['testReport', 'required', 'producer'],
      ['labelPackaging', 'required', 'producer'],
      ...['rawMaterialOrigin', 'localWorkers', 'financialStatements', 'environment', 'trademark', 'distributionContracts', 'promotion', 'productStory', 'traceability', 'qualityManagement', 'awards'].map((item) => [item, 'optional', 'producer']),
      ['form03', 'required', 'commune'],
      // Decision 26/2026, Art. 6.2a: the commune's proposal letter is required.
      ['communeProposal', 'required', 'commune'],
    ]);
    const byItem = Object.fromEntries(honey.items.map((i) => [i.item, i]));
    expect(byItem.form01!.documents).toEqual([
      {
        id: String(form01Again.id),
        status: 'stored',
        position: 2,
        mediaType: 'application/pdf',
        printable: true,
        sizeBytes: 1000,
        sha256: 'a'.repeat(64),
        originalName: 'form01.pdf',
        refusedReason: null,
        uploadedBy: 'zu-producer',
        createdAt: form01Again.createdAt.toISOString(),
      },
    ]);
    expect(honey.items.flatMap((i) => i.documents.map((d) => d.id))).not.toContain(String(form01.id));
    expect(byItem.labelPackaging!.documents.map((d) => d.status)).toEqual(['stored', 'downloading']);
    expect(byItem.foodSafety!.documents.map((d) => d.status)).toEqual(['refused']);
    expect(byItem.testReport!.returns).toEqual([{ reason: 'Phiếu kiểm nghiệm đã hết hạn', returnedBy: 'admin:UBND xã Tân Phú', returnedAt: clock.toISOString() }]);
    expect(byItem.form02!.returns).toEqual([]);

    const tourism = dossierShape.parse((await api('GET', `/ideas/${ideas.tourism}/dossier`, { token: tokens.tanAn })).body);
    const tourismItems = tourism.items.map((i) => i.item);
    for (const absent of ['foodSafety', 'labelPackaging']) expect(tourismItems).not.toContain(absent);
    expect(Object.fromEntries(tourism.items.map((i) => [i.item, i.need]))).toMatchObject({ form01: 'required', businessPlan: 'required', qualityDeclaration: 'optional', testReport: 'optional', form03: 'required' });

    // Complete once every required producer item has a stored document; optional and commune items do not count.
    for (const item of ['form01', 'form02', 'businessPlan', 'businessRegistration']) await addDocument(dossiers.tourism, item);
    await addDocument(dossiers.tourism, 'awards', 'downloading');
    expect(dossierShape.parse((await api('GET', `/ideas/${ideas.tourism}/dossier`, { token: tokens.tanAn })).body).complete).toBe(true);
  });

  it('answers 503 where the checklists or the storage are not wired', async () => {
    expect((await api('GET', `/ideas/${ideas.honey}/dossier`, { token: tokens.tanPhu, at: bareBase })).status).toBe(503);
    expect((await api('POST', `/ideas/${ideas.honey}/dossier/check`, { token: tokens.tanPhu, at: bareBase })).status).toBe(503);
    const upload = await api('POST', `/ideas/${ideas.honey}/dossier/form03`, { token: tokens.tanPhu, at: bareBase, bytes: Buffer.from('%PDF-1.7'), contentType: 'application/pdf' });
    expect(upload).toEqual({ status: 503, body: { error: 'unavailable', message: expect.any(String) } });
  });
});

describe('POST /admin/v1/ideas/:id/dossier/check', () => {
  it('is refused while items are missing or being redone, then marks the dossier checked and tells the producer', async () => {
    for (const item of ['form01', 'form02', 'businessPlan', 'qualityDeclaration', 'testReport']) await addDocument(dossiers.honey, item);
    // The producer declared the food-safety certificate not required (Form 02: only "đối với sản phẩm cần phải có").
    await db.dossierItemExemption.create({ data: { dossierId: dossiers.honey, itemCode: 'foodSafety', reason: 'Cơ sở nhỏ lẻ, đã ký cam kết', declaredBy: 'zu-tan-phu', declaredAt: clock } });
    await addDocument(dossiers.honey, 'labelPackaging', 'downloading');
    const refused = await api('POST', `/ideas/${ideas.honey}/dossier/check`, { token: tokens.tanPhu });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: 'conflict', message: 'the dossier cannot be checked: missing businessRegistration, labelPackaging, form03, communeProposal' });

    await addDocument(dossiers.honey, 'businessRegistration');
    await addDocument(dossiers.honey, 'labelPackaging', 'stored', 2);
    const upload = await api('POST', `/ideas/${ideas.honey}/dossier/form03`, { token: tokens.tanPhu, bytes: Buffer.from('%PDF-1.7 form 03'), contentType: 'application/pdf' });
    expect(upload.status).toBe(201);
    // Form 03 alone is not enough: the commune's letter to the province (Art. 6.2a) too.
    const withoutLetter = await api('POST', `/ideas/${ideas.honey}/dossier/check`, { token: tokens.tanPhu });
    expect(withoutLetter.body).toEqual({ error: 'conflict', message: 'the dossier cannot be checked: missing communeProposal' });
    const letter = await api('POST', `/ideas/${ideas.honey}/dossier/proposal`, { token: tokens.tanPhu, bytes: Buffer.from('%PDF-1.7 to trinh'), contentType: 'application/pdf' });
    expect(letter.status).toBe(201);
    expect(letter.body).toMatchObject({ status: 'stored', uploadedBy: 'admin:UBND xã Tân Phú' });
    const open = await db.dossierItemReturn.create({ data: { dossierId: dossiers.honey, itemCode: 'testReport', reason: 'Hết hạn', returnedBy: 'admin:x', returnedAt: clock } });
    const waiting = await api('POST', `/ideas/${ideas.honey}/dossier/check`, { token: tokens.tanPhu });
    expect(waiting).toEqual({ status: 409, body: { error: 'conflict', message: 'the dossier cannot be checked: returned and not sent again testReport' } });
    await db.dossierItemReturn.update({ where: { id: open.id }, data: { resolvedAt: clock } });
    expect(await db.outboundMessage.count()).toBe(0);

    clock = new Date('2026-06-03T02:00:00.000Z');
    const checked = await api('POST', `/ideas/${ideas.honey}/dossier/check`, { token: tokens.tanPhu });
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ status: 'checked', checkedBy: 'UBND xã Tân Phú', checkedAt: clock.toISOString(), complete: true });
    // Checking accepts the declaration, and the officials see it with its reason.
    expect(dossierShape.parse(checked.body).items.find((i) => i.item === 'foodSafety')).toMatchObject({ documents: [], exemption: { reason: 'Cơ sở nhỏ lẻ, đã ký cam kết', acceptedAt: clock.toISOString() } });
    expect(dossierShape.parse(checked.body).events[0]).toMatchObject({ action: 'checked', actor: 'admin:UBND xã Tân Phú', version: 1, at: clock.toISOString() });
    const rows = await outboxFor('zu-tan-phu');
    expect(rows.map((row) => row.message)).toEqual([{ kind: 'text', text: translate('vi', 'dossier.checked', { product: 'Mật ong rừng Tân Phú', receipt: '1/PĐK-75-26116-2026' }) }]);
    expect(enqueued).toEqual([[rows[0]!.id]]);

    const again = await api('POST', `/ideas/${ideas.honey}/dossier/check`, { token: tokens.province });
    expect(again.status).toBe(409);
    expect(await db.outboundMessage.count()).toBe(1);
  });
});

describe('POST /admin/v1/ideas/:id/dossier/return', () => {
  it('returns two items with their reasons in one message in the producer language, with a button to continue', async () => {
    await addDocument(dossiers.tourism, 'form01');
    const items = [
      { item: 'form01', reason: '  Thiếu chữ ký của chủ thể  '.normalize('NFD') },
      { item: 'promotion', reason: 'Ảnh quảng bá bị mờ' },
    ];
    const response = await api('POST', `/ideas/${ideas.tourism}/dossier/return`, { token: tokens.tanAn, body: { items } });
    expect(response.status).toBe(200);
    const dossier = dossierShape.parse(response.body);
    expect(dossier.status).toBe('returned');
    const byItem = Object.fromEntries(dossier.items.map((i) => [i.item, i]));
    expect(byItem.form01!.returns).toEqual([{ reason: 'Thiếu chữ ký của chủ thể', returnedBy: 'admin:UBND xã Tân An', returnedAt: clock.toISOString() }]);
    expect(byItem.promotion!.returns.map((r) => r.reason)).toEqual(['Ảnh quảng bá bị mờ']);
    expect(dossier.events.map((e) => [e.action, e.itemCode, e.detail])).toEqual([
      ['item_returned', 'promotion', { reason: 'Ảnh quảng bá bị mờ' }],
      ['item_returned', 'form01', { reason: 'Thiếu chữ ký của chủ thể' }],
    ]);

    const rows = await outboxFor('zu-tan-an');
    expect(rows).toHaveLength(1);
    const lines = [
      translate('en', 'dossier.returnedItem', { item: translate('en', 'dossier.item.form01'), reason: 'Thiếu chữ ký của chủ thể' }),
      translate('en', 'dossier.returnedItem', { item: translate('en', 'dossier.item.promotion'), reason: 'Ảnh quảng bá bị mờ' }),
    ];
    const button = translate('en', 'dossier.continueButton');
    expect(rows[0]!.message).toEqual({
      kind: 'text',
      text: translate('en', 'dossier.returned', { product: 'Du lịch vườn Tân An', receipt: '2/PĐK-75-26179-2026', items: lines.join('\n') }),
      buttons: [{ title: button, action: { kind: 'reply', payload: button } }],
    });
    const text = rows[0]!.message.kind === 'text' ? rows[0]!.message.text : '';
    expect(text).toContain('Registration for evaluation (Form 01): Thiếu chữ ký của chủ thể');
    expect(text).toContain('Ảnh quảng bá bị mờ');
    expect(enqueued).toEqual([[rows[0]!.id]]);
  });

  it('answers 400 for an item not in this checklist, an item of the commune, a repeated item or a short reason, and changes nothing', async () => {
    const refusals = [
      { body: { items: [{ item: 'form01', reason: 'Thiếu chữ ký' }, { item: 'foodSafety', reason: 'Không cần cho du lịch' }] }, paths: ['body.items.1.item'] },
      { body: { items: [{ item: 'form03', reason: 'Xã tự làm lại' }] }, paths: ['body.items.0.item'] },
      { body: { items: [{ item: 'nonsense', reason: 'Không có mục này' }] }, paths: ['body.items.0.item'] },
      { body: { items: [{ item: 'form01', reason: 'Thiếu chữ ký' }, { item: 'form01', reason: 'Thiếu dấu' }] }, paths: ['body.items.1.item'] },
      { body: { items: [{ item: 'form01', reason: 'abc' }] }, paths: ['body.items.0.reason'] },
      { body: { items: [] }, paths: ['body.items'] },
    ];
    for (const { body, paths } of refusals) {
      const response = await api('POST', `/ideas/${ideas.tourism}/dossier/return`, { token: tokens.tanAn, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(problems.parse(response.body).issues.map((issue) => issue.path)).toEqual(paths);
    }
    expect(await db.dossierItemReturn.count()).toBe(0);
    expect(await db.dossierEvent.count()).toBe(0);
    expect(await db.outboundMessage.count()).toBe(0);
    expect((await db.dossier.findUniqueOrThrow({ where: { id: dossiers.tourism } })).status).toBe('collecting');
  });
});

describe('POST /admin/v1/ideas/:id/dossier/form03', () => {
  const pdf = Buffer.from('%PDF-1.7\n% form 03\n');

  it('stores Form 03, replaces the earlier one, records both, and starts a new version only after a packet', async () => {
    const first = await api('POST', `/ideas/${ideas.honey}/dossier/form03`, { token: tokens.tanPhu, bytes: pdf, contentType: 'application/pdf' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'stored', position: 1, mediaType: 'application/pdf', printable: true, sizeBytes: 2048, sha256: 'c'.repeat(64), uploadedBy: 'admin:UBND xã Tân Phú' });
    expect(intakeCalls).toEqual([pdf.length]);

    clock = new Date(clock.getTime() + 60_000);
    const second = await api('POST', `/ideas/${ideas.honey}/dossier/form03`, { token: tokens.province, bytes: pdf, contentType: 'application/pdf' });
    expect(second.status).toBe(201);
    const firstId = documentShape.parse(first.body).id;
    const secondId = documentShape.parse(second.body).id;
    expect(second.body).toMatchObject({ position: 2, uploadedBy: 'admin:Văn phòng OCOP tỉnh Đồng Nai' });
    const firstRow = await db.dossierDocument.findUniqueOrThrow({ where: { id: BigInt(firstId) } });
    expect(firstRow).toMatchObject({ status: 'replaced', replacedAt: clock, itemCode: 'form03', storageKey: storedForm03.storageKey });

    let dossier = dossierShape.parse((await api('GET', `/ideas/${ideas.honey}/dossier`, { token: tokens.tanPhu })).body);
    expect(dossier.version).toBe(1);
    expect(dossier.items.find((i) => i.item === 'form03')!.documents.map((d) => d.id)).toEqual([secondId]);
    expect(dossier.events.map((e) => [e.action, e.version, e.actor, e.documentId, e.detail])).toEqual([
      ['document_replaced', 1, 'admin:Văn phòng OCOP tỉnh Đồng Nai', secondId, { replaced: [firstId] }],
      ['document_added', 1, 'admin:UBND xã Tân Phú', firstId, null],
    ]);

    // A packet was built for version 1: the next change belongs to version 2, and only the first bumps.
    await db.dossierPacket.create({
      data: { dossierId: dossiers.honey, version: 1, storageKey: 'packets/2026/06/7c9e6679-7425-40de-944b-e07fc1f90ae7.pdf', sha256: 'd'.repeat(64), sizeBytes: 90_000, pageCount: 12, contents: [], builtAt: clock },
    });
    for (const expected of [2, 2]) {
      expect((await api('POST', `/ideas/${ideas.honey}/dossier/form03`, { token: tokens.tanPhu, bytes: pdf, contentType: 'application/pdf' })).status).toBe(201);
      dossier = dossierShape.parse((await api('GET', `/ideas/${ideas.honey}/dossier`, { token: tokens.tanPhu })).body);
      expect(dossier.version).toBe(expected);
      expect(dossier.events[0]).toMatchObject({ action: 'document_replaced', version: expected });
    }
    expect(dossier.packets).toEqual([{ version: 1, sha256: 'd'.repeat(64), pageCount: 12, builtAt: clock.toISOString() }]);
    expect(await db.dossierDocument.count({ where: { itemCode: 'form03', status: 'stored' } })).toBe(1);
    expect(await db.dossierDocument.count({ where: { itemCode: 'form03', status: 'replaced' } })).toBe(3);
  });

  it('answers 413 over 25 MB, 415 for another type or a refused file, 400 for an empty body', async () => {
    const big = await api('POST', `/ideas/${ideas.honey}/dossier/form03`, { token: tokens.tanPhu, bytes: Buffer.alloc(26 * 1024 * 1024, 0x25), contentType: 'application/pdf' });
    expect(big).toEqual({ status: 413, body: { error: 'payload_too_large', message: expect.any(String) } });
    const text = await api('POST', `/ideas/${ideas.honey}/dossier/form03`, { token: tokens.tanPhu, bytes: Buffer.from('biên bản'), contentType: 'text/plain' });
    expect(text).toEqual({ status: 415, body: { error: 'unsupported_media_type', message: expect.any(String) } });
    const json = await api('POST', `/ideas/${ideas.honey}/dossier/form03`, { token: tokens.tanPhu, body: { storageKey: 'documents/x' } });
    expect(json.status).toBe(415);
    expect((await api('POST', `/ideas/${ideas.honey}/dossier/form03`, { token: tokens.tanPhu, bytes: Buffer.alloc(0), contentType: 'application/pdf' })).status).toBe(400);
    expect(intakeCalls).toEqual([]);

    intakeAnswer = { ok: false, reason: 'unsupported' };
    const refused = await api('POST', `/ideas/${ideas.honey}/dossier/form03`, { token: tokens.tanPhu, bytes: Buffer.from('not really a png'), contentType: 'image/png' });
    expect(refused).toEqual({ status: 415, body: { error: 'unsupported_media_type', message: 'the file was refused: unsupported' } });
    expect(await db.dossierDocument.count()).toBe(0);
    expect(await db.dossierEvent.count()).toBe(0);
  });
});
