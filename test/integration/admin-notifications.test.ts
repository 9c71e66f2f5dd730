import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApiToken } from '../../src/admin/api-tokens.js';
import { createDatabase } from '../../src/db/database.js';
import type { Prisma } from '../../src/db/generated/client.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { snoozeNotifications } from '../../src/notify/manage-notifications.js';
import { startAdminApp } from '../helpers/admin-app.js';
import { loadSampleAdministrativeUnits, resetDatabase, testConfig } from '../helpers/test-env.js';

const config = testConfig();
const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: 5 });
const redis = createRedisConnection(config.redisUrl, 'producer');
// Monday 2 March 2026, 15:00 in Vietnam.
const start = new Date('2026-03-02T08:00:00.000Z');
let clock = start;
let app: { base: string; close: () => Promise<void> };

// Đồng Nai (75) with the communes Tân Phú and Tân An, and Hà Nội (01).
let tokens: { province: string; secretary: string; tanPhu: string; tanAn: string; hanoi: string };

async function api(method: string, path: string, options: { token: string; body?: unknown }) {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${app.base}/admin/v1${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  return { status: response.status, body: await response.json() };
}

const notificationShape = z.looseObject({ id: z.string(), key: z.string(), state: z.string(), sendAt: z.string(), snoozeCount: z.number(), closedAt: z.string().nullable() });
const page = z.object({ notifications: z.array(notificationShape), nextAfter: z.string().nullable() });
const history = z.looseObject({
  events: z.array(z.object({ action: z.string(), actor: z.string(), detail: z.unknown(), at: z.string() })),
  messages: z.array(z.looseObject({ id: z.string(), status: z.string() })),
  timeline: z.array(z.object({ at: z.string(), step: z.string(), actor: z.string().nullable(), messageId: z.string().nullable() })),
});
const deadlineShape = z.looseObject({ id: z.string(), communeCode: z.string().nullable(), remindWorkingDaysBefore: z.array(z.number()), cancelledAt: z.string().nullable() });
const problems = z.object({ issues: z.array(z.object({ path: z.string(), message: z.string() })) });

const keysOf = (body: unknown) => page.parse(body).notifications.map((n) => n.key);
const issuePaths = (body: unknown) => problems.parse(body).issues.map((issue) => issue.path);

async function addNotification(key: string, data: Partial<Prisma.NotificationUncheckedCreateInput> = {}) {
  return db.notification.create({
    data: {
      key,
      kind: 'dossier.missingItems',
      recipientKind: 'producer',
      recipientId: 1n,
      provinceCode: '75',
      communeCode: '26116',
      dueAt: start,
      sendAt: start,
      routine: true,
      vars: {},
      createdAt: start,
      ...data,
    },
  });
}

beforeAll(async () => {
  app = await startAdminApp({ db, redis, now: () => clock, admin: { translate: () => '', now: () => clock, invitationTtlHours: 72, enqueueOutbound: async () => undefined } });
});

beforeEach(async () => {
  await resetDatabase(db);
  await loadSampleAdministrativeUnits(db);
  clock = start;
  tokens = {
    province: (await createApiToken(db, { name: 'Văn phòng OCOP tỉnh Đồng Nai', role: 'province', provinceCode: '75' })).token,
    secretary: (await createApiToken(db, { name: 'Thư ký hội đồng Đồng Nai', role: 'secretary', provinceCode: '75' })).token,
    tanPhu: (await createApiToken(db, { name: 'UBND xã Tân Phú', role: 'commune', provinceCode: '75', communeCode: '26116' })).token,
    tanAn: (await createApiToken(db, { name: 'UBND xã Tân An', role: 'commune', provinceCode: '75', communeCode: '26179' })).token,
    hanoi: (await createApiToken(db, { name: 'Văn phòng OCOP Hà Nội', role: 'province', provinceCode: '01' })).token,
  };
});

afterAll(async () => {
  await app.close();
  redis.disconnect();
  await db.$disconnect();
});

describe('GET /admin/v1/notifications', () => {
  beforeEach(async () => {
    await addNotification('tan-phu-producer', { productIdeaId: 7n });
    await addNotification('tan-phu-official', { recipientKind: 'official', recipientId: 3n, kind: 'dossier.check', state: 'sent', level: 1 });
    await addNotification('tan-an-producer', { communeCode: '26179', recipientId: 2n });
    await addNotification('dong-nai-meeting', { communeCode: null, recipientKind: 'council_person', recipientId: 4n, kind: 'meeting.tomorrow', meetingId: 9n, routine: false });
    await addNotification('ha-noi-producer', { provinceCode: '01', communeCode: '00004' });
  });

  it("lists the token's region only: the province, or the commune", async () => {
    expect(keysOf((await api('GET', '/notifications', { token: tokens.province })).body)).toEqual(['tan-phu-producer', 'tan-phu-official', 'tan-an-producer', 'dong-nai-meeting']);
    expect(keysOf((await api('GET', '/notifications', { token: tokens.secretary })).body)).toHaveLength(4);
    expect(keysOf((await api('GET', '/notifications', { token: tokens.tanPhu })).body)).toEqual(['tan-phu-producer', 'tan-phu-official']);
    expect(keysOf((await api('GET', '/notifications', { token: tokens.hanoi })).body)).toEqual(['ha-noi-producer']);
  });

  it('filters by state, kind, recipient, idea and meeting, and pages by id', async () => {
    const get = async (query: string) => keysOf((await api('GET', `/notifications?${query}`, { token: tokens.province })).body);
    expect(await get('state=sent')).toEqual(['tan-phu-official']);
    expect(await get('kind=meeting.tomorrow')).toEqual(['dong-nai-meeting']);
    expect(await get('recipientKind=producer&recipientId=2')).toEqual(['tan-an-producer']);
    expect(await get('recipientKind=producer')).toEqual(['tan-phu-producer', 'tan-an-producer']);
    expect(await get('productIdeaId=7')).toEqual(['tan-phu-producer']);
    expect(await get('meetingId=9')).toEqual(['dong-nai-meeting']);

    const first = page.parse((await api('GET', '/notifications?limit=3', { token: tokens.province })).body);
    expect(first.notifications.map((n) => n.key)).toEqual(['tan-phu-producer', 'tan-phu-official', 'tan-an-producer']);
    expect(first.nextAfter).toBe(first.notifications[2]?.id);
    const second = page.parse((await api('GET', `/notifications?limit=3&after=${first.nextAfter}`, { token: tokens.province })).body);
    expect(second).toMatchObject({ notifications: [{ key: 'dong-nai-meeting' }], nextAfter: null });
  });

  it('refuses a recipient id without its kind, and pages over 200', async () => {
    const orphan = await api('GET', '/notifications?recipientId=2', { token: tokens.province });
    expect(orphan.status).toBe(400);
    expect(issuePaths(orphan.body)).toEqual(['query.recipientId']);
    const large = await api('GET', '/notifications?limit=201', { token: tokens.province });
    expect(large.status).toBe(400);
    expect(issuePaths(large.body)).toEqual(['query.limit']);
    expect((await api('GET', '/notifications?state=lost', { token: tokens.province })).status).toBe(400);
  });
});

describe('GET /admin/v1/notifications/:id', () => {
  it('reads planned → sent → delivered → seen → done from its events and its outbox row', async () => {
    const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
    const message = await db.outboundMessage.create({
      data: { idempotencyKey: 'notify:tan-phu-producer:1', recipient: 'zu-tan-phu', payload: { kind: 'text', text: 'Nhắc hồ sơ' }, status: 'sent', createdAt: at(1), sentAt: at(1), receivedAt: at(2), seenAt: at(30) },
    });
    const failed = await db.outboundMessage.create({
      data: { idempotencyKey: 'notify:tan-phu-producer:zns', channel: 'zns', recipient: '84912345678', payload: { kind: 'text', text: 'Nhắc hồ sơ' }, status: 'failed', createdAt: at(1), failedAt: at(3), lastError: 'template not approved' },
    });
    const notification = await addNotification('tan-phu-producer', { state: 'done', channel: 'cs', outboundIds: [message.id, failed.id], sentAt: at(1), closedAt: at(60) });
    await db.notificationEvent.createMany({
      data: [
        { notificationId: notification.id, action: 'planned', actor: 'system', at: at(0) },
        { notificationId: notification.id, action: 'sent', actor: 'system', detail: { channel: 'cs' }, at: at(1) },
        { notificationId: notification.id, action: 'done', actor: 'zu-tan-phu', at: at(60) },
      ],
    });

    const answer = await api('GET', `/notifications/${notification.id}`, { token: tokens.tanPhu });
    expect(answer.status).toBe(200);
    const read = history.parse(answer.body);
    expect(read).toMatchObject({ key: 'tan-phu-producer', state: 'done', outboundIds: [String(message.id), String(failed.id)] });
    expect(read.events.map((e) => e.action)).toEqual(['planned', 'sent', 'done']);
    expect(read.messages).toEqual([
      { id: String(message.id), channel: 'cs', status: 'sent', sentAt: at(1).toISOString(), receivedAt: at(2).toISOString(), seenAt: at(30).toISOString(), failedAt: null, lastError: null },
      { id: String(failed.id), channel: 'zns', status: 'failed', sentAt: null, receivedAt: null, seenAt: null, failedAt: at(3).toISOString(), lastError: 'template not approved' },
    ]);
    expect(read.timeline.map((step) => [step.step, step.messageId])).toEqual([
      ['planned', null],
      ['sent', null],
      ['delivered', String(message.id)],
      ['failed', String(failed.id)],
      ['seen', String(message.id)],
      ['done', null],
    ]);
    expect(read.timeline.at(-1)).toEqual({ at: at(60).toISOString(), step: 'done', actor: 'zu-tan-phu', messageId: null });
  });

  it("answers 404 outside the token's region, as for an id that does not exist", async () => {
    const tanAn = await addNotification('tan-an-producer', { communeCode: '26179' });
    const missing = await api('GET', '/notifications/999999', { token: tokens.tanPhu });
    expect(missing).toEqual({ status: 404, body: { error: 'not_found', message: 'no such notification' } });
    expect(await api('GET', `/notifications/${tanAn.id}`, { token: tokens.tanPhu })).toEqual(missing);
    expect(await api('GET', `/notifications/${tanAn.id}`, { token: tokens.hanoi })).toEqual(missing);
    expect(await api('POST', `/notifications/${tanAn.id}/cancel`, { token: tokens.tanPhu })).toEqual(missing);
    expect(await api('POST', `/notifications/${tanAn.id}/snooze`, { token: tokens.hanoi, body: { until: '2026-03-03T09:00:00+07:00' } })).toEqual(missing);
    expect(await db.notification.findUniqueOrThrow({ where: { id: tanAn.id } })).toMatchObject({ state: 'planned', snoozeCount: 0 });
    expect(await db.notificationEvent.count()).toBe(0);
    expect((await api('GET', `/notifications/${tanAn.id}`, { token: tokens.tanAn })).status).toBe(200);
  });
});

describe('POST /admin/v1/notifications/:id/cancel', () => {
  it('cancels a planned or sent notification once, with an event naming the token', async () => {
    const planned = await addNotification('planned');
    const sent = await addNotification('sent', { state: 'sent' });
    const done = await addNotification('done', { state: 'done', closedAt: start });

    const answer = await api('POST', `/notifications/${planned.id}/cancel`, { token: tokens.tanPhu });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: String(planned.id), state: 'cancelled', closedAt: start.toISOString() });
    expect((await api('POST', `/notifications/${sent.id}/cancel`, { token: tokens.province })).body).toMatchObject({ state: 'cancelled' });
    const events = await db.notificationEvent.findMany({ orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.notificationId, e.action, e.actor])).toEqual([
      [planned.id, 'cancelled', 'admin:UBND xã Tân Phú'],
      [sent.id, 'cancelled', 'admin:Văn phòng OCOP tỉnh Đồng Nai'],
    ]);

    const again = await api('POST', `/notifications/${planned.id}/cancel`, { token: tokens.tanPhu });
    expect(again).toEqual({ status: 409, body: { error: 'conflict', message: 'the notification is cancelled: only a planned or sent one can be cancelled' } });
    expect((await api('POST', `/notifications/${done.id}/cancel`, { token: tokens.tanPhu })).status).toBe(409);
    expect(await db.notificationEvent.count()).toBe(2);
  });

  it('is not for a council secretary, who reads notifications only', async () => {
    const planned = await addNotification('planned');
    expect((await api('GET', `/notifications/${planned.id}`, { token: tokens.secretary })).status).toBe(200);
    expect((await api('POST', `/notifications/${planned.id}/cancel`, { token: tokens.secretary })).status).toBe(403);
  });
});

describe('POST /admin/v1/notifications/:id/snooze', () => {
  it('moves a time-bound notice out of the quiet hours, and plans a sent one again', async () => {
    const meeting = await addNotification('meeting', { routine: false, state: 'sent', sentAt: start });
    // 22:30 on Tuesday in Vietnam is in the quiet hours (21:00–07:00): it goes at 07:00.
    const answer = await api('POST', `/notifications/${meeting.id}/snooze`, { token: tokens.tanPhu, body: { until: '2026-03-03T22:30:00+07:00' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ state: 'planned', sendAt: '2026-03-04T00:00:00.000Z', snoozeCount: 1 });
    const events = await db.notificationEvent.findMany({ where: { notificationId: meeting.id } });
    expect(events.map((e) => ({ action: e.action, actor: e.actor, detail: e.detail, at: e.at }))).toEqual([
      { action: 'snoozed', actor: 'admin:UBND xã Tân Phú', detail: { until: '2026-03-04T00:00:00.000Z' }, at: start },
    ]);
  });

  it('moves a routine nudge to the routine hour of the next working day', async () => {
    const nudge = await addNotification('nudge');
    // Saturday 7 March, 10:00: the office is closed until Monday 9 March, 08:00.
    const answer = await api('POST', `/notifications/${nudge.id}/snooze`, { token: tokens.province, body: { until: '2026-03-07T03:00:00Z' } });
    expect(answer.body).toMatchObject({ sendAt: '2026-03-09T01:00:00.000Z', snoozeCount: 1 });
    const inHours = await api('POST', `/notifications/${nudge.id}/snooze`, { token: tokens.province, body: { until: '2026-03-10T10:15:00+07:00' } });
    expect(inHours.body).toMatchObject({ sendAt: '2026-03-10T03:15:00.000Z', snoozeCount: 2 });
  });

  it('refuses a time not in the future, and a closed notification', async () => {
    const nudge = await addNotification('nudge');
    const past = await api('POST', `/notifications/${nudge.id}/snooze`, { token: tokens.province, body: { until: start.toISOString() } });
    expect(past.status).toBe(400);
    expect(issuePaths(past.body)).toEqual(['body.until']);
    const noOffset = await api('POST', `/notifications/${nudge.id}/snooze`, { token: tokens.province, body: { until: '2026-03-03T09:00:00' } });
    expect(issuePaths(noOffset.body)).toEqual(['body.until']);
    const done = await addNotification('done', { state: 'done' });
    expect((await api('POST', `/notifications/${done.id}/snooze`, { token: tokens.province, body: { until: '2026-03-03T09:00:00+07:00' } })).status).toBe(409);
    expect(await db.notificationEvent.count()).toBe(0);
  });

  it('is a service the chat can call: open notifications move, closed ones are counted out', async () => {
    const open = await addNotification('open');
    const done = await addNotification('done', { state: 'done' });
    const until = new Date('2026-03-03T01:00:00.000Z');
    expect(await db.$transaction((tx) => snoozeNotifications(tx, [open.id, done.id], until, 'zu-tan-phu', start))).toBe(1);
    expect(await db.notification.findUniqueOrThrow({ where: { id: open.id } })).toMatchObject({ sendAt: until, snoozeCount: 1 });
    expect(await db.notification.findUniqueOrThrow({ where: { id: done.id } })).toMatchObject({ state: 'done', snoozeCount: 0 });
  });
});

describe('campaign deadlines', () => {
  const deadline = { title: 'Báo cáo kết quả OCOP 6 tháng', dueDate: '2026-06-20', audience: ['commune'] };

  it('creates one for the province or for one commune, with reminders 5 and 1 working days before by default', async () => {
    const provinceWide = await api('POST', '/campaign-deadlines', { token: tokens.province, body: deadline });
    expect(provinceWide.status).toBe(201);
    expect(provinceWide.body).toEqual({
      id: expect.any(String),
      provinceCode: '75',
      communeCode: null,
      title: 'Báo cáo kết quả OCOP 6 tháng',
      dueDate: '2026-06-20',
      audience: ['commune'],
      remindWorkingDaysBefore: [5, 1],
      createdBy: 'Văn phòng OCOP tỉnh Đồng Nai',
      createdAt: start.toISOString(),
      cancelledAt: null,
    });
    const forTanAn = await api('POST', '/campaign-deadlines', { token: tokens.province, body: { ...deadline, communeCode: '26179', audience: ['commune', 'province', 'commune'], remindWorkingDaysBefore: [1, 10, 3] } });
    expect(forTanAn.body).toMatchObject({ communeCode: '26179', audience: ['commune', 'province'], remindWorkingDaysBefore: [10, 3, 1] });
    // A commune token's deadline is its commune's; today is the earliest due date.
    const own = await api('POST', '/campaign-deadlines', { token: tokens.tanPhu, body: { ...deadline, dueDate: '2026-03-02' } });
    expect(own.body).toMatchObject({ communeCode: '26116', dueDate: '2026-03-02' });

    const listed = (token: string) => api('GET', '/campaign-deadlines', { token }).then((answer) => z.object({ campaignDeadlines: z.array(deadlineShape) }).parse(answer.body).campaignDeadlines.map((d) => d.communeCode));
    expect(await listed(tokens.province)).toEqual(['26116', '26179', null]);
    expect(await listed(tokens.tanPhu)).toEqual(['26116', null]);
    expect(await listed(tokens.tanAn)).toEqual(['26179', null]);
    expect(await listed(tokens.hanoi)).toEqual([]);
  });

  it('refuses invalid fields, a past date and a commune outside the token', async () => {
    const refused = async (token: string, body: unknown) => {
      const answer = await api('POST', '/campaign-deadlines', { token, body });
      expect(answer.status).toBe(400);
      return issuePaths(answer.body);
    };
    expect(await refused(tokens.province, { ...deadline, title: '  ' })).toEqual(['body.title']);
    expect(await refused(tokens.province, { ...deadline, title: 'x'.repeat(201) })).toEqual(['body.title']);
    expect(await refused(tokens.province, { ...deadline, dueDate: '2026-02-30' })).toEqual(['body.dueDate']);
    expect(await refused(tokens.province, { ...deadline, audience: [] })).toEqual(['body.audience']);
    expect(await refused(tokens.province, { ...deadline, audience: ['producer'] })).toEqual(['body.audience.0']);
    expect(await refused(tokens.province, { ...deadline, remindWorkingDaysBefore: [5, 61] })).toEqual(['body.remindWorkingDaysBefore.1']);
    expect(await refused(tokens.province, { ...deadline, remindWorkingDaysBefore: [-1] })).toEqual(['body.remindWorkingDaysBefore.0']);
    // Yesterday in Vietnam.
    expect(await refused(tokens.province, { ...deadline, dueDate: '2026-03-01' })).toEqual(['body.dueDate']);
    // Ba Đình is in Hà Nội; 99999 is no commune at all.
    expect(await refused(tokens.province, { ...deadline, communeCode: '00004' })).toEqual(['body.communeCode']);
    expect(await refused(tokens.province, { ...deadline, communeCode: '99999' })).toEqual(['body.communeCode']);
    expect(await refused(tokens.tanPhu, { ...deadline, communeCode: '26179' })).toEqual(['body.communeCode']);
    expect((await api('POST', '/campaign-deadlines', { token: tokens.secretary, body: deadline })).status).toBe(403);
    expect(await db.campaignDeadline.count()).toBe(0);
  });

  it('cancels a deadline with its planned reminders, once', async () => {
    const created = deadlineShape.parse((await api('POST', '/campaign-deadlines', { token: tokens.province, body: deadline })).body);
    const campaignDeadlineId = BigInt(created.id);
    const planned = await addNotification('campaign:planned', { campaignDeadlineId, recipientKind: 'official' });
    const sent = await addNotification('campaign:sent', { campaignDeadlineId, recipientKind: 'official', state: 'sent' });
    const other = await addNotification('other');

    expect((await api('POST', `/campaign-deadlines/${created.id}/cancel`, { token: tokens.tanPhu })).status).toBe(403);
    expect((await api('POST', `/campaign-deadlines/${created.id}/cancel`, { token: tokens.hanoi })).status).toBe(404);
    clock = new Date(start.getTime() + 3_600_000);
    const answer = await api('POST', `/campaign-deadlines/${created.id}/cancel`, { token: tokens.province });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: created.id, cancelledAt: clock.toISOString(), cancelledNotifications: 1 });
    expect(await db.notification.findUniqueOrThrow({ where: { id: planned.id } })).toMatchObject({ state: 'cancelled', closedAt: clock });
    expect(await db.notification.findUniqueOrThrow({ where: { id: sent.id } })).toMatchObject({ state: 'sent' });
    expect(await db.notification.findUniqueOrThrow({ where: { id: other.id } })).toMatchObject({ state: 'planned' });
    const events = await db.notificationEvent.findMany();
    expect(events.map((e) => ({ id: e.notificationId, action: e.action, actor: e.actor, detail: e.detail }))).toEqual([
      { id: planned.id, action: 'cancelled', actor: 'admin:Văn phòng OCOP tỉnh Đồng Nai', detail: { campaignDeadlineId: created.id } },
    ]);

    const again = await api('POST', `/campaign-deadlines/${created.id}/cancel`, { token: tokens.province });
    expect(again.status).toBe(409);
    const own = deadlineShape.parse((await api('POST', '/campaign-deadlines', { token: tokens.tanPhu, body: deadline })).body);
    expect((await api('POST', `/campaign-deadlines/${own.id}/cancel`, { token: tokens.tanAn })).status).toBe(404);
    expect((await api('POST', `/campaign-deadlines/${own.id}/cancel`, { token: tokens.tanPhu })).body).toMatchObject({ communeCode: '26116', cancelledNotifications: 0 });
  });
});
