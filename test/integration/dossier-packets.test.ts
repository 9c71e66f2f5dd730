import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PDFDocument } from 'pdf-lib';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/admin/api-tokens.js';
import { createDatabase } from '../../src/db/database.js';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import { touchDossier } from '../../src/dossier/review-dossier.js';
import { newStorageKey } from '../../src/storage/storage.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { loadChecklists } from '../../src/ocop/dossier-checklist.js';
import { loadRuleSets } from '../../src/ocop/rule-sets.js';
import { dictionaries, projectDir } from '../helpers/conversation-harness.js';
import { makeDocx, makeJpeg, makePdf } from '../helpers/make-documents.js';
import { startPacketAdminApp } from '../helpers/admin-app.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig } from '../helpers/test-env.js';

// A dossier's packet, built on request by an official and served through signed links:
// parsed back, its hashes match the stored documents; wrong links are refused and every
// use is recorded.

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
const redis = createRedisConnection(config.redisUrl, 'producer');
const ruleSets = loadRuleSets(join(projectDir, 'rules', 'rule-sets.yaml'), dictionaries);
const checklists = loadChecklists(join(projectDir, 'rules', 'dossier-checklists.yaml'), ruleSets, dictionaries);
const secret = 'packet-link-secret-for-the-tests-0123';
let clock = new Date('2026-11-23T02:00:00Z');
let storageDir: string;
let close: () => Promise<void>;
let base: string;
let tokens: { commune: string; other: string };
let ideaId: bigint;
let dossierId: bigint;
const documentHashes: string[] = [];

async function store(storage: ReturnType<typeof createLocalStorage>, bytes: Uint8Array, extension: string): Promise<string> {
  const key = newStorageKey('document', extension, clock);
  await storage.put(key, Readable.from([Buffer.from(bytes)]), { contentType: 'application/octet-stream', sizeBytes: bytes.byteLength });
  return key;
}

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  storageDir = await mkdtemp(join(tmpdir(), 'packets-'));
  const storage = createLocalStorage({ root: storageDir });
  await db.zaloUser.create({ data: { id: 'producer-1', locale: 'vi' } });
  const producer = await db.producer.create({ data: { zaloUserId: 'producer-1', kind: 'cooperative', name: 'HTX Nông nghiệp Tân Phú', representative: 'Trần Văn Bình', position: 'Chủ nhiệm', phone: '84912345678', address: 'Ấp 3', communeCode: '26116' } });
  const idea = await db.productIdea.create({
    data: { producerId: producer.id, communeCode: '26116', provinceCode: '75', year: 2026, sequence: 1, receiptNumber: '1/PĐK-75-26116-2026', ruleSet: 'qd-26-2026', productName: 'Mật ong rừng Tân Phú', sectorCode: 'food', groupCode: 'rawFood', setCode: 'honeyRawOther', kind: 'new_product', details: {}, submittedAt: clock },
  });
  ideaId = idea.id;
  dossierId = (await db.dossier.create({ data: { productIdeaId: idea.id, checklistId: 'ocop-2023-dossier' } })).id;
  // Form 02 first in time, Form 01 second: the packet follows the checklist, not arrival.
  const files = [
    { itemCode: 'form02', bytes: await makePdf({ pages: 2, label: 'Form 02' }), mediaType: 'application/pdf', ext: 'pdf', printable: true },
    { itemCode: 'form01', bytes: makeJpeg({ width: 300, height: 420, seed: 7 }), mediaType: 'image/jpeg', ext: 'jpg', printable: true },
    { itemCode: 'businessPlan', bytes: makeDocx(), mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', ext: 'docx', printable: false },
  ];
  for (const file of files) {
    const sha256 = createHash('sha256').update(file.bytes).digest('hex');
    documentHashes.push(sha256);
    await db.dossierDocument.create({
      data: { dossierId, itemCode: file.itemCode, position: 1, status: 'stored', uploadedBy: 'producer-1', mediaType: file.mediaType, printable: file.printable, sizeBytes: file.bytes.byteLength, sha256, storageKey: await store(storage, file.bytes, file.ext), createdAt: clock, storedAt: clock },
    });
  }
  tokens = {
    commune: (await createApiToken(db, { name: 'UBND xã Tân Phú', role: 'commune', provinceCode: '75', communeCode: '26116' })).token,
    other: (await createApiToken(db, { name: 'Sở NN&MT Đồng Nai', role: 'province', provinceCode: '75' })).token,
  };
  const now = () => clock;
  const started = await startPacketAdminApp({ db, redis, storage, secret, checklists, ruleSets, now });
  base = started.base;
  close = started.close;
});

afterAll(async () => {
  await close();
  redis.disconnect();
  await db.$disconnect();
  await rm(storageDir, { recursive: true, force: true });
});

function buildPacketAs(token: string) {
  return fetch(`${base}/admin/v1/ideas/${ideaId}/dossier/packet`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
}

async function textOf(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocument({ data: bytes.slice(), useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= pdf.numPages; i += 1) {
    const content = await (await pdf.getPage(i)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(''));
  }
  return pages.join('\n').normalize('NFC');
}

describe('dossier packets', () => {
  let link: string;

  it('an official builds the packet: cover, contents with every document\'s SHA-256, documents in checklist order', async () => {
    // The producer declared the food-safety certificate not required: the cover says so, with the reason.
    await db.dossierItemExemption.create({ data: { dossierId, itemCode: 'foodSafety', reason: 'Cơ sở nhỏ lẻ, đã ký cam kết', declaredBy: 'producer-1', declaredAt: clock } });
    const response = await buildPacketAs(tokens.commune);
    expect(response.status).toBe(201);
    const body = (await response.json()) as { version: number; sha256: string; pageCount: number; link: string; beside: { item: string; sha256: string; link: string }[] };
    expect(body).toMatchObject({ version: 1, pageCount: 5 }); // cover, contents, photo, two PDF pages; the Word file beside
    link = body.link;
    // The Word file is delivered beside the packet, through its own signed link.
    expect(body.beside).toEqual([expect.objectContaining({ item: 'Phương án, dự án sản xuất kinh doanh', sha256: documentHashes[2] })]);
    const word = await fetch(`${base}${body.beside[0]!.link}`);
    expect(word.status).toBe(200);
    expect(word.headers.get('content-disposition')).toMatch(/^attachment; filename="tai-lieu-\d+\.docx"$/);
    expect(createHash('sha256').update(new Uint8Array(await word.arrayBuffer())).digest('hex')).toBe(documentHashes[2]);
    expect((await fetch(`${base}${body.beside[0]!.link.replace('/documents/', '/packets/')}`)).status).toBe(403);

    const served = await fetch(`${base}${link}`, { headers: { authorization: `Bearer ${tokens.commune}` } });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('application/pdf');
    const bytes = new Uint8Array(await served.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(body.sha256);
    expect(served.headers.get('x-content-sha256')).toBe(body.sha256);
    expect((await PDFDocument.load(bytes)).getPageCount()).toBe(5);
    const text = (await textOf(bytes)).replace(/\s+/g, '');
    expect(text).toContain('Mậtongrừng'.normalize('NFC'));
    // The cover names the decision, not its internal code.
    expect(text).toContain('Quyếtđịnhsố26/2026/QĐ-TTg'.normalize('NFC'));
    expect(text).not.toContain('qd-26-2026');
    expect(text).toContain('Khaikhôngphảicấp'.normalize('NFC'));
    expect(text).toContain('Lýdochủthểnêu:Cơsởnhỏlẻ,đãkýcamkết'.normalize('NFC'));
    expect(text).toContain('Phiếuđăngkýđánhgiá,phânhạngsảnphẩm(Mẫu01)'.normalize('NFC'));
    for (const hash of documentHashes) expect(text).toContain(hash);
    // Checklist order: Form 01 (the photo, page 3) before Form 02 (pages 4–5).
    expect(text.indexOf('Mẫu01'.normalize('NFC'))).toBeLessThan(text.indexOf('Mẫu02'.normalize('NFC')));
  });

  it('the same version is built once; a change makes a new version and the old packet stays retrievable', async () => {
    const again = (await (await buildPacketAs(tokens.commune)).json()) as { id: string; version: number };
    expect(again.version).toBe(1);
    expect(await db.dossierPacket.count({ where: { dossierId } })).toBe(1);
    await db.$transaction((tx) => touchDossier(tx, dossierId, { actor: 'producer-1', action: 'document_added', itemCode: 'form01', now: clock }));
    const second = (await (await buildPacketAs(tokens.commune)).json()) as { version: number };
    expect(second.version).toBe(2);
    expect((await fetch(`${base}${link}`)).status).toBe(200);
    expect((await db.dossierEvent.findMany({ where: { dossierId, action: 'packet_built' } })).map((e) => e.version)).toEqual([1, 2]);
  });

  it('refuses a tampered link, an expired one, and one presented by someone else; every use is recorded', async () => {
    const [data, mac] = link.replace('/packets/', '').split('.');
    expect((await fetch(`${base}/packets/${data}.${mac!.slice(1)}A`)).status).toBe(403);
    expect((await fetch(`${base}${link}`, { headers: { authorization: `Bearer ${tokens.other}` } })).status).toBe(403);
    clock = new Date(clock.getTime() + 2 * 3600_000);
    const expired = await fetch(`${base}${link}`);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('expired');
    const outcomes = (await db.packetAccess.findMany({ orderBy: { id: 'asc' } })).map((a) => a.outcome);
    expect(outcomes).toEqual(['served', 'malformed', 'served', 'served', 'forged', 'wrong_recipient', 'expired']);
  });
});
