import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// What people read comes from locales/. These checks hold for every text at once.
const read = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '../../locales', name), 'utf8')) as Record<string, string>;
const vi = read('vi.json');
const en = read('en.json');

describe('the texts of locales/', () => {
  it('have the same keys in Vietnamese and English', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(vi).sort());
  });

  it('speak with one voice in Vietnamese: the bot is "mình", never "tôi"', () => {
    // "Tình trạng sản phẩm của tôi" is the producer's own words on a menu item, not the bot speaking.
    const tôi = Object.entries(vi).filter(([, text]) => /(^|[^\p{L}])[Tt]ôi([^\p{L}]|$)/u.test(text.replaceAll('Tình trạng sản phẩm của tôi', '')));
    expect(tôi).toEqual([]);
  });

  it('quote as Vietnamese text does, with “ ”, never « »', () => {
    expect(Object.entries(vi).filter(([, text]) => /[«»]/.test(text))).toEqual([]);
  });

  it('are NFC, so that searches and comparisons match what people type', () => {
    const notNfc = Object.entries({ ...vi, ...en }).filter(([, text]) => text !== text.normalize('NFC'));
    expect(notNfc).toEqual([]);
  });
});
