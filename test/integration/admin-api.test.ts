import { testNotifyTiming } from '../helpers/admin-app.js';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { authenticateApiToken, createApiToken, revokeApiToken } from '../../src/admin/api-tokens.js';
import { projectRoot } from '../../src/config/project-root.js';
import { createDatabase } from '../../src/db/database.js';
import { createSqlPool } from '../../src/db/sql-pool.js';
import { loadEthnicGroups } from '../../src/conversation/ethnic-groups.js';
import type { Producer } from '../../src/db/generated/client.js';
import { createApp } from '../../src/http/app.js';
import { createTranslator, loadDictionaries } from '../../src/i18n/translator.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { inviteOfficial, linkedOfficialsFor, linkOfficialAccount } from '../../src/officials/official-invitations.js';
import { outgoingMessageSchema } from '../../src/outbound/outgoing-message.js';
import { runCreateApiToken } from '../../tools/create-api-token.js';
import { capturedLogger } from '../helpers/zalo-harness.js';
import { resetDatabase, testConfig } from '../helpers/test-env.js';

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
const sql = createSqlPool({ databaseUrl: config.databaseUrl, poolSize: 4 });
const redis = createRedisConnection(config.redisUrl, 'producer');
const translate = createTranslator(loadDictionaries(join(projectRoot(), 'locales')));
const { logger, lines: logLines } = capturedLogger('info');
const ttlHours = 72;
const codeShape = /^OCOP-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}$/;

let clock = new Date('2026-03-02T08:00:00.000Z');
let enqueued: bigint[][] = [];
let enqueueFails = false;
let server: Server;
let base: string;

// Two communes in province 75, one in province 01; a producer and a submitted idea in each.
let tokens: { commune: string; province: string; otherProvince: string };
let ideas: { tanPhu: bigint; dinhQuan: bigint; baDinh: bigint };
let producers: { tanPhu: Producer; dinhQuan: Producer; baDinh: Producer };

async function addProducer(zaloUserId: string, locale: string, communeCode: string, name: string): Promise<Producer> {
  await db.zaloUser.create({ data: { id: zaloUserId, locale } });
  return db.producer.create({
    data: { zaloUserId, kind: 'cooperative', name, representative: 'Nguyễn Văn An', position: 'Giám đốc', phone: '84912345678', address: 'Ấp 1', communeCode },
  });
}

let sequence = 0;
async function addIdea(producer: Producer, provinceCode: string, productName: string): Promise<bigint> {
  sequence += 1;
  const idea = await db.productIdea.create({
    data: {
      producerId: producer.id,
      communeCode: producer.communeCode,
      provinceCode,
      year: 2026,
      sequence,
      receiptNumber: `${sequence}/PĐK-${provinceCode}-${producer.communeCode}-2026`,
      ruleSet: '2026',
      productName,
      sectorCode: '01',
      groupCode: '0101',
      setCode: '010101',
      kind: 'new_product',
      details: { description: 'Sản phẩm truyền thống' },
      submittedAt: new Date('2026-03-01T03:00:00.000Z'),
    },
  });
  return idea.id;
}

async function api(method: string, path: string, options: { token?: string; body?: unknown; rawBody?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined || options.rawBody !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}/admin/v1${path}`, { method, headers, body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)) });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

// The answers' shapes, read as far as a test looks into them.
const ideaPage = z.object({ ideas: z.array(z.looseObject({ id: z.string() })), nextCursor: z.string().nullable() });
const problems = z.object({ issues: z.array(z.object({ path: z.string(), message: z.string() })) });
const officialList = z.object({ officials: z.array(z.looseObject({ id: z.string(), name: z.string() })) });
const invitation = z.looseObject({ id: z.string(), invitationCode: z.string() });

const ideaIds = (body: unknown) => ideaPage.parse(body).ideas.map((idea) => idea.id);
const issuePaths = (body: unknown) => problems.parse(body).issues.map((issue) => issue.path);

async function outboxFor(recipient: string) {
  const rows = await db.outboundMessage.findMany({ where: { recipient }, orderBy: { id: 'asc' } });
  return rows.map((row) => ({ ...row, message: outgoingMessageSchema.parse(row.payload) }));
}

beforeAll(async () => {
  const app = createApp({
    db,
    sql,
    redis,
    logger,
    metrics: createMetrics(),
    webhook: { appId: 'test-app', secret: 'test-secret', maxAgeSeconds: 10800, maxFutureSkewSeconds: 300, enqueueInboundEvents: async () => undefined, now: () => clock },
    admin: {
      translate,
      notifyTiming: testNotifyTiming(),
      now: () => clock,
      invitationTtlHours: ttlHours,
      ethnicGroups: loadEthnicGroups(join(projectRoot(), 'rules', 'ethnic-groups.yaml')),
      enqueueOutbound: async (ids) => {
        if (enqueueFails) throw new Error('redis is away');
        enqueued.push(ids);
      },
    },
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

beforeEach(async () => {
  await resetDatabase(db);
  clock = new Date('2026-03-02T08:00:00.000Z');
  enqueued = [];
  enqueueFails = false;
  sequence = 0;
  await db.administrativeUnit.createMany({
    data: [
      { communeCode: '26170', communeName: 'Xã Tân Phú', provinceCode: '75', provinceName: 'Tỉnh Đồng Nai' },
      { communeCode: '26206', communeName: 'Xã Định Quán', provinceCode: '75', provinceName: 'Tỉnh Đồng Nai' },
      { communeCode: '00004', communeName: 'Phường Ba Đình', provinceCode: '01', provinceName: 'Thành phố Hà Nội' },
    ],
  });
  producers = {
    tanPhu: await addProducer('zu-tan-phu', 'vi', '26170', 'HTX Tân Phú'),
    dinhQuan: await addProducer('zu-dinh-quan', 'en', '26206', 'HTX Định Quán'),
    baDinh: await addProducer('zu-ba-dinh', 'vi', '00004', 'Cơ sở Ba Đình'),
  };
  ideas = {
    tanPhu: await addIdea(producers.tanPhu, '75', 'Mật ong rừng Tân Phú'),
    dinhQuan: await addIdea(producers.dinhQuan, '75', 'Bưởi Định Quán'),
    baDinh: await addIdea(producers.baDinh, '01', 'Bánh cốm Ba Đình'),
  };
  tokens = {
    commune: (await createApiToken(db, { name: 'UBND xã Tân Phú', role: 'commune', provinceCode: '75', communeCode: '26170' })).token,
    province: (await createApiToken(db, { name: 'Văn phòng OCOP tỉnh Đồng Nai', role: 'province', provinceCode: '75' })).token,
    otherProvince: (await createApiToken(db, { name: 'Văn phòng OCOP Hà Nội', role: 'province', provinceCode: '01' })).token,
  };
});

afterAll(async () => {
  server.close();
  redis.disconnect();
  await sql.end();
  await db.$disconnect();
});

describe('admin API authentication', () => {
  it('answers 401 without a token, with a wrong one and with a revoked one', async () => {
    const wrong = `ocop_${'A'.repeat(43)}`;
    const revoked = await createApiToken(db, { name: 'cũ', role: 'province', provinceCode: '75' });
    expect(await revokeApiToken(db, revoked.id, clock)).toBe(true);
    expect(await revokeApiToken(db, revoked.id, clock)).toBe(false);
    for (const token of [undefined, wrong, 'not-a-token', revoked.token]) {
      const response = await api('GET', '/ideas', token === undefined ? {} : { token });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: 'unauthorized', message: expect.any(String) });
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
    // Checked before anything else, even on a path that does not exist.
    expect((await api('GET', '/nothing-here')).status).toBe(401);
    expect((await api('GET', '/nothing-here', { token: tokens.commune })).status).toBe(404);
  });

  it('never writes a token to the log', async () => {
    await api('GET', '/ideas', { token: tokens.province });
    await api('GET', '/ideas', { token: `ocop_${'B'.repeat(43)}` });
    await api('POST', `/ideas/${ideas.tanPhu}/return`, { token: tokens.commune, body: { reason: 'x' } });
    logger.info({ headers: { authorization: `Bearer ${tokens.commune}` }, req: { headers: { authorization: `Bearer ${tokens.commune}` } } }, 'headers seen');
    const written = logLines.join('');
    expect(written).toContain('headers seen');
    for (const token of Object.values(tokens)) expect(written).not.toContain(token.slice(5));
    expect(written).not.toContain('B'.repeat(43));
  });

  it('updates lastUsedAt at most once a minute', async () => {
    const { id, token } = await createApiToken(db, { name: 'đo', role: 'province', provinceCode: '75' });
    const at = (seconds: number) => new Date(clock.getTime() + seconds * 1000);
    const lastUsed = async () => (await db.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt;
    await authenticateApiToken(db, token, at(0));
    expect(await lastUsed()).toEqual(at(0));
    await authenticateApiToken(db, token, at(30));
    expect(await lastUsed()).toEqual(at(0));
    await authenticateApiToken(db, token, at(61));
    expect(await lastUsed()).toEqual(at(61));
  });
});

describe('admin API token command', () => {
  it('creates a token that authenticates, prints it once with a warning, and revokes it', async () => {
    // A name no live token has: live tokens may not share one.
    const output = await runCreateApiToken(db, ['--name', 'UBND xã Tân Phú (máy 2)', '--role', 'commune', '--province', '75', '--commune', '26170'], clock);
    const token = /ocop_[A-Za-z0-9_-]{43}/.exec(output)?.[0];
    const printedId = /^Token (\d+) /.exec(output)?.[1];
    expect(token).toBeDefined();
    expect(output).toContain('cannot be shown again');
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: BigInt(printedId ?? '0') } });
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))).not.toContain(token!.slice(5));
    expect(await authenticateApiToken(db, token!, clock)).toEqual({ tokenId: row.id, name: 'UBND xã Tân Phú (máy 2)', role: 'commune', provinceCode: '75', communeCode: '26170' });
    expect(await runCreateApiToken(db, ['--revoke', String(row.id)], clock)).toContain('revoked');
    expect(await authenticateApiToken(db, token!, clock)).toBeNull();
  });

  it('refuses a commune outside the province, a commune role without a commune, and missing arguments', async () => {
    await expect(runCreateApiToken(db, ['--name', 'x', '--role', 'commune', '--province', '01', '--commune', '26170'], clock)).rejects.toThrow('not in province 01');
    await expect(runCreateApiToken(db, ['--name', 'x', '--role', 'commune', '--province', '75'], clock)).rejects.toThrow('needs a commune code');
    await expect(runCreateApiToken(db, ['--name', 'x', '--role', 'province', '--province', '75', '--commune', '26170'], clock)).rejects.toThrow('no commune code');
    await expect(runCreateApiToken(db, ['--role', 'province'], clock)).rejects.toThrow('--name is required');
    await expect(runCreateApiToken(db, ['--name', 'x', '--bogus'], clock)).rejects.toThrow(/bogus/);
  });
});

describe('GET /admin/v1/ideas', () => {
  it("gives what Forms 02 and 03 ask of the representative, the household's personal ID masked", async () => {
    const identity = { kind: 'household', personalId: '001190012345', representativeGender: 'female', representativeEthnicGroup: '08', representativePermanentAddress: 'Thôn Sả Séng' } as const;
    await db.producer.update({ where: { id: producers.tanPhu.id }, data: identity });
    try {
      const own = await api('GET', `/ideas/${ideas.tanPhu}`, { token: tokens.commune });
      expect(own.status).toBe(200);
      expect(JSON.stringify(own.body)).not.toContain('001190012345');
      expect(z.object({ producer: z.unknown() }).parse(own.body).producer).toEqual({
        name: 'HTX Tân Phú',
        kind: 'household',
        phone: '84912345678',
        communeCode: '26170',
        personalId: '001*****2345',
        representativeGender: 'female',
        representativeEthnicGroup: { code: '08', name: 'HMông' },
        representativePermanentAddress: 'Thôn Sả Séng',
      });
    } finally {
      await db.producer.update({ where: { id: producers.tanPhu.id }, data: { kind: 'cooperative', personalId: null, representativeGender: null, representativeEthnicGroup: null, representativePermanentAddress: null } });
    }
  });

  it('shows a commune token only its own commune, and 404 for any other idea', async () => {
    const list = await api('GET', '/ideas', { token: tokens.commune });
    expect(list.status).toBe(200);
    const page = ideaPage.parse(list.body);
    expect(page.ideas).toHaveLength(1);
    expect(page.ideas[0]).toEqual({
      id: String(ideas.tanPhu),
      receiptNumber: '1/PĐK-75-26170-2026',
      productName: 'Mật ong rừng Tân Phú',
      sectorCode: '01',
      groupCode: '0101',
      setCode: '010101',
      kind: 'new_product',
      status: 'submitted',
      communeCode: '26170',
      provinceCode: '75',
      reviewReason: null,
      reviewedBy: null,
      submittedAt: '2026-03-01T03:00:00.000Z',
      reviewedAt: null,
      producer: {
        name: 'HTX Tân Phú',
        kind: 'cooperative',
        phone: '84912345678',
        communeCode: '26170',
        personalId: null,
        representativeGender: null,
        representativeEthnicGroup: null,
        representativePermanentAddress: null,
      },
    });
    expect(page.nextCursor).toBeNull();
    // Asking for another commune is not a way around the scope.
    expect(ideaIds((await api('GET', '/ideas?communeCode=26206', { token: tokens.commune })).body)).toEqual([]);

    const own = await api('GET', `/ideas/${ideas.tanPhu}`, { token: tokens.commune });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ id: String(ideas.tanPhu), details: { description: 'Sản phẩm truyền thống' }, businessPlan: null });

    const missing = await api('GET', '/ideas/999999', { token: tokens.commune });
    for (const id of [ideas.dinhQuan, ideas.baDinh]) {
      const other = await api('GET', `/ideas/${id}`, { token: tokens.commune });
      expect(other.status).toBe(404);
      expect(other.body).toEqual(missing.body);
    }
  });

  it('shows a province token its whole province and nothing of another', async () => {
    const province = await api('GET', '/ideas', { token: tokens.province });
    expect(ideaIds(province.body)).toEqual([String(ideas.dinhQuan), String(ideas.tanPhu)]);
    const filtered = await api('GET', '/ideas?communeCode=26206&status=submitted', { token: tokens.province });
    expect(ideaIds(filtered.body)).toEqual([String(ideas.dinhQuan)]);
    expect(ideaIds((await api('GET', '/ideas?status=accepted', { token: tokens.province })).body)).toEqual([]);
    expect((await api('GET', `/ideas/${ideas.baDinh}`, { token: tokens.province })).status).toBe(404);
    const other = await api('GET', '/ideas', { token: tokens.otherProvince });
    expect(ideaIds(other.body)).toEqual([String(ideas.baDinh)]);
  });

  it('pages newest first by id with a cursor', async () => {
    const more = [];
    for (const name of ['Trà', 'Cà phê', 'Hạt điều', 'Tiêu']) more.push(await addIdea(producers.tanPhu, '75', name));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await api('GET', `/ideas?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: tokens.commune });
      expect(response.status).toBe(200);
      const page = ideaPage.parse(response.body);
      expect(page.ideas.length).toBeLessThanOrEqual(2);
      seen.push(...page.ideas.map((idea) => idea.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...more].reverse().concat(ideas.tanPhu).map(String));
  });

  it('answers 400 listing every problem with the query or the id', async () => {
    const bad = await api('GET', '/ideas?status=lost&limit=101&cursor=abc&colour=red', { token: tokens.province });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'bad_request', message: 'invalid query' });
    expect(issuePaths(bad.body).sort()).toEqual(['query', 'query.cursor', 'query.limit', 'query.status']);
    expect(problems.parse((await api('GET', '/ideas/abc', { token: tokens.province })).body).issues).toEqual([{ path: 'params.id', message: expect.any(String) }]);
  });
});

describe('reviewing an idea', () => {
  it('accept: sets the status and reviewer, writes one message in the producer language and enqueues it', async () => {
    const response = await api('POST', `/ideas/${ideas.tanPhu}/accept`, { token: tokens.commune });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: String(ideas.tanPhu), status: 'accepted', reviewedBy: 'UBND xã Tân Phú', reviewedAt: clock.toISOString(), reviewReason: null });
    const rows = await outboxFor('zu-tan-phu');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.message).toEqual({ kind: 'text', text: translate('vi', 'review.accepted', { product: 'Mật ong rừng Tân Phú', receipt: '1/PĐK-75-26170-2026' }) });
    expect(rows[0]!.status).toBe('pending');
    expect(enqueued).toEqual([[rows[0]!.id]]);

    // The producer of Định Quán chose English, and already gave the business plan in the
    // chat: the next step named is the dossier, not the plan again.
    await db.productIdea.update({ where: { id: BigInt(ideas.dinhQuan) }, data: { businessPlan: { output: '2 tấn/năm' } } });
    expect((await api('POST', `/ideas/${ideas.dinhQuan}/accept`, { token: tokens.province })).status).toBe(200);
    const english = await outboxFor('zu-dinh-quan');
    expect(english.map((row) => row.message)).toEqual([{ kind: 'text', text: translate('en', 'review.acceptedWithPlan', { product: 'Bưởi Định Quán', receipt: '2/PĐK-75-26206-2026' }) }]);
    expect(JSON.stringify(english[0]?.message)).not.toContain('Business plan');
  });

  it('accept twice, or return after accept: 409, and still exactly one message', async () => {
    expect((await api('POST', `/ideas/${ideas.tanPhu}/accept`, { token: tokens.commune })).status).toBe(200);
    clock = new Date(clock.getTime() + 5000);
    const again = await api('POST', `/ideas/${ideas.tanPhu}/accept`, { token: tokens.commune });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: 'conflict', message: expect.stringContaining('accepted') });
    expect((await api('POST', `/ideas/${ideas.tanPhu}/return`, { token: tokens.commune, body: { reason: 'Thiếu ảnh sản phẩm' } })).status).toBe(409);
    expect(await outboxFor('zu-tan-phu')).toHaveLength(1);
    expect(enqueued).toHaveLength(1);
    expect((await db.productIdea.findUniqueOrThrow({ where: { id: ideas.tanPhu } })).reviewReason).toBeNull();
  });

  it('accepts one of two concurrent reviews', async () => {
    const answers = await Promise.all([
      api('POST', `/ideas/${ideas.tanPhu}/accept`, { token: tokens.commune }),
      api('POST', `/ideas/${ideas.tanPhu}/return`, { token: tokens.province, body: { reason: 'Cần bổ sung hồ sơ' } }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(await outboxFor('zu-tan-phu')).toHaveLength(1);
  });

  it('return: needs a reason of 5 to 1000 characters, stores it NFC and sends it with a revise button', async () => {
    for (const body of [{ reason: 'abc' }, { reason: '    abc     ' }, { reason: 'x'.repeat(1001) }, {}, { reason: 'Thiếu ảnh', extra: 1 }]) {
      const refused = await api('POST', `/ideas/${ideas.tanPhu}/return`, { token: tokens.commune, body });
      expect(refused.status).toBe(400);
      const paths = issuePaths(refused.body);
      expect(paths.length).toBeGreaterThan(0);
      expect(paths.every((path) => path.startsWith('body'))).toBe(true);
    }
    expect((await api('POST', `/ideas/${ideas.tanPhu}/return`, { token: tokens.commune, rawBody: '{"reason": ' })).status).toBe(400);
    expect((await api('POST', `/ideas/${ideas.tanPhu}/return`, { token: tokens.commune, body: { reason: 'x'.repeat(70_000) } })).status).toBe(413);

    const typed = '  Thiếu ảnh nhãn sản phẩm  '.normalize('NFD');
    const reason = 'Thiếu ảnh nhãn sản phẩm';
    const response = await api('POST', `/ideas/${ideas.tanPhu}/return`, { token: tokens.commune, body: { reason: typed } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'returned', reviewReason: reason, reviewedBy: 'UBND xã Tân Phú' });
    const rows = await outboxFor('zu-tan-phu');
    expect(rows).toHaveLength(1);
    const button = translate('vi', 'review.reviseButton');
    expect(rows[0]!.message).toEqual({
      kind: 'text',
      text: translate('vi', 'review.returned', { product: 'Mật ong rừng Tân Phú', receipt: '1/PĐK-75-26170-2026', reason }),
      buttons: [{ title: button, action: { kind: 'reply', payload: button } }],
    });
    expect(rows[0]!.message.kind === 'text' && rows[0]!.message.text).toContain(reason);
    expect(enqueued).toEqual([[rows[0]!.id]]);
  });

  it('a commune token cannot review another commune idea: 404 and nothing changes', async () => {
    expect((await api('POST', `/ideas/${ideas.dinhQuan}/accept`, { token: tokens.commune })).status).toBe(404);
    expect((await api('POST', `/ideas/${ideas.baDinh}/return`, { token: tokens.province, body: { reason: 'Không thuộc tỉnh' } })).status).toBe(404);
    expect((await db.productIdea.findMany({ where: { status: { not: 'submitted' } } })).length).toBe(0);
    expect(await db.outboundMessage.count()).toBe(0);
  });

  it('still answers 200 when enqueueing fails, leaving the message pending for the sweep', async () => {
    enqueueFails = true;
    const response = await api('POST', `/ideas/${ideas.tanPhu}/accept`, { token: tokens.commune });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'accepted' });
    const rows = await outboxFor('zu-tan-phu');
    expect(rows.map((row) => row.status)).toEqual(['pending']);
    expect(logLines.some((line) => line.includes('outbound enqueue deferred to the sweep'))).toBe(true);
  });
});

describe('officials', () => {
  it('invites a commune official, lists them without the code, and links a Zalo account once with a code typed loosely', async () => {
    const invited = await api('POST', '/officials', { token: tokens.commune, body: { name: 'Trần Thị Bình', role: 'commune', communeCode: '26170' } });
    expect(invited.status).toBe(201);
    expect(invited.body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      name: 'Trần Thị Bình',
      role: 'commune',
      provinceCode: '75',
      communeCode: '26170',
      invitationCode: expect.stringMatching(codeShape),
      expiresAt: new Date(clock.getTime() + ttlHours * 3600_000).toISOString(),
    });
    const { id, invitationCode: code } = invitation.parse(invited.body);

    const listed = await api('GET', '/officials', { token: tokens.commune });
    expect(officialList.parse(listed.body).officials).toEqual([expect.objectContaining({ id, linked: false })]);
    expect(JSON.stringify(listed.body)).not.toContain(code);

    // Lower case, spaces instead of hyphens, and the Ô of a Vietnamese keyboard in NFD.
    const typed = `o\u0302${code.slice(1).toLowerCase().replaceAll('-', ' ')}`;
    const linked = await db.$transaction((tx) => linkOfficialAccount(tx, { zaloUserId: 'zu-binh', typedCode: typed, now: clock }));
    expect(linked).toMatchObject({ ok: true, official: { name: 'Trần Thị Bình', zaloUserId: 'zu-binh', invitationCode: null, linkedAt: clock } });
    const again = await db.$transaction((tx) => linkOfficialAccount(tx, { zaloUserId: 'zu-someone-else', typedCode: code, now: clock }));
    expect(again).toEqual({ ok: false, reason: 'unknown' });

    const after = await api('GET', '/officials', { token: tokens.commune });
    expect(officialList.parse(after.body).officials).toEqual([expect.objectContaining({ id, linked: true, linkedAt: clock.toISOString(), invitationExpiresAt: null })]);
  });

  it('an expired code is refused as expired', async () => {
    const invited = await db.$transaction((tx) => inviteOfficial(tx, { name: 'Lê Văn Cường', role: 'province', provinceCode: '75', now: clock, ttlHours }));
    expect(invited.invitationCode).toMatch(codeShape);
    const late = new Date(invited.expiresAt.getTime() + 1);
    expect(await db.$transaction((tx) => linkOfficialAccount(tx, { zaloUserId: 'zu-cuong', typedCode: invited.invitationCode, now: late }))).toEqual({ ok: false, reason: 'expired' });
    expect((await db.official.findUniqueOrThrow({ where: { id: invited.official.id } })).zaloUserId).toBeNull();
  });

  it('moves a Zalo account to the official whose code it sends last', async () => {
    const first = await db.$transaction((tx) => inviteOfficial(tx, { name: 'Phạm Dũng', role: 'commune', provinceCode: '75', communeCode: '26170', now: clock, ttlHours }));
    const second = await db.$transaction((tx) => inviteOfficial(tx, { name: 'Phạm Dũng', role: 'province', provinceCode: '75', now: clock, ttlHours }));
    await db.$transaction((tx) => linkOfficialAccount(tx, { zaloUserId: 'zu-dung', typedCode: first.invitationCode, now: clock }));
    const moved = await db.$transaction((tx) => linkOfficialAccount(tx, { zaloUserId: 'zu-dung', typedCode: second.invitationCode, now: clock }));
    expect(moved).toMatchObject({ ok: true, official: { id: second.official.id } });
    expect(await db.official.findUniqueOrThrow({ where: { id: first.official.id } })).toMatchObject({ zaloUserId: null, linkedAt: null });
  });

  it('tells a commune idea to the commune officials, or to the province unit when the commune has none linked', async () => {
    const link = async (name: string, role: 'province' | 'commune', communeCode: string | null, zaloUserId: string) => {
      const { invitationCode } = await db.$transaction((tx) => inviteOfficial(tx, { name, role, provinceCode: '75', communeCode, now: clock, ttlHours }));
      await db.$transaction((tx) => linkOfficialAccount(tx, { zaloUserId, typedCode: invitationCode, now: clock }));
    };
    await link('Tỉnh', 'province', null, 'zu-province');
    await link('Xã Tân Phú', 'commune', '26170', 'zu-commune');
    await db.$transaction((tx) => inviteOfficial(tx, { name: 'Xã Định Quán, chưa liên kết', role: 'commune', provinceCode: '75', communeCode: '26206', now: clock, ttlHours }));
    const tanPhu = await db.$transaction((tx) => linkedOfficialsFor(tx, { communeCode: '26170', provinceCode: '75' }));
    expect(tanPhu.map((official) => official.zaloUserId)).toEqual(['zu-commune']);
    const dinhQuan = await db.$transaction((tx) => linkedOfficialsFor(tx, { communeCode: '26206', provinceCode: '75' }));
    expect(dinhQuan.map((official) => official.zaloUserId)).toEqual(['zu-province']);

    // A deactivated official is told nothing more: the province unit hears of Tân Phú instead.
    const commune = await db.official.findFirstOrThrow({ where: { zaloUserId: 'zu-commune' } });
    expect((await api('POST', `/officials/${commune.id}/deactivate`, { token: tokens.province })).status).toBe(200);
    const afterDeactivation = await db.$transaction((tx) => linkedOfficialsFor(tx, { communeCode: '26170', provinceCode: '75' }));
    expect(afterDeactivation.map((official) => official.zaloUserId)).toEqual(['zu-province']);
  });

  it('keeps invitations inside the token region', async () => {
    const refusals = [
      { token: tokens.commune, body: { name: 'Ngô Hà', role: 'commune', communeCode: '26206' } },
      { token: tokens.commune, body: { name: 'Ngô Hà', role: 'province' } },
      { token: tokens.province, body: { name: 'Ngô Hà', role: 'commune', communeCode: '00004' } },
      { token: tokens.province, body: { name: 'Ngô Hà', role: 'commune', communeCode: '99999' } },
      { token: tokens.province, body: { name: 'Ngô Hà', role: 'commune' } },
      { token: tokens.province, body: { name: 'Ngô Hà', role: 'province', communeCode: '26170' } },
      { token: tokens.province, body: { name: '   ', role: 'mayor' } },
    ];
    for (const { token, body } of refusals) {
      const response = await api('POST', '/officials', { token, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect(await db.official.count()).toBe(0);

    const commune = await api('POST', '/officials', { token: tokens.province, body: { name: 'Ngô Hà', role: 'commune', communeCode: '26206' } });
    expect(commune.body).toMatchObject({ role: 'commune', provinceCode: '75', communeCode: '26206' });
    const province = await api('POST', '/officials', { token: tokens.province, body: { name: 'Đỗ Minh', role: 'province' } });
    expect(province.body).toMatchObject({ role: 'province', provinceCode: '75', communeCode: null });

    const seenByProvince = await api('GET', '/officials', { token: tokens.province });
    expect(officialList.parse(seenByProvince.body).officials.map((official) => official.name)).toEqual(['Ngô Hà', 'Đỗ Minh']);
    expect(officialList.parse((await api('GET', '/officials', { token: tokens.commune })).body).officials).toEqual([]);
    expect(officialList.parse((await api('GET', '/officials', { token: tokens.otherProvince })).body).officials).toEqual([]);
  });
});
