import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConsoleAuth, issueSignInLink } from '../../src/console/console-auth.js';
import { addToOutbox } from '../../src/outbound/outbox.js';
import { startBotWithSim } from '../helpers/bot-with-sim.js';
import { translate } from '../helpers/conversation-harness.js';
import { uniqueId } from '../helpers/test-env.js';
import { waitFor } from '../helpers/wait-for.js';

// A reply Zalo refuses outside its 7-day window is held (unreachable-people.test.ts); the
// person is told once per such stretch, by the approved template by user id, else ZNS to
// their phone, that messages wait for them; with neither, the officials' page says so and
// no alert is sent on top of it.

const started = Date.now();
// 09:00 in Vietnam on a Wednesday: outside the quiet hours, so notices go at once.
const now = () => new Date(Date.parse('2026-12-02T02:00:00Z') + (Date.now() - started));
const eightDaysAgo = () => now().getTime() - 8 * 24 * 3600_000;

type Harness = Awaited<ReturnType<typeof startBotWithSim>>;

async function signIn(harness: Harness, zaloUserId: string): Promise<string> {
  const link = await harness.db.$transaction((tx) => issueSignInLink(tx, { zaloUserId, now: now(), settings: defaultConsoleAuth }));
  if (link.kind !== 'link') throw new Error(`no sign-in link for ${zaloUserId}`);
  const opened = await fetch(`${harness.bot.url ?? ''}/console/sign-in/${link.token}`, { redirect: 'manual' });
  return opened.headers.getSetCookie().find((c) => c.startsWith('ocop_console='))?.split(';')[0] ?? '';
}

async function page(harness: Harness, cookie: string, path: string): Promise<string> {
  return (await fetch(`${harness.bot.url ?? ''}${path}`, { headers: { cookie } })).text();
}

async function messages(harness: Harness, recipient: string, texts: string[]): Promise<bigint[]> {
  return harness.db.$transaction((tx) => addToOutbox(tx, texts.map((text) => ({ idempotencyKey: uniqueId('held'), recipient, message: { kind: 'text' as const, text } })), now()));
}

const allHeld = (harness: Harness, ids: bigint[]) => async () => {
  const rows = await harness.db.outboundMessage.findMany({ where: { id: { in: ids } } });
  return rows.length === ids.length && rows.every((r) => r.status === 'held') ? true : undefined;
};

/** The page's card for the person named `name`. */
const cardOf = (page: string, name: string) => page.split('<li class="card unreachable-person">').find((card) => card.includes(name)) ?? '';
/** A sentence's words up to its date, as the page shows them. */
const wordsBefore = (key: string) => translate('vi', key, { date: '§' }).split('§')[0]!;

/** Followed long ago, welcomed while in the window, then silent for eight days. */
async function lapse(harness: Harness, userIds: string[]) {
  for (const userId of userIds) await harness.sim.userFollow(userId);
  await harness.sim.whenIdle();
  await waitFor('the welcomes to be sent', async () => ((await harness.db.outboundMessage.count({ where: { status: { not: 'sent' } } })) === 0 && (await harness.db.outboundMessage.count()) >= userIds.length ? true : undefined));
  for (const userId of userIds) harness.sim.setUser(userId, { lastInteractionAt: eightDaysAgo() });
}

async function officialCookie(harness: Harness, role: 'commune' | 'province', communeCode: string | null) {
  const zaloUserId = uniqueId('zu-official');
  await harness.db.official.create({ data: { name: `Cán bộ ${role}`, role, provinceCode: '75', communeCode, zaloUserId, linkedAt: now() } });
  return signIn(harness, zaloUserId);
}

describe('with an approved template by user id', () => {
  let harness: Harness;
  let commune: string;

  beforeAll(async () => {
    harness = await startBotWithSim({ ZALO_NUDGE_TEMPLATE_ID: 'tpl-nudge', ZNS_NUDGE_TEMPLATE_ID: 'zns-nudge' }, { now });
    commune = await officialCookie(harness, 'commune', '26116');
    await harness.db.producer.create({ data: { zaloUserId: 'sim-user-a', kind: 'cooperative', name: 'HTX Mật ong Tân Phú', representative: 'Nguyễn Thị Hoa', position: 'Giám đốc', phone: '84912345678', address: 'Ấp 1', communeCode: '26116' } });
    await lapse(harness, ['sim-user-a']);
  });

  afterAll(async () => {
    await harness.stop();
  });

  it('tells the person once per stretch, by template, that replies wait for them; the page says so', async () => {
    const held = await messages(harness, 'sim-user-a', ['Hồ sơ của bạn đã được xã tiếp nhận.', 'Xã hẹn bạn bổ sung giấy chứng nhận an toàn thực phẩm.']);
    await waitFor('the replies to be held', allHeld(harness, held));
    const told = await waitFor('the template to be sent', async () => {
      const sent = harness.sim.getSent({ userId: 'sim-user-a', channel: 'template' });
      return sent.length > 0 ? sent : undefined;
    });
    expect(told).toHaveLength(1);
    expect(told[0]?.template?.templateId).toBe('tpl-nudge');
    expect(told[0]?.template?.templateData).toMatchObject({ name: 'HTX Mật ong Tân Phú', summary: translate('vi', 'notify.heldReplies') });
    // By user id: no ZNS on top of it.
    expect(harness.sim.getSent({ channel: 'zns' })).toEqual([]);

    // A reply held behind the first ones is the same stretch: no second notice.
    const [later] = await messages(harness, 'sim-user-a', ['Lịch thẩm định tại cơ sở: thứ Hai tuần sau.']);
    await waitFor('the later reply to be held behind', allHeld(harness, [later!]));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(harness.sim.getSent({ userId: 'sim-user-a', channel: 'template' })).toHaveLength(1);

    const list = await page(harness, commune, '/console/unreachable');
    expect(list).toContain('HTX Mật ong Tân Phú');
    expect(cardOf(list, 'HTX Mật ong Tân Phú')).toContain(wordsBefore('console.unreachable.notice.template'));
  });

  it('the held replies go when the person writes; a new stretch later gets a new notice', async () => {
    await harness.sim.userSendText('sim-user-a', 'Chào OA');
    await harness.sim.whenIdle();
    await waitFor('everything to the person to be sent', async () => ((await harness.db.outboundMessage.count({ where: { recipient: 'sim-user-a', status: { not: 'sent' } } })) === 0 ? true : undefined));
    expect(await page(harness, commune, '/console/unreachable')).not.toContain('HTX Mật ong Tân Phú');

    harness.sim.setUser('sim-user-a', { lastInteractionAt: eightDaysAgo() });
    const held = await messages(harness, 'sim-user-a', ['Hội đồng đã hẹn ngày họp.']);
    await waitFor('the reply to be held', allHeld(harness, held));
    const told = await waitFor('a second template', async () => {
      const sent = harness.sim.getSent({ userId: 'sim-user-a', channel: 'template' });
      return sent.length === 2 ? sent : undefined;
    });
    expect(told[1]?.template?.templateData).toMatchObject({ summary: translate('vi', 'notify.heldReplies') });
  });
});

describe('with ZNS only', () => {
  let harness: Harness;
  let province: string;

  beforeAll(async () => {
    harness = await startBotWithSim({ ZNS_NUDGE_TEMPLATE_ID: 'zns-nudge' }, { now });
    province = await officialCookie(harness, 'province', null);
    await harness.db.producer.create({ data: { zaloUserId: 'sim-user-b', kind: 'household', name: 'Hộ Trần Văn Bình', representative: 'Trần Văn Bình', position: 'Chủ hộ', phone: '84987654321', address: 'Khu 2', communeCode: '26068' } });
    await harness.db.councilPerson.create({ data: { name: 'Ông Lê Văn Sơn', provinceCode: '75', zaloUserId: 'sim-member', linkedAt: now() } });
    await lapse(harness, ['sim-user-b', 'sim-member']);
  });

  afterAll(async () => {
    await harness.stop();
  });

  it('reaches a producer by ZNS to their phone, and lists a council member with no phone without alerting anyone else', async () => {
    const toProducer = await messages(harness, 'sim-user-b', ['Ý tưởng sản phẩm của bạn đã được ghi nhận.']);
    const toMember = await messages(harness, 'sim-member', ['Hồ sơ phiên họp đã sẵn sàng.']);
    await waitFor('both to be held', allHeld(harness, [...toProducer, ...toMember]));
    const zns = await waitFor('the ZNS', async () => {
      const sent = harness.sim.getSent({ channel: 'zns' });
      return sent.length > 0 ? sent : undefined;
    });
    expect(zns).toHaveLength(1);
    expect(zns[0]?.template).toMatchObject({ templateId: 'zns-nudge', phone: '84987654321', templateData: { summary: translate('vi', 'notify.heldReplies') } });

    const member = await waitFor('the member\'s notice to be settled', async () => {
      const n = await harness.db.notification.findFirst({ where: { kind: 'heldReplies', recipientKind: 'council_person' } });
      return n && n.state !== 'planned' ? n : undefined;
    });
    expect(member.state).toBe('unreachable');
    expect(await harness.db.notification.count({ where: { kind: 'unreachable' } })).toBe(0);
    expect(harness.sim.getSent({ userId: 'sim-member' }).filter((m) => m.channel !== 'cs')).toEqual([]);

    const list = await page(harness, province, '/console/unreachable');
    expect(list).toContain('Ông Lê Văn Sơn');
    expect(list).toContain('Hộ Trần Văn Bình');
    expect(cardOf(list, 'Ông Lê Văn Sơn')).toContain(wordsBefore('console.unreachable.notice.noChannel'));
    expect(cardOf(list, 'Hộ Trần Văn Bình')).toContain(wordsBefore('console.unreachable.notice.zns'));
    expect(cardOf(list, 'Hộ Trần Văn Bình')).not.toContain(wordsBefore('console.unreachable.notice.noChannel'));
  });
});
