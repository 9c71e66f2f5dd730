import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTranslator, loadDictionaries } from '../../src/i18n/translator.js';
import { respondToTurn } from '../../src/conversation/first-conversation.js';
import { toMatchKey } from '../../src/conversation/normalize-input.js';

const dictionaries = loadDictionaries(join(import.meta.dirname, '../../locales'));
const t = createTranslator(dictionaries);

function texts(result: ReturnType<typeof respondToTurn>) {
  return result.messages.map((m) => (m.kind === 'text' ? m.text : m.kind));
}

describe('locales', () => {
  it('vi and en hold the same keys', () => {
    expect(Object.keys(dictionaries.en).sort()).toEqual(Object.keys(dictionaries.vi).sort());
  });

  it('Vietnamese text is stored in NFC', () => {
    for (const value of Object.values(dictionaries.vi)) expect(value).toBe(value.normalize('NFC'));
  });
});

describe('matching what people type', () => {
  it('ignores case, diacritics, đ and NFC/NFD form', () => {
    const nfd = 'Tiếng Việt'.normalize('NFD');
    expect(toMatchKey(nfd)).toBe('tieng viet');
    expect(toMatchKey('  TIẾNG   VIỆT ')).toBe('tieng viet');
    expect(toMatchKey('Đăng ký')).toBe('dang ky');
  });
});

describe('first conversation (transcripts)', () => {
  it('follow → Vietnamese greeting, then the menu with at most 5 buttons', () => {
    const result = respondToTurn({ kind: 'follow' }, 'vi', t);
    expect(texts(result)).toEqual([t('vi', 'menu.greeting'), t('vi', 'menu.prompt')]);
    const menu = result.messages[1];
    expect(menu?.kind === 'text' && menu.buttons?.map((b) => b.title)).toEqual(['Đăng ký sản phẩm', 'Hồ sơ sản phẩm', 'Tình trạng hồ sơ', 'Gặp cán bộ', 'English']);
    expect(result.locale).toBeUndefined();
  });

  it('any text → the menu', () => {
    expect(texts(respondToTurn({ kind: 'text', text: 'alo' }, 'vi', t))).toEqual([t('vi', 'menu.prompt')]);
    expect(texts(respondToTurn({ kind: 'other' }, 'en', t))).toEqual([t('en', 'menu.prompt')]);
  });

  it('"English" switches to English and answers in it', () => {
    const result = respondToTurn({ kind: 'text', text: 'english' }, 'vi', t);
    expect(result.locale).toBe('en');
    expect(texts(result)).toEqual(['Switched to English.', t('en', 'menu.prompt')]);
  });

  it('"tieng viet" without diacritics switches back to Vietnamese', () => {
    const result = respondToTurn({ kind: 'text', text: 'tieng viet' }, 'en', t);
    expect(result.locale).toBe('vi');
    expect(texts(result)[0]).toBe('Đã chuyển sang tiếng Việt.');
  });

  it('a menu button tapped in either language is recognised', () => {
    const result = respondToTurn({ kind: 'text', text: 'dang ky san pham' }, 'en', t);
    expect(texts(result)[0]).toContain('Register product');
  });
});
