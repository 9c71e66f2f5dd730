import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type RunningBot } from '../../src/main.js';
import { startBotWithSim } from '../helpers/bot-with-sim.js';
import { makeJpeg } from '../helpers/make-documents.js';
import { testConfig, uniqueId } from '../helpers/test-env.js';
import { waitFor } from '../helpers/wait-for.js';

let harness: Awaited<ReturnType<typeof startBotWithSim>>;

beforeAll(async () => {
  harness = await startBotWithSim();
});

afterAll(async () => {
  await harness?.stop();
});

function sentTo(userId: string) {
  return harness.sim.getSent({ userId, channel: 'cs' });
}

describe('the bot through the local Zalo stand-in', () => {
  it('follow → a Vietnamese greeting with the numbered main menu, in one message', async () => {
    const userId = uniqueId('follower');
    const result = await harness.sim.userFollow(userId, { displayName: 'Chị Hoa' });
    expect(result.status).toBe(200);
    const [greeting] = await waitFor('greeting and menu', () => (sentTo(userId).length >= 1 ? sentTo(userId) : undefined));
    expect(greeting?.text).toMatch(/^Xin chào! Đây là trợ lý OCOP/);
    expect(greeting?.text).toContain('Bạn muốn làm gì?\n1. Hồ sơ chủ thể');
    expect(greeting?.text).toContain('2. Đăng ký ý tưởng sản phẩm');
    expect(greeting?.text).toContain('7. English');
    // Zalo echoes our own sends back; they are kept for audit and never answered.
    await harness.sim.whenIdle();
    await waitFor('echo recorded', async () => (await harness.db.inboundEvent.count({ where: { userId, eventName: { startsWith: 'oa_send_' }, status: 'ignored' } })) >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sentTo(userId)).toHaveLength(1);
  });

  it('typing "English" switches language; later messages are answered in English', async () => {
    const userId = uniqueId('lang');
    await harness.sim.userFollow(userId);
    await waitFor('menu', () => sentTo(userId).length >= 1 || undefined);
    expect((await harness.sim.userSendText(userId, 'english')).status).toBe(200);
    await waitFor('switch confirmation', () => sentTo(userId).length >= 2 || undefined);
    expect(sentTo(userId)[1]?.text).toMatch(/^Switched to English\.\n\nWhat would you like to do\?\n1\. Producer profile/);
    await harness.sim.userSendText(userId, 'hello');
    const sent = await waitFor('English menu', () => (sentTo(userId).length >= 3 ? sentTo(userId) : undefined));
    expect(sent[2]?.text).toContain('What would you like to do?');
    expect((await harness.db.zaloUser.findUniqueOrThrow({ where: { id: userId } })).locale).toBe('en');
  });

  it('a producer profile through the stand-in: buttons tapped, the phone shared from Zalo with one tap', async () => {
    const userId = uniqueId('profile');
    await harness.sim.userSendText(userId, 'xin chào');
    await waitFor('menu', () => sentTo(userId).length >= 1 || undefined);
    await harness.sim.userSendText(userId, '1');
    // Six kinds are more than Zalo's five buttons: a numbered list, answered by number.
    await waitFor('kind question', () => sentTo(userId).some((m) => m.text?.includes('5. Hộ sản xuất, hộ gia đình có đăng ký kinh doanh')) || undefined);
    await harness.sim.userSendText(userId, '5');
    await waitFor('name question', () => sentTo(userId).at(-1)?.text?.startsWith('Tên đầy đủ') || undefined);
    const answer = async (text: string, next: string) => {
      await harness.sim.userSendText(userId, text);
      await waitFor(next, () => sentTo(userId).some((m) => m.text?.startsWith(next)) || undefined);
    };
    await answer('Hộ kinh doanh Nguyễn Văn An', 'Số định danh cá nhân');
    await answer('001090012345', 'Số giấy chứng nhận');
    await answer('41A8012345', 'Họ tên người đại diện');
    await answer('Nguyễn Văn An', 'Chức vụ');
    await answer('Chủ hộ', 'Giới tính');
    await waitFor('gender buttons', () => sentTo(userId).some((m) => m.buttons?.some((b) => b.title === 'Nam')) || undefined);
    await harness.sim.userTapButton(userId, { title: 'Nam' });
    await waitFor('ethnic group question', () => sentTo(userId).some((m) => m.text?.startsWith('Người đại diện là người dân tộc nào?')) || undefined);
    await answer('Kinh', 'Địa chỉ thường trú');
    await answer('bỏ qua', 'Số điện thoại');
    await harness.sim.whenIdle();
    // The phone question comes with Zalo's share-your-details form; submitting it answers.
    await waitFor('the form', () => harness.sim.getSent({ userId }).some((m) => m.kind === 'request_user_info') || undefined);
    await harness.sim.userSubmitInfo(userId, { name: 'Nguyễn Văn An', phone: '0912345678' });
    await waitFor('email question', () => sentTo(userId).some((m) => m.text?.startsWith('Địa chỉ email?')) || undefined);
  });

  it('a photo for the dossier goes from the chat to storage, and the producer is told', async () => {
    const userId = uniqueId('scan');
    const producer = await harness.db.producer.create({
      data: { zaloUserId: userId, kind: 'household', name: 'Hộ kinh doanh Lò Văn Sáu', representative: 'Lò Văn Sáu', position: 'Chủ hộ', phone: '84987654321', address: 'Bản Nà Pục', communeCode: '02608' },
    });
    await harness.db.productIdea.create({
      data: { producerId: producer.id, communeCode: '02608', provinceCode: '08', year: 2026, sequence: 1, receiptNumber: '1/PĐK-08-02608-2026', ruleSet: 'qd-26-2026', productName: 'Chè Shan tuyết', sectorCode: 'food', groupCode: 'tea', setCode: 'tea', kind: 'new_product', details: {}, submittedAt: new Date() },
    });
    await harness.sim.userSendText(userId, 'menu');
    await harness.sim.userSendText(userId, '4');
    await waitFor('the first item asked', () => sentTo(userId).some((m) => m.text?.includes('Bạn gửi ảnh chụp hoặc tệp PDF của: Phiếu đăng ký')) || undefined);
    const photo = Buffer.from(makeJpeg({ width: 240, height: 320, seed: 3 }));
    expect((await harness.sim.userSendImage(userId, { data: photo, filename: 'mau01.jpg' })).status).toBe(200);
    await waitFor('the photo kept', () => sentTo(userId).some((m) => m.text?.startsWith('Đã nhận “Phiếu đăng ký đánh giá, phân hạng sản phẩm (Mẫu 01)”: 1 tệp')) || undefined, 20_000);
    const document = await harness.db.dossierDocument.findFirstOrThrow({ where: { uploadedBy: userId } });
    expect(document).toMatchObject({ status: 'stored', mediaType: 'image/jpeg', sizeBytes: photo.length, sha256: createHash('sha256').update(photo).digest('hex') });
    expect((await stat(join(harness.config.storage.kind === 'local' ? harness.config.storage.root : '', document.storageKey!))).size).toBe(photo.length);
  });

  it('the same event delivered five times, some at once → exactly one reply', async () => {
    const userId = uniqueId('dup');
    const first = await harness.sim.userSendText(userId, 'Tôi muốn hỏi về hồ sơ');
    await Promise.all([harness.sim.redeliver(first.deliveryId), harness.sim.redeliver(first.deliveryId)]);
    await harness.sim.redeliver(first.deliveryId);
    await harness.sim.redeliver(first.deliveryId);
    await waitFor('a reply', () => sentTo(userId).length >= 1 || undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sentTo(userId)).toHaveLength(1);
    expect(await harness.db.inboundEvent.count({ where: { userId, eventName: 'user_send_text' } })).toBe(1);
  });

  it('twenty messages from one user back to back are handled strictly in order, with two workers', async () => {
    const second: RunningBot = await startBot(testConfig({ ...harnessEnv(), ROLE: 'worker' }));
    try {
      const userId = uniqueId('burst');
      const results = [];
      for (let i = 1; i <= 20; i += 1) results.push(await harness.sim.userSendText(userId, `tin nhắn ${i}`));
      expect(results.every((r) => r.status === 200)).toBe(true);
      await waitFor('20 turns', async () => (await harness.db.inboundEvent.count({ where: { userId, status: 'processed' } })) >= 20 || undefined, 30_000);
      await harness.sim.whenIdle();
      await waitFor('every reply sent', async () => (await harness.db.outboundMessage.count({ where: { recipient: userId, status: { not: 'sent' } } })) === 0 || undefined, 30_000);
      const events = await harness.db.inboundEvent.findMany({ where: { userId, eventName: 'user_send_text' }, orderBy: { id: 'asc' } });
      expect(events.map((e) => (e.payload as { message: { text: string } }).message.text)).toEqual(Array.from({ length: 20 }, (_, i) => `tin nhắn ${i + 1}`));
      // Each event was finished before the next one started.
      const processed = events.map((e) => e.processedAt!.getTime());
      expect(processed).toEqual([...processed].sort((a, b) => a - b));
      // Replies were written and sent in the same order as the messages that caused them.
      // Replies were written and sent in the order of the messages that caused them, each answered.
      const replies = await harness.db.outboundMessage.findMany({ where: { recipient: userId }, orderBy: { id: 'asc' } });
      const causes = replies.map((r) => r.causeEventId!);
      expect(causes).toEqual([...causes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect([...new Set(causes)]).toEqual(events.map((e) => e.id));
      expect(sentTo(userId).map((s) => s.messageId)).toEqual(replies.map((r) => r.zaloMessageId));
    } finally {
      await second.close();
    }
  });

  it('an expired access token is refreshed once and the reply still arrives', async () => {
    const userId = uniqueId('token');
    const refreshesBefore = harness.sim.getState().refreshCount;
    harness.sim.expireAccessToken();
    await harness.sim.userSendText(userId, 'alo');
    await waitFor('reply after refresh', () => sentTo(userId).length >= 1 || undefined);
    expect(harness.sim.getState().refreshCount).toBe(refreshesBefore + 1);
    const stored = await harness.db.zaloToken.findUniqueOrThrow({ where: { id: 'oa' } });
    expect(stored.refreshToken).toBe(harness.sim.getState().tokens.refreshToken);
  });
});

/** The settings of the running harness, for a second worker on the same queues. */
function harnessEnv(): Record<string, string> {
  const c = harness.config;
  return {
    QUEUE_PREFIX: c.queuePrefix,
    ZALO_OA_API_URL: c.zalo.oaApiUrl,
    ZALO_OAUTH_URL: c.zalo.oauthUrl,
    ZALO_BUSINESS_API_URL: c.zalo.businessApiUrl,
    ZALO_APP_ID: c.zalo.appId,
    ZALO_APP_SECRET: c.zalo.appSecret,
    ZALO_OA_SECRET_KEY: c.zalo.webhookSecret,
  };
}
