import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApiToken } from '../../src/admin/api-tokens.js';
import type { LoadedConversation } from '../../src/bot/conversation-setup.js';
import { createDatabase } from '../../src/db/database.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { join } from 'node:path';
import { loadWorkingCalendar } from '../../src/calendar/working-calendar.js';
import { loadProvinceSettings } from '../../src/ocop/province-settings.js';
import { inboundDeps, loadProjectConversation, projectDir, translate } from '../helpers/conversation-harness.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig, uniqueId } from '../helpers/test-env.js';
import { startAdminApp } from '../helpers/admin-app.js';
import { createTranscriptDriver } from '../helpers/transcript-driver.js';

// The province OCOP unit creates councils through the admin API; each person links their
// Zalo account by sending the OA their one-time code.

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
const redis = createRedisConnection(config.redisUrl, 'producer');
const clock = { now: new Date('2026-11-23T02:00:00Z') };
let conversation: LoadedConversation;
const driver = createTranscriptDriver(db, () => inboundDeps(db, conversation, clock));
let close: () => Promise<void>;
let base: string;
let tokens: { province: string; commune: string };

const calendar = loadWorkingCalendar(join(projectDir, 'rules', 'calendar.yaml'));
const defaults = loadProvinceSettings(join(projectDir, 'rules', 'provinces.yaml'));

const created = z.object({ id: z.string(), members: z.array(z.object({ personId: z.string(), name: z.string(), role: z.string(), linked: z.boolean(), invitationCode: z.string().optional() })) });

function post(path: string, token: string, body?: unknown) {
  return fetch(`${base}/admin/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
}

const members = [
  { name: 'Nguyễn Văn Chủ', role: 'chair' },
  { name: 'Trần Thị Một', role: 'member', phone: '84912000001' },
  { name: 'Lê Văn Hai', role: 'member' },
  { name: 'Phạm Thị Giúp', role: 'helper' },
  { name: 'Võ Văn Thư', role: 'secretary' },
];

beforeAll(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  conversation = await loadProjectConversation(db);
  tokens = {
    province: (await createApiToken(db, { name: 'Sở NN&MT Đồng Nai', role: 'province', provinceCode: '75' })).token,
    commune: (await createApiToken(db, { name: 'UBND xã Tân Phú', role: 'commune', provinceCode: '75', communeCode: '26116' })).token,
  };
  const started = await startAdminApp({
    db,
    redis,
    now: () => clock.now,
    admin: {
      translate,
      now: () => clock.now,
      invitationTtlHours: 72,
      enqueueOutbound: async () => undefined,
      meetings: { calendar, settingsFor: (province) => ({ ...defaults(province), ...(province === '01' ? { leadWorkingDays: 2 } : {}) }) },
    },
  });
  base = started.base;
  close = started.close;
});

afterAll(async () => {
  await close();
  redis.disconnect();
  await db.$disconnect();
});

describe('councils', () => {
  it('the province unit creates a council; its people link their Zalo accounts with their codes; one person sits on two councils', async () => {
    const response = await post('/councils', tokens.province, { name: 'Hội đồng OCOP tỉnh Đồng Nai 2026', level: 'province', year: 2026, members });
    expect(response.status).toBe(201);
    const council = created.parse(await response.json());
    expect(council.members.map((m) => m.role)).toEqual(['chair', 'member', 'member', 'helper', 'secretary']);
    expect(council.members.every((m) => /^OCOP-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/.test(m.invitationCode ?? ''))).toBe(true);

    // The chair also sits on the round-two council.
    const chair = council.members[0]!;
    const second = await post('/councils', tokens.province, {
      name: 'Hội đồng OCOP tỉnh Đồng Nai 2026, đợt 2',
      level: 'province',
      year: 2026,
      members: [{ personId: chair.personId, role: 'member' }, { name: 'Đỗ Văn Ba', role: 'chair' }, { name: 'Hồ Thị Tư', role: 'secretary' }],
    });
    expect(second.status).toBe(201);

    const userId = uniqueId('chair');
    const typed = chair.invitationCode!.toLowerCase().replace(/-/g, ' ');
    const [linked] = await driver.say(userId, typed);
    expect(linked).toBe('Đã liên kết tài khoản Zalo này với Nguyễn Văn Chủ. Bạn sẽ nhận hồ sơ sản phẩm tại đây trước mỗi phiên họp của: Hội đồng OCOP tỉnh Đồng Nai 2026 (chủ tịch); Hội đồng OCOP tỉnh Đồng Nai 2026, đợt 2 (thành viên).');
    expect(await driver.say(uniqueId('late'), chair.invitationCode!)).toEqual([translate('vi', 'official.linkInvalid')]);

    const list = z.object({ councils: z.array(z.object({ members: z.array(z.object({ name: z.string(), linked: z.boolean() })) })) }).parse(await (await fetch(`${base}/admin/v1/councils`, { headers: { authorization: `Bearer ${tokens.province}` } })).json());
    expect(list.councils).toHaveLength(2);
    expect(list.councils.flatMap((c) => c.members).filter((m) => m.name === 'Nguyễn Văn Chủ').every((m) => m.linked)).toBe(true);
  });

  it('a lost code is replaced: the new one links, the old one no longer does', async () => {
    const council = created.parse(await (await post('/councils', tokens.province, { name: 'Hội đồng thử', level: 'province', year: 2026, members })).json());
    const member = council.members[1]!;
    const renewed = z.object({ invitationCode: z.string() }).parse(await (await post(`/council-people/${member.personId}/invitation`, tokens.province)).json());
    expect(renewed.invitationCode).not.toBe(member.invitationCode);
    expect(await driver.say(uniqueId('old'), member.invitationCode!)).toEqual([translate('vi', 'official.linkInvalid')]);
    expect((await driver.say(uniqueId('new'), renewed.invitationCode))[0]).toContain('Trần Thị Một');
  });

  it('refuses a commune token, a council without a chair or secretary, and a person of another province', async () => {
    expect((await post('/councils', tokens.commune, { name: 'X', level: 'province', year: 2026, members })).status).toBe(403);
    const noChair = await post('/councils', tokens.province, { name: 'Hội đồng thiếu', level: 'province', year: 2026, members: members.filter((m) => m.role !== 'chair') });
    expect(noChair.status).toBe(400);
    expect(JSON.stringify(await noChair.json())).toContain('exactly one chair');
    const stranger = await db.councilPerson.create({ data: { name: 'Người tỉnh khác', provinceCode: '01' } });
    const foreign = await post('/councils', tokens.province, { name: 'Hội đồng lạ', level: 'province', year: 2026, members: [...members, { personId: String(stranger.id), role: 'member' }] });
    expect(foreign.status).toBe(400);
    expect(await db.council.count({ where: { name: 'Hội đồng lạ' } })).toBe(0);
  });
});

describe('meetings', () => {
  let councilId: string;
  let checked: bigint;
  let unchecked: bigint;
  let hanoiCouncil: string;
  let hanoiIdea: bigint;
  let hanoiToken: string;

  async function ideaWithDossier(province: string, commune: string, status: 'checked' | 'submitted'): Promise<bigint> {
    const userId = uniqueId('p');
    const producer = await db.producer.create({ data: { zaloUserId: userId, kind: 'household', name: 'Hộ Lò Văn Sáu', representative: 'Lò Văn Sáu', position: 'Chủ hộ', phone: '84987654321', address: 'Bản Nà', communeCode: commune } });
    const sequence = await db.productIdea.count({ where: { communeCode: commune } });
    const idea = await db.productIdea.create({
      data: { producerId: producer.id, communeCode: commune, provinceCode: province, year: 2026, sequence: sequence + 1, receiptNumber: `${sequence + 1}/PĐK-${province}-${commune}-2026`, ruleSet: 'qd-26-2026', productName: 'Mật ong', sectorCode: 'food', groupCode: 'rawFood', setCode: 'honeyRawOther', kind: 'new_product', details: {}, submittedAt: clock.now },
    });
    await db.dossier.create({ data: { productIdeaId: idea.id, checklistId: 'ocop-2023-dossier', status } });
    return idea.id;
  }

  beforeAll(async () => {
    checked = await ideaWithDossier('75', '26116', 'checked');
    unchecked = await ideaWithDossier('75', '26116', 'submitted');
    hanoiIdea = await ideaWithDossier('01', '00004', 'checked');
    councilId = created.parse(await (await post('/councils', tokens.province, { name: 'Hội đồng họp thử', level: 'province', year: 2026, members })).json()).id;
    hanoiToken = (await createApiToken(db, { name: 'Sở NN&MT Hà Nội', role: 'province', provinceCode: '01' })).token;
    hanoiCouncil = created.parse(await (await post('/councils', hanoiToken, { name: 'Hội đồng Hà Nội', level: 'province', year: 2026, members })).json()).id;
  });

  const schedule = (token: string, council: string, date: string, products: bigint[]) => post(`/councils/${council}/meetings`, token, { date, time: '14:00', place: 'Hội trường Sở', products: products.map(String) });

  it('states the delivery deadline: before 07:30 on the working day before the meeting', async () => {
    clock.now = new Date('2026-07-06T03:00:00Z'); // Monday 10:00 in Vietnam
    const response = await schedule(tokens.province, councilId, '2026-07-08', [checked]);
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ date: '2026-07-08', leadWorkingDays: 1, deliveryDeadline: '2026-07-07T00:30:00.000Z', products: [String(checked)] });
  });

  it('refuses a meeting too soon, naming the earliest lawful date; and products without a checked dossier', async () => {
    clock.now = new Date('2026-07-07T01:00:00Z'); // Tuesday 08:00: the 07:30 deadline for Wednesday has passed
    const tooSoon = await schedule(tokens.province, councilId, '2026-07-08', [checked]);
    expect(tooSoon.status).toBe(409);
    expect(JSON.stringify(await tooSoon.json())).toContain('the earliest lawful date is 2026-07-09');
    const notReady = await schedule(tokens.province, councilId, '2026-07-20', [checked, unchecked]);
    expect(notReady.status).toBe(400);
    expect(JSON.stringify(await notReady.json())).toContain(String(unchecked));
  });

  it('counts working days across Tết, and in a province that asks for two', async () => {
    clock.now = new Date('2026-02-02T02:00:00Z');
    const afterTet = await schedule(tokens.province, councilId, '2026-02-23', [checked]); // the Monday after the Tết block 14–22/2
    expect(await afterTet.json()).toMatchObject({ deliveryDeadline: '2026-02-13T00:30:00.000Z' });
    clock.now = new Date('2026-07-01T02:00:00Z');
    const hanoi = await schedule(hanoiToken, hanoiCouncil, '2026-07-08', [hanoiIdea]);
    expect(await hanoi.json()).toMatchObject({ leadWorkingDays: 2, deliveryDeadline: '2026-07-06T00:30:00.000Z' });
  });

  it('a council secretary\'s token runs meetings and reads ideas, but creates no council and decides nothing', async () => {
    const secretary = (await createApiToken(db, { name: 'Thư ký hội đồng', role: 'secretary', provinceCode: '75' })).token;
    clock.now = new Date('2026-07-01T02:00:00Z');
    expect((await schedule(secretary, councilId, '2026-07-20', [checked])).status).toBe(201);
    expect((await fetch(`${base}/admin/v1/ideas`, { headers: { authorization: `Bearer ${secretary}` } })).status).toBe(200);
    expect((await post('/councils', secretary, { name: 'Hội đồng của thư ký', level: 'province', year: 2026, members })).status).toBe(403);
    expect((await post(`/ideas/${checked}/accept`, secretary)).status).toBe(403);
    expect((await post('/officials', secretary, { name: 'Ai đó', role: 'province' })).status).toBe(403);
  });

  it('moving a meeting recomputes its deadline; cancelling tells every linked member in their language', async () => {
    clock.now = new Date('2026-07-01T02:00:00Z');
    const meeting = z.object({ id: z.string() }).parse(await (await schedule(tokens.province, councilId, '2026-07-15', [checked])).json());
    const moved = await fetch(`${base}/admin/v1/meetings/${meeting.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${tokens.province}`, 'content-type': 'application/json' }, body: JSON.stringify({ date: '2026-07-13' }) });
    expect(await moved.json()).toMatchObject({ date: '2026-07-13', deliveryDeadline: '2026-07-10T00:30:00.000Z' });

    const council = await db.council.findUniqueOrThrow({ where: { id: BigInt(councilId) }, include: { members: { include: { person: true } } } });
    const [first, second] = council.members.map((m) => m.person);
    await db.zaloUser.createMany({ data: [{ id: 'member-vi', locale: 'vi' }, { id: 'member-en', locale: 'en' }] });
    await db.councilPerson.update({ where: { id: first!.id }, data: { zaloUserId: 'member-vi' } });
    await db.councilPerson.update({ where: { id: second!.id }, data: { zaloUserId: 'member-en' } });
    const cancelled = await post(`/meetings/${meeting.id}/cancel`, tokens.province);
    expect(await cancelled.json()).toMatchObject({ status: 'cancelled', told: 2 });
    const told = await db.outboundMessage.findMany({ where: { recipient: { in: ['member-vi', 'member-en'] } }, orderBy: { recipient: 'asc' } });
    expect(told.map((m) => JSON.stringify(m.payload))).toEqual([
      expect.stringContaining('The meeting of Hội đồng họp thử on 13/07/2026 at 14:00'),
      expect.stringContaining('Phiên họp Hội đồng họp thử ngày 13/07/2026 lúc 14:00'),
    ]);
    expect((await post(`/meetings/${meeting.id}/cancel`, tokens.province)).status).toBe(404);
  });
});
