import { describe, expect, it } from 'vitest';
import { isKnownZaloEventName, zaloEventKey, zaloEventSchema } from '../../src/zalo/webhook-events.js';

const text = {
  app_id: '1234',
  user_id_by_app: '5555',
  event_name: 'user_send_text',
  timestamp: '1732320000000',
  sender: { id: '8765432109876543210' },
  recipient: { id: '1111' },
  message: { msg_id: '98765432109876543210987', text: 'Xin chào' },
};

describe('Zalo webhook events', () => {
  it('keeps ids beyond 2^53 as exact strings and replies to sender.id, not user_id_by_app', () => {
    const event = zaloEventSchema.parse(text);
    expect(event).toMatchObject({ kind: 'user_message', userId: '8765432109876543210', msgId: '98765432109876543210987', text: 'Xin chào' });
    expect(zaloEventKey(event, Buffer.from(JSON.stringify(text)))).toBe('msg:98765432109876543210987');
  });

  it('keys events without msg_id by a digest of the raw body', () => {
    const follow = { app_id: '1', oa_id: '2', event_name: 'follow', timestamp: '1732320000000', follower: { id: '42' }, source: 'testing' };
    const raw = Buffer.from(JSON.stringify(follow));
    const event = zaloEventSchema.parse(follow);
    expect(event).toMatchObject({ kind: 'follow', userId: '42' });
    expect(zaloEventKey(event, raw)).toMatch(/^body:[0-9a-f]{64}$/);
    expect(zaloEventKey(event, raw)).not.toBe(zaloEventKey(event, Buffer.from(JSON.stringify({ ...follow, timestamp: '1732320000001' }))));
  });

  it('recognises OA echoes as echoes', () => {
    const echo = { ...text, event_name: 'oa_send_text', sender: { id: '1111' }, recipient: { id: '8765432109876543210' } };
    expect(zaloEventSchema.parse(echo)).toMatchObject({ kind: 'oa_echo', userId: '8765432109876543210' });
  });

  it('reads receipts', () => {
    const seen = { ...text, event_name: 'user_seen_message', message: { msg_ids: ['1', '2'] } };
    expect(zaloEventSchema.parse(seen)).toMatchObject({ kind: 'receipt', msgIds: ['1', '2'] });
  });

  it('knows which event names it handles', () => {
    expect(isKnownZaloEventName('user_send_file')).toBe(true);
    expect(isKnownZaloEventName('oa_send_list')).toBe(true);
    expect(isKnownZaloEventName('user_reacted_message')).toBe(false);
  });

  it('rejects a known event with a missing sender', () => {
    expect(zaloEventSchema.safeParse({ ...text, sender: undefined }).success).toBe(false);
  });
});
