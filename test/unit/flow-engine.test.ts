import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFlowTurn, startFlow, type EngineContext, type FlowSession, type FlowTurn } from '../../src/conversation/flow-engine.js';
import { loadFlows } from '../../src/conversation/load-flows.js';
import { createTranslator, loadDictionaries, type Dictionaries, type Locale } from '../../src/i18n/translator.js';

// Transcript tests of the engine on a fixture flow: "user says X" → "bot says Y".

const real = loadDictionaries(join(import.meta.dirname, '../../locales'));
const fixtureTexts: Record<string, [string, string]> = {
  't.greeting.title': ['Hồ sơ chủ thể', 'Producer profile'],
  't.greeting.hello': ['Chào bạn, mình cùng khai hồ sơ nhé.', "Hello, let's fill in your profile."],
  't.greeting.name': ['Họ và tên?', 'Full name?'],
  't.greeting.kind': ['Loại hình?', 'Kind?'],
  't.greeting.kind.htx': ['Hợp tác xã', 'Cooperative'],
  't.greeting.kind.household': ['Hộ kinh doanh', 'Household business'],
  't.greeting.taxCode': ['Mã số thuế?', 'Tax code?'],
  't.greeting.commune': ['Xã nào?', 'Which commune?'],
  't.greeting.summary': ['Kiểm tra lại:', 'Please check:'],
  't.greeting.done': ['Xong!', 'Done!'],
};
const dictionaries: Dictionaries = {
  vi: { ...real.vi, ...Object.fromEntries(Object.entries(fixtureTexts).map(([k, [vi]]) => [k, vi])) },
  en: { ...real.en, ...Object.fromEntries(Object.entries(fixtureTexts).map(([k, [, en]]) => [k, en])) },
};
const flows = loadFlows(join(import.meta.dirname, '../fixtures/flows/good'), dictionaries, {
  validators: new Set(['text', 'taxCode']),
  actions: new Set(['saveProfile']),
  choiceSources: new Set(['communes']),
  facts: new Set<string>(),
  prefills: new Set<string>(),
  checkValidatorOptions: () => undefined,
});
const communes = ['Sơn Tây', 'Sơn Dung', 'Sơn Tân', 'Sơn Mùa', 'Sơn Liên', 'Sơn Bua', 'Sơn Long'].map((name, i) => ({ value: `c${i + 1}`, label: `Xã ${name}` }));

function context(locale: Locale): EngineContext {
  return {
    flows,
    translate: createTranslator(dictionaries),
    locale,
    now: new Date('2026-11-23T03:00:00Z'),
    choiceSource: () => ({ kind: 'list', items: communes }),
    fact: () => 'no',
    prefill: () => undefined,
    shareInfoImageUrl: 'http://127.0.0.1/assets/share-phone.png',
    validate: (name, input, options) => {
      if (name === 'taxCode') return /^\d{10}$/.test(input) ? { ok: true, value: input } : { ok: false, hintKey: 'flow.ask.textNeeded' };
      const min = Number(options?.min ?? 1);
      return input.length >= min ? { ok: true, value: input } : { ok: false, hintKey: 'flow.ask.textNeeded' };
    },
  };
}

function said(turn: FlowTurn): string[] {
  return turn.items.map((item) => (item.type === 'message' ? (item.message.kind === 'text' ? item.message.text : item.message.kind) : `<${item.effect.action}>`));
}

/** Plays a conversation: each user line in turn, returning every bot line and the last session. */
function play(locale: Locale, lines: string[]) {
  const ctx = context(locale);
  let turn = startFlow(ctx, 'greeting');
  const transcript = [...said(turn)];
  let session: FlowSession | null = turn.session;
  for (const line of lines) {
    if (!session) throw new Error(`the flow ended before "${line}"`);
    turn = runFlowTurn(ctx, session, { kind: 'text', text: line });
    transcript.push(`> ${line}`, ...said(turn));
    session = turn.session;
  }
  return { transcript, session, last: turn };
}

describe('flow engine transcripts (vi)', () => {
  it('happy path: say, ask, buttons, branch, long list by name without diacritics, summary, action, end', () => {
    const { transcript, session, last } = play('vi', ['Nguyễn Thị Hoa', 'Hợp tác xã', '0123456789', 'son tay', 'Đồng ý']);
    expect(transcript[0]).toBe('Chào bạn, mình cùng khai hồ sơ nhé.');
    expect(transcript[1]).toBe('Họ và tên?');
    expect(transcript).toContain('Mã số thuế?');
    expect(transcript.find((l) => l.startsWith('Xã nào?'))).toContain('7. Xã Sơn Long');
    const summary = transcript.find((l) => l.startsWith('Kiểm tra lại:'))!;
    expect(summary).toContain('1. Họ và tên?: Nguyễn Thị Hoa');
    expect(summary).toContain('2. Loại hình?: Hợp tác xã');
    expect(said(last)).toEqual(['<saveProfile>', 'Xong!']);
    expect(last.items.find((i) => i.type === 'effect')).toMatchObject({ effect: { answers: { fullName: 'Nguyễn Thị Hoa', producerKind: 'htx', taxCode: '0123456789', commune: 'c1' } } });
    expect(session).toBeNull();
  });

  it('the household branch skips the tax code', () => {
    const { transcript } = play('vi', ['Lê Văn Nam', 'ho kinh doanh', '3']);
    expect(transcript).not.toContain('Mã số thuế?');
    expect(transcript.at(-1)).toMatch(/^Kiểm tra lại:/);
  });

  it('an invalid answer is re-prompted with a hint, and after three a way out is offered', () => {
    const { transcript, session } = play('vi', ['Hoa', 'Hợp tác xã', '12', 'abc', 'x']);
    const hint = real.vi['flow.ask.textNeeded']!;
    expect(transcript.filter((l) => l === hint)).toHaveLength(3);
    expect(transcript).toContain(real.vi['flow.stuck']);
    expect(session).toMatchObject({ stepId: 'taxCode', attempts: 3 });
  });

  it('an ambiguous or unknown commune name asks again', () => {
    const { transcript, session } = play('vi', ['Hoa', 'Hộ kinh doanh', 'son', 'Hà Nội']);
    expect(transcript).toContain(real.vi['flow.choose.ambiguous']);
    expect(transcript).toContain(real.vi['flow.choose.unknown']);
    expect(session?.stepId).toBe('commune');
  });

  it('"quay lại" goes back one question; "sửa 1" edits from the summary and returns to it', () => {
    const back = play('vi', ['Hoa', 'quay lại']);
    expect(back.session?.stepId).toBe('name');
    expect(back.transcript.at(-1)).toBe('Họ và tên?');

    const { transcript, session } = play('vi', ['Hoa', 'Hộ kinh doanh', '2', 'sửa 1', 'Trần Thị Hoa']);
    expect(transcript.at(-1)).toContain('1. Họ và tên?: Trần Thị Hoa');
    expect(session?.stepId).toBe('summary');
  });

  it('"huỷ" asks for confirmation; "không" keeps the answers, "có" ends the flow', () => {
    const kept = play('vi', ['Hoa', 'Huỷ', 'không']);
    expect(kept.session).toMatchObject({ stepId: 'kind', answers: { fullName: 'Hoa' } });
    expect(kept.transcript).toContain(real.vi['flow.cancel.kept']);
    const cancelled = play('vi', ['Hoa', 'hủy', 'có']);
    expect(cancelled.session).toBeNull();
    expect(cancelled.transcript.at(-1)).toBe(real.vi['flow.cancel.done']);
  });

  it('accepts the same words typed in NFD form', () => {
    const { session } = play('vi', ['Hoa', 'Hợp tác xã'.normalize('NFD')]);
    expect(session?.answers).toMatchObject({ fullName: 'Hoa', producerKind: 'htx' });
  });
});

describe('choices as buttons', () => {
  it('shows short labels as buttons and long ones as a numbered list that still takes a number', () => {
    const ctx = context('vi');
    const turn = runFlowTurn(ctx, startFlow(ctx, 'greeting').session!, { kind: 'text', text: 'Hoa' });
    const kindPrompt = turn.items.find((i) => i.type === 'message' && i.message.kind === 'text' && i.message.text === 'Loại hình?');
    expect(kindPrompt?.type === 'message' && kindPrompt.message.kind === 'text' && kindPrompt.message.buttons?.map((b) => b.title)).toEqual(['Hợp tác xã', 'Hộ kinh doanh']);

    const long: Dictionaries = { vi: { ...dictionaries.vi, 't.greeting.kind.household': 'Hộ kinh doanh có đăng ký theo Luật Doanh nghiệp' }, en: dictionaries.en };
    const longCtx = { ...ctx, translate: createTranslator(long) };
    const listed = runFlowTurn(longCtx, startFlow(longCtx, 'greeting').session!, { kind: 'text', text: 'Hoa' });
    const list = listed.items.find((i) => i.type === 'message' && i.message.kind === 'text' && i.message.text.startsWith('Loại hình?'));
    expect(list?.type === 'message' && list.message.kind === 'text' && list.message.buttons).toBeUndefined();
    expect(list?.type === 'message' && list.message.kind === 'text' && list.message.text).toContain('2. Hộ kinh doanh có đăng ký');
    expect(runFlowTurn(longCtx, listed.session!, { kind: 'text', text: '2' }).session?.answers).toMatchObject({ producerKind: 'household' });
  });
});

describe('flow engine transcripts (en)', () => {
  it('happy path in English', () => {
    const { transcript, last } = play('en', ['Hoa Nguyen', 'Household business', 'Xa Son Bua', 'yes']);
    expect(transcript[1]).toBe('Full name?');
    expect(transcript.find((l) => l.startsWith('Please check:'))).toContain('2. Kind?: Household business');
    expect(said(last)).toEqual(['<saveProfile>', 'Done!']);
  });
});
