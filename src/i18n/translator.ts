import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const locales = ['vi', 'en'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'vi';

export type Dictionaries = Record<Locale, Record<string, string>>;
export type Translate = (locale: Locale, key: string, vars?: Record<string, string>) => string;

const dictionarySchema = z.record(z.string().regex(/^[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+)+$/), z.string().min(1));

export function isLocale(value: string): value is Locale {
  return (locales as readonly string[]).includes(value);
}

/** Reads locales/<locale>.json; every locale must hold exactly the same keys. */
export function loadDictionaries(dir: string): Dictionaries {
  const dictionaries = Object.fromEntries(
    locales.map((locale) => {
      const file = join(dir, `${locale}.json`);
      const parsed = dictionarySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      const normalized = Object.fromEntries(Object.entries(parsed.data).map(([k, v]) => [k, v.normalize('NFC')]));
      return [locale, normalized];
    }),
  ) as Dictionaries;
  const reference = new Set(Object.keys(dictionaries[defaultLocale]));
  for (const locale of locales) {
    const keys = new Set(Object.keys(dictionaries[locale]));
    const missing = [...reference].filter((k) => !keys.has(k));
    const extra = [...keys].filter((k) => !reference.has(k));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(`locales/${locale}.json differs from ${defaultLocale}.json: missing [${missing.join(', ')}], extra [${extra.join(', ')}]`);
    }
  }
  return dictionaries;
}

export function createTranslator(dictionaries: Dictionaries): Translate {
  return (locale, key, vars) => {
    const template = dictionaries[locale][key];
    if (template === undefined) throw new Error(`unknown locale key ${key}`);
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => vars?.[name] ?? whole);
  };
}
