import { toMatchKey } from '../text/normalize-input.js';
import type { Database } from '../db/database.js';
import type { AdministrativeUnitRecord } from './import-administrative-units.js';

export interface Commune {
  code: string;
  /** "Xã Tân Phú, Đồng Nai": what a person is shown to pick from. */
  label: string;
  communeName: string;
  provinceCode: string;
  provinceName: string;
}

export interface CommuneSearchResult {
  /** The best `limit` matches, best first. */
  communes: readonly Commune[];
  /** How many matched in all, so the caller can ask for more words when there are too many. */
  total: number;
}

export interface CommuneDirectory {
  searchCommunes(query: string, limit: number): CommuneSearchResult;
  communeByCode(code: string): Commune | undefined;
}

// The kind a stored name starts with; stripped once, so "Phường Phương Liệt" keeps its
// "Phương". "Thị trấn" is gone since July 2025 but older lists still have it.
const COMMUNE_KINDS = ['xa', 'phuong', 'dac khu', 'thi tran'];
const PROVINCE_KINDS = ['thanh pho', 'tinh', 'tp'];
const PROVINCE_KIND_PREFIX = /^(?:thành phố|tỉnh|tp\.?)\s+/iu;

// Kind words as people type them, abbreviations included ("p. Ba Đình", "x. Tân Phú").
const TYPED_COMMUNE_KINDS = new Map([...COMMUNE_KINDS.map((kind) => [kind, kind] as const), ['x', 'xa'], ['p', 'phuong']]);
const TYPED_KINDS = new Set([...TYPED_COMMUNE_KINDS.keys(), ...PROVINCE_KINDS]);
const TWO_WORD_KINDS = new Set([...TYPED_KINDS].filter((kind) => kind.includes(' ')));

const EXACT = 0;
const WHOLE_WORDS = 1;
const WORD_PREFIXES = 2;

interface Entry {
  commune: Commune;
  /** The kind of the commune name as a match key ("xa", "phuong", "dac khu"), or "". */
  kind: string;
  /** Forms of the name that count as typing it exactly. */
  exactKeys: ReadonlySet<string>;
  /** The province name without its kind, as match keys: "Tỉnh Đồng Nai" → ["dong", "nai"]. */
  provinceWords: readonly string[];
  /** Commune name (without its kind) and province words, and the same as one spaced string. */
  words: readonly string[];
  spacedWords: string;
  /** Position in (province, commune name, code) order by Vietnamese collation. */
  order: number;
}

interface QueryToken {
  text: string;
  /** A kind word ("xã", "tỉnh", …): it may match a name word, or nothing at all. */
  kind: boolean;
}

// Apostrophes join the parts of one word ("Ea H'Leo", "B'Lao"): typed with or without, they match.
function toSearchKey(text: string): string {
  return toMatchKey(text.replace(/['’ʼ`]/gu, ''));
}

function splitLeadingKind(key: string, kinds: readonly string[]): { kind: string; rest: string } {
  const kind = kinds.find((candidate) => key.startsWith(`${candidate} `));
  return kind ? { kind, rest: key.slice(kind.length + 1) } : { kind: '', rest: key };
}

function shortProvinceName(provinceName: string): string {
  return provinceName.replace(PROVINCE_KIND_PREFIX, '');
}

/** "Xã Tân Phú, Đồng Nai": how a commune is named to people, in lists and messages. */
export function labelCommune(unit: { communeName: string; provinceName: string }): string {
  return `${unit.communeName}, ${shortProvinceName(unit.provinceName)}`;
}

function toEntry(unit: AdministrativeUnitRecord): Omit<Entry, 'order'> {
  const { kind, rest: communeKey } = splitLeadingKind(toSearchKey(unit.communeName), COMMUNE_KINDS);
  const exactKeys = new Set([communeKey]);
  // "Phường Xuân Hương - Đà Lạt" is called "Xuân Hương" where people live.
  const [beforeDash] = unit.communeName.split(/\s[-–]\s/u);
  if (beforeDash && beforeDash !== unit.communeName) exactKeys.add(splitLeadingKind(toSearchKey(beforeDash), COMMUNE_KINDS).rest);
  const provinceWords = splitLeadingKind(toSearchKey(unit.provinceName), PROVINCE_KINDS).rest.split(' ');
  const words = [...communeKey.split(' '), ...provinceWords];
  return {
    commune: Object.freeze({
      code: unit.communeCode,
      label: labelCommune(unit),
      communeName: unit.communeName,
      provinceCode: unit.provinceCode,
      provinceName: unit.provinceName,
    }),
    kind,
    exactKeys,
    provinceWords,
    words,
    spacedWords: ` ${words.join(' ')} `,
  };
}

function toQueryTokens(key: string): QueryToken[] {
  const words = key.split(' ');
  const tokens: QueryToken[] = [];
  for (let i = 0; i < words.length; i++) {
    const pair = `${words[i]} ${words[i + 1]}`;
    if (TWO_WORD_KINDS.has(pair)) {
      tokens.push({ text: pair, kind: true });
      i++;
    } else {
      const text = words[i] ?? '';
      tokens.push({ text, kind: TYPED_KINDS.has(text) });
    }
  }
  return tokens;
}

function hasWordStartingWith(words: readonly string[], prefix: string): boolean {
  return words.some((word) => word.startsWith(prefix));
}

/**
 * Whether the query names this commune exactly: its name without the kind, optionally
 * after a typed kind and before (part of) the province, as in "xã tân phú, tỉnh đồng nai".
 */
function isExact(entry: Omit<Entry, 'order'>, tokens: readonly QueryToken[]): boolean {
  const start = tokens[0]?.kind && TYPED_COMMUNE_KINDS.has(tokens[0].text) ? 1 : 0;
  for (let from = 0; from <= start; from++) {
    for (let end = tokens.length; end > from; end--) {
      const provincePart = tokens.slice(end);
      const isProvince = provincePart.every((token) =>
        token.kind ? PROVINCE_KINDS.includes(token.text) : hasWordStartingWith(entry.provinceWords, token.text),
      );
      if (!isProvince) break;
      const name = tokens.slice(from, end).map((token) => token.text).join(' ');
      if (entry.exactKeys.has(name)) return true;
    }
  }
  return false;
}

/** The rank of this commune for the query, or undefined when it does not match. */
function rankEntry(entry: Omit<Entry, 'order'>, tokens: readonly QueryToken[]): number | undefined {
  let required = tokens.filter((token) => !token.kind);
  if (required.length === 0) {
    // Kind words only: "đặc khu" lists the special zones; "tỉnh" alone is taken as a name word.
    const kinds = tokens.flatMap((token) => TYPED_COMMUNE_KINDS.get(token.text) ?? []);
    if (kinds.length > 0) return kinds.every((kind) => kind === entry.kind) ? WHOLE_WORDS : undefined;
    required = [...tokens];
  }
  let whole = true;
  for (const token of required) {
    if (entry.spacedWords.includes(` ${token.text} `)) continue;
    if (!hasWordStartingWith(entry.words, token.text)) return undefined;
    whole = false;
  }
  if (isExact(entry, tokens)) return EXACT;
  return whole ? WHOLE_WORDS : WORD_PREFIXES;
}

function toResult(matches: readonly Commune[], limit: number): CommuneSearchResult {
  return { communes: Object.freeze(matches.slice(0, Math.max(0, Math.floor(limit)))), total: matches.length };
}

/** The directory over a list of units; pure, the list is copied and frozen. */
export function createCommuneDirectory(units: readonly AdministrativeUnitRecord[]): CommuneDirectory {
  const collator = new Intl.Collator('vi');
  const entries: readonly Entry[] = Object.freeze(
    units
      .map(toEntry)
      .sort(
        (a, b) =>
          collator.compare(shortProvinceName(a.commune.provinceName), shortProvinceName(b.commune.provinceName)) ||
          collator.compare(a.commune.communeName, b.commune.communeName) ||
          a.commune.code.localeCompare(b.commune.code),
      )
      .map((entry, order) => Object.freeze({ ...entry, order })),
  );
  const byCode = new Map(entries.map((entry) => [entry.commune.code, entry.commune]));

  return Object.freeze({
    communeByCode(code: string): Commune | undefined {
      return byCode.get(code.trim());
    },

    searchCommunes(query: string, limit: number): CommuneSearchResult {
      const key = toSearchKey(query);
      if (key === '') return toResult([], limit);
      if (/^\d{5}$/.test(key)) {
        const commune = byCode.get(key);
        return toResult(commune ? [commune] : [], limit);
      }
      const tokens = toQueryTokens(key);
      const matches: { entry: Entry; rank: number }[] = [];
      for (const entry of entries) {
        const rank = rankEntry(entry, tokens);
        if (rank !== undefined) matches.push({ entry, rank });
      }
      matches.sort((a, b) => a.rank - b.rank || a.entry.order - b.entry.order);
      return toResult(matches.map((match) => match.entry.commune), limit);
    },
  });
}

/** Reads every unit from Postgres once; the list changes only when an import runs. */
export async function loadCommuneDirectory(db: Pick<Database, 'administrativeUnit'>): Promise<CommuneDirectory> {
  const units = await db.administrativeUnit.findMany({
    select: { communeCode: true, communeName: true, provinceCode: true, provinceName: true },
  });
  return createCommuneDirectory(units);
}
