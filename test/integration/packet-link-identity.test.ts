import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenNameTakenError, createApiToken, revokeApiToken } from '../../src/admin/api-tokens.js';
import { createDatabase } from '../../src/db/database.js';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import { newStorageKey } from '../../src/storage/storage.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { loadChecklists } from '../../src/ocop/dossier-checklist.js';
import { loadRuleSets } from '../../src/ocop/rule-sets.js';
import { startPacketAdminApp } from '../helpers/admin-app.js';
import { dictionaries, projectDir } from '../helpers/conversation-harness.js';
import { makePdf } from '../helpers/make-documents.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig } from '../helpers/test-env.js';

// Token names are for people and may be given again once revoked, so a link issued to an
// admin token is bound to the token's id: a later token carrying the same name (of another
// province, even) is refused. Live tokens may not share a name at all.

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
const redis = createRedisConnection(config.redisUrl, 'producer');
const ruleSets = loadRuleSets(join(projectDir, 'rules', 'rule-sets.yaml'), dictionaries);
const checklists = loadChecklists(join(projectDir, 'rules', 'dossier-checklists.yaml'), ruleSets, dictionaries);
const secret = 'packet-link-identity-secret-0123456789';
const clock = new Date('2026-11-23T02:00:00Z');
const now = () => clock;
let storageDir: string;
let close: () => Promise<void>;
let base: string;
let ideaId: bigint;

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  storageDir = await mkdtemp(join(tmpdir(), 'link-identity-'));
  const storage = createLocalStorage({ root: storageDir });
  await db.zaloUser.create({ data: { id: 'producer-1', locale: 'vi' } });
  const producer = await db.producer.create({ data: { zaloUserId: 'producer-1', kind: 'cooperative', name: 'HTX Tân Phú', representative: 'Trần Văn Bình', position: 'Chủ nhiệm', phone: '84912345678', address: 'Ấp 3', communeCode: '26116' } });
  const idea = await db.productIdea.create({
    data: { producerId: producer.id, communeCode: '26116', provinceCode: '75', year: 2026, sequence: 1, receiptNumber: '1/PĐK-75-26116-2026', ruleSet: 'qd-26-2026', productName: 'Mật ong rừng Tân Phú', sectorCode: 'food', groupCode: 'rawFood', setCode: 'honeyRawOther', kind: 'new_product', details: {}, submittedAt: clock },
  });
  ideaId = idea.id;
  const dossier = await db.dossier.create({ data: { productIdeaId: idea.id, checklistId: 'ocop-2023-dossier' } });
  const bytes = await makePdf({ pages: 1, label: 'Form 01' });
  const key = newStorageKey('document', 'pdf', clock);
  await storage.put(key, Readable.from([Buffer.from(bytes)]), { contentType: 'application/pdf', sizeBytes: bytes.byteLength });
  await db.dossierDocument.create({
    data: { dossierId: dossier.id, itemCode: 'form01', position: 1, status: 'stored', uploadedBy: 'producer-1', mediaType: 'application/pdf', printable: true, sizeBytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex'), storageKey: key, createdAt: clock, storedAt: clock },
  });
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

async function packetLinkFor(token: string): Promise<string> {
  const response = await fetch(`${base}/admin/v1/ideas/${ideaId}/dossier/packet`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { link: string }).link;
}

const open = (link: string, token?: string) => fetch(`${base}${link}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

describe('admin token names', () => {
  it('are unique among live tokens, across provinces', async () => {
    await createApiToken(db, { name: 'Văn phòng OCOP', role: 'province', provinceCode: '75' });
    await expect(createApiToken(db, { name: 'Văn phòng OCOP', role: 'province', provinceCode: '01' })).rejects.toBeInstanceOf(ApiTokenNameTakenError);
    // The same visible name in another Unicode form, or with spaces around it, is the same name.
    await expect(createApiToken(db, { name: ' Văn phòng OCOP'.normalize('NFD'), role: 'commune', provinceCode: '75', communeCode: '26116' })).rejects.toBeInstanceOf(ApiTokenNameTakenError);
    expect(await db.apiToken.count({ where: { name: 'Văn phòng OCOP' } })).toBe(1);
  });

  it('may be given again once the token that had it is revoked', async () => {
    const first = await createApiToken(db, { name: 'Sở NN&MT', role: 'province', provinceCode: '75' });
    expect(await revokeApiToken(db, first.id, clock)).toBe(true);
    const second = await createApiToken(db, { name: 'Sở NN&MT', role: 'province', provinceCode: '01' });
    expect(second.id).not.toBe(first.id);
    expect(await db.apiToken.count({ where: { name: 'Sở NN&MT', revokedAt: null } })).toBe(1);
  });

  it('npm run admin:token refuses a taken name in one line', async () => {
    await createApiToken(db, { name: 'Thư ký hội đồng', role: 'secretary', provinceCode: '75' });
    const tsx = join(projectDir, 'node_modules', '.bin', 'tsx');
    const run = promisify(execFile)(tsx, [join(projectDir, 'tools', 'create-api-token.ts'), '--name', 'Thư ký hội đồng', '--role', 'secretary', '--province', '01'], { cwd: projectDir, env: { ...process.env, DATABASE_URL: config.databaseUrl } });
    const failed = await run.then(
      () => undefined,
      (error: unknown) => error as { code?: number; stderr?: string },
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr?.trim().split('\n')).toEqual(['a live token is already named "Thư ký hội đồng"; choose another name or revoke that token first']);
    expect(await db.apiToken.count({ where: { name: 'Thư ký hội đồng' } })).toBe(1);
  });
});

describe('a link issued to an admin token', () => {
  it('opens with that token only, not with a later token of the same name from another province', async () => {
    const a = await createApiToken(db, { name: 'Văn phòng OCOP tỉnh Đồng Nai', role: 'province', provinceCode: '75' });
    const link = await packetLinkFor(a.token);
    expect((await open(link, a.token)).status).toBe(200);

    // A is revoked and its name given to B, a token of Hà Nội: B may not open A's link.
    expect(await revokeApiToken(db, a.id, clock)).toBe(true);
    const b = await createApiToken(db, { name: 'Văn phòng OCOP tỉnh Đồng Nai', role: 'province', provinceCode: '01' });
    const refused = await open(link, b.token);
    expect(refused.status).toBe(403);
    expect((await open(link, a.token)).status).toBe(401);

    const accesses = await db.packetAccess.findMany({ orderBy: { id: 'asc' } });
    expect(accesses.map((access) => [access.outcome, access.recipient])).toEqual([
      ['served', `admin-token:${a.id}`],
      ['wrong_recipient', null],
    ]);
  });

  it('opens for whoever holds it when no token is presented (members open links in Zalo)', async () => {
    const c = await createApiToken(db, { name: 'UBND xã Tân Phú', role: 'commune', provinceCode: '75', communeCode: '26116' });
    const other = await createApiToken(db, { name: 'UBND xã Tân An', role: 'commune', provinceCode: '75', communeCode: '26179' });
    const link = await packetLinkFor(c.token);
    expect((await open(link, other.token)).status).toBe(403);
    expect((await open(link)).status).toBe(200);
  });
});
