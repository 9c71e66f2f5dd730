import { describe, expect, it } from 'vitest';
import { composeReplies } from '../../src/outbound/compose-replies.js';

const button = { title: 'Đồng ý', action: { kind: 'reply' as const, payload: 'Đồng ý' } };

describe('composing a turn\'s replies for Zalo', () => {
  it('joins consecutive texts into one message; a text with buttons ends a message', () => {
    expect(
      composeReplies([
        { kind: 'text', text: 'Đã lưu.' },
        { kind: 'text', text: 'Bạn muốn làm gì?', buttons: [button] },
        { kind: 'text', text: 'Sau nút' },
      ]),
    ).toEqual([
      { kind: 'text', text: 'Đã lưu.\n\nBạn muốn làm gì?', buttons: [button] },
      { kind: 'text', text: 'Sau nút' },
    ]);
  });

  it('does not join across other kinds of message', () => {
    const form = { kind: 'request_user_info' as const, title: 'Gửi số', subtitle: 's', imageUrl: 'http://127.0.0.1/a.png' };
    expect(composeReplies([{ kind: 'text', text: 'a' }, form, { kind: 'text', text: 'b' }])).toHaveLength(3);
  });

  it('splits a text over the limit at line breaks and keeps the buttons on the last part', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `${i + 1}. ${'ý'.repeat(90)}`);
    const parts = composeReplies([{ kind: 'text', text: lines.join('\n'), buttons: [button] }], 1000);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect(part.kind === 'text' && part.text.length <= 1000).toBe(true);
    expect(parts.map((p) => (p.kind === 'text' ? p.text : '')).join('\n')).toBe(lines.join('\n'));
    expect(parts.slice(0, -1).every((p) => p.kind === 'text' && p.buttons === undefined)).toBe(true);
    expect(parts.at(-1)).toMatchObject({ buttons: [button] });
  });

  it('does not join two texts whose sum would pass the limit', () => {
    expect(composeReplies([{ kind: 'text', text: 'a'.repeat(600) }, { kind: 'text', text: 'b'.repeat(600) }], 1000)).toHaveLength(2);
  });
});
