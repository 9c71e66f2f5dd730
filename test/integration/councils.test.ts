import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApiToken } from '../../src/admin/api-tokens.js';
import type { LoadedConversation } from '../../src/conversation/conversation-setup.js';
import { createDatabase } from '../../src/db/database.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { inboundDeps, loadProjectConversation, translate } from '../helpers/conversation-harness.js';
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
    admin: { translate, now: () => clock.now, invitationTtlHours: 72, enqueueOutbound: async () => undefined },
  });
  base = started.base;
  close = started.close;
});

afterAll(async () => {
  await close();
  redis.disconnect();
  conversation.stop();
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
