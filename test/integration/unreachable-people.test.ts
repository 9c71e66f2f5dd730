import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConsoleAuth, issueSignInLink } from '../../src/console/console-auth.js';
import { addToOutbox } from '../../src/outbound/outbox.js';
import { startBotWithSim } from '../helpers/bot-with-sim.js';
import { translate } from '../helpers/conversation-harness.js';
import { uniqueId } from '../helpers/test-env.js';
import { waitFor } from '../helpers/wait-for.js';

// A message Zalo refuses because the person is outside its window (-230) does not vanish:
// it is held, the person is listed for the officials of their region only, and the held
// messages go out once, in order, when the person writes to the OA again; an official who
// told them by phone closes the entry, and the action log records it.

// The bot's and Zalo's clock: a fixed day, running at real speed (the sweep and the worker wait on real time).
const started = Date.now();
const now = () => new Date(Date.parse('2026-12-02T02:00:00Z') + (Date.now() - started));
const eightDaysAgo = () => now().getTime() - 8 * 24 * 3600_000;
let harness: Awaited<ReturnType<typeof startBotWithSim>>;
let base: string;
const cookies: Record<string, string> = {};
const officials = [
  ['communeA', 'commune', '75', '26116'],
  ['communeB', 'commune', '75', '26068'],
  ['province', 'province', '75', null],
  ['hanoi', 'province', '01', null],
] as const;

async function browse(path: string, who: string, form?: Record<string, string>) {
  const response = await fetch(`${base}${path}`, {
    method: form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: { cookie: cookies[who] ?? '', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

/** Outbox rows for `recipient`, written as any feature writes them (the sweep enqueues them). */
async function messages(recipient: string, texts: string[]): Promise<bigint[]> {
  return harness.db.$transaction((tx) => addToOutbox(tx, texts.map((text) => ({ idempotencyKey: uniqueId('reach'), recipient, message: { kind: 'text' as const, text } })), now()));
}

const statuses = async (ids: bigint[]) => (await harness.db.outboundMessage.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } })).map((m) => m.status);
const allHeld = (ids: bigint[]) => async () => ((await statuses(ids)).every((s) => s === 'held') ? true : undefined);

beforeAll(async () => {
  harness = await startBotWithSim({}, { now });
  base = harness.bot.url ?? '';
  const db = harness.db;
  for (const [key, role, provinceCode, communeCode] of officials) {
    await db.official.create({ data: { name: `Cán bộ ${key}`, role, provinceCode, communeCode, zaloUserId: `zu-${key}`, linkedAt: now() } });
    const link = await db.$transaction((tx) => issueSignInLink(tx, { zaloUserId: `zu-${key}`, now: now(), settings: defaultConsoleAuth }));
    if (link.kind !== 'link') throw new Error(`no link for ${key}`);
    const opened = await fetch(`${base}/console/sign-in/${link.token}`, { redirect: 'manual' });
    cookies[key] = opened.headers.getSetCookie().find((c) => c.startsWith('ocop_console='))?.split(';')[0] ?? '';
  }
  await db.producer.create({ data: { zaloUserId: 'sim-user-a', kind: 'cooperative', name: 'HTX Mật ong Tân Phú', representative: 'Nguyễn Thị Hoa', position: 'Giám đốc', phone: '84912345678', address: 'Ấp 1', communeCode: '26116' } });
  await db.producer.create({ data: { zaloUserId: 'sim-user-b', kind: 'household', name: 'Hộ Trần Văn Bình', representative: 'Trần Văn Bình', position: 'Chủ hộ', phone: '84987654321', address: 'Khu 2', communeCode: '26068' } });
  // Both followed the OA long ago and have not written since: Zalo refuses consultation messages (-230).
  for (const userId of ['sim-user-a', 'sim-user-b']) await harness.sim.userFollow(userId);
  await harness.sim.whenIdle();
  // The welcome goes while they are in the window; then a week passes without a word.
  await waitFor('the welcomes to be sent', async () => ((await db.outboundMessage.count({ where: { status: 'sent' } })) >= 2 && (await db.outboundMessage.count({ where: { status: { not: 'sent' } } })) === 0 ? true : undefined));
  for (const userId of ['sim-user-a', 'sim-user-b']) harness.sim.setUser(userId, { lastInteractionAt: eightDaysAgo() });
});

afterAll(async () => {
  await harness.stop();
});

describe('people the bot cannot reach', () => {
  let heldA: bigint[];
  let heldB: bigint[];

  it('holds what Zalo refused and lists each person for the officials of their region only', async () => {
    heldA = await messages('sim-user-a', ['Hồ sơ của bạn đã được xã tiếp nhận.', 'Xã hẹn bạn bổ sung giấy chứng nhận an toàn thực phẩm.']);
    heldB = await messages('sim-user-b', ['Ý tưởng sản phẩm của bạn đã được ghi nhận.']);
    await waitFor('the refused messages to be held', allHeld([...heldA, ...heldB]));
    expect(harness.sim.getSent({ userId: 'sim-user-a' }).filter((m) => m.text?.startsWith('Hồ sơ của bạn'))).toEqual([]);

    const communeA = (await browse('/console/unreachable', 'communeA')).text;
    expect(communeA).toContain(translate('vi', 'console.unreachable.title'));
    expect(communeA).toContain('HTX Mật ong Tân Phú');
    expect(communeA).toContain('Xã Tân Phú');
    expect(communeA).toContain('0912 345 678');
    expect(communeA).toContain(translate('vi', 'console.operations.zaloError.noInteraction7Days'));
    expect(communeA).toContain('văn bản: Hồ sơ của bạn đã được xã tiếp nhận.');
    expect(communeA).toContain(translate('vi', 'console.unreachable.waiting', { count: '2' }));
    expect(communeA).not.toContain('Hộ Trần Văn Bình');
    expect(communeA).not.toContain('noInteraction7Days');

    const communeB = (await browse('/console/unreachable', 'communeB')).text;
    expect(communeB).toContain('Hộ Trần Văn Bình');
    expect(communeB).toContain('0987 654 321');
    expect(communeB).not.toContain('HTX Mật ong Tân Phú');

    const province = (await browse('/console/unreachable', 'province')).text;
    expect(province).toContain('HTX Mật ong Tân Phú');
    expect(province).toContain('Hộ Trần Văn Bình');
    const elsewhere = (await browse('/console/unreachable', 'hanoi')).text;
    expect(elsewhere).toContain(translate('vi', 'console.unreachable.none'));

    const english = (await browse('/console/unreachable?lang=en', 'communeA')).text;
    expect(english).toContain(translate('en', 'console.unreachable.title'));
  });

  it('holds a later message behind them, then delivers all of them once, in order, when the person writes again', async () => {
    const [later] = await messages('sim-user-a', ['Lịch thẩm định tại cơ sở: thứ Hai tuần sau.']);
    await waitFor('the later message to be held behind', allHeld([later!]));
    const before = harness.sim.getSent({ userId: 'sim-user-a' }).length;
    await harness.sim.userSendText('sim-user-a', 'Chào OA');
    const ids = [...heldA, later!];
    await harness.sim.whenIdle();
    await waitFor('everything to the person to be sent', async () => {
      const rows = await harness.db.outboundMessage.findMany({ where: { recipient: 'sim-user-a' }, select: { status: true } });
      return rows.length > ids.length + 1 && rows.every((r) => r.status === 'sent') ? true : undefined;
    });
    const sent = harness.sim.getSent({ userId: 'sim-user-a' }).slice(before).map((m) => m.text ?? '');
    const held = ['Hồ sơ của bạn đã được xã tiếp nhận.', 'Xã hẹn bạn bổ sung giấy chứng nhận an toàn thực phẩm.', 'Lịch thẩm định tại cơ sở: thứ Hai tuần sau.'];
    // Each once, in the order written, and before the answer to what the person just wrote.
    expect(sent.slice(0, held.length)).toEqual(held);
    expect(sent.length).toBeGreaterThan(held.length);
    expect(sent.slice(held.length).filter((text) => held.includes(text))).toEqual([]);
    expect((await browse('/console/unreachable', 'communeA')).text).not.toContain('HTX Mật ong Tân Phú');
  });

  it('an official who told the person by phone closes the entry: never sent, and recorded in the action log', async () => {
    const page = (await browse('/console/unreachable', 'communeB')).text;
    // An official of another commune may not close it.
    const refused = await browse(`/console/unreachable/${String(heldB[0])}/handled`, 'communeA', { _csrf: csrfOf((await browse('/console/unreachable', 'communeA')).text), last: String(heldB[0]) });
    expect(refused.status).toBe(404);
    const done = await browse(`/console/unreachable/${String(heldB[0])}/handled`, 'communeB', { _csrf: csrfOf(page), last: String(heldB[0]) });
    expect(done.status).toBe(303);
    const after = (await browse(done.headers.get('location') ?? '', 'communeB')).text;
    expect(after).toContain(translate('vi', 'console.flash.handledByPhone'));
    expect(after).not.toContain('Hộ Trần Văn Bình');
    expect(await statuses(heldB)).toEqual(['handled']);
    const official = await harness.db.official.findFirstOrThrow({ where: { zaloUserId: 'zu-communeB' } });
    expect(await harness.db.outboundMessage.findUniqueOrThrow({ where: { id: heldB[0]! } })).toMatchObject({ handledBy: `official:${official.id}` });
    const actions = await harness.db.officialAction.findMany({ where: { actorId: official.id, route: '/console/unreachable/:id/handled' } });
    expect(actions).toEqual([expect.objectContaining({ method: 'POST', status: 303, target: { id: String(heldB[0]) } })]);
    // Writing later sends nothing of what was handled.
    await harness.sim.userSendText('sim-user-b', 'Chào OA');
    await harness.sim.whenIdle();
    expect(harness.sim.getSent({ userId: 'sim-user-b' }).filter((m) => m.text === 'Ý tưởng sản phẩm của bạn đã được ghi nhận.')).toEqual([]);
  });
});
