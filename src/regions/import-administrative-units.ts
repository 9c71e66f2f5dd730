import { readCsvRecords, type CsvRecord } from './read-csv-records.js';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { toMatchKey, toNfc } from '../text/normalize-input.js';
import type { Database } from '../db/database.js';

/** One commune-level unit (xã, phường, đặc khu) of the official list. */
export interface AdministrativeUnitRecord {
  communeCode: string;
  communeName: string;
  provinceCode: string;
  provinceName: string;
}

export interface CsvProblem {
  line: number;
  message: string;
}

export type ParsedAdministrativeUnits =
  | { ok: true; units: AdministrativeUnitRecord[] }
  | { ok: false; problems: CsvProblem[] };

export interface ImportSummary {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Codes in the table but not in the file, kept because producers may point at them. */
  notInFile: string[];
}

type Column = keyof AdministrativeUnitRecord;

const COLUMN_LABELS: Record<Column, string> = {
  provinceCode: 'province_code',
  provinceName: 'province_name',
  communeCode: 'commune_code',
  communeName: 'commune_name',
};

// Headings as match keys, so "Mã tỉnh", "MÃ TỈNH" and "ma_tinh" all name the same column.
// The Vietnamese ones are what the official lists and their spreadsheet exports use.
const HEADER_ALIASES: Record<Column, readonly string[]> = {
  provinceCode: ['province code', 'ma tinh', 'ma tinh thanh pho', 'ma tinh thanh', 'ma tp'],
  provinceName: ['province name', 'ten tinh', 'tinh', 'tinh thanh pho', 'ten tinh thanh pho', 'tinh thanh', 'ten tinh thanh'],
  communeCode: ['commune code', 'ma xa', 'ma phuong xa', 'ma xa phuong', 'ma px'],
  communeName: ['commune name', 'ten xa', 'xa', 'phuong xa', 'ten phuong xa', 'xa phuong', 'ten xa phuong', 'ten don vi hanh chinh'],
};

// Spreadsheets save with the list separator of the machine's locale: a comma, or a
// semicolon where the comma is the decimal mark (as in Vietnamese), or a tab.
const DELIMITERS = [',', ';', '\t'] as const;

/**
 * A code as digits. Spreadsheets turn "00004" into the number 4, so shorter digit strings
 * get their leading zeros back; anything else is refused.
 */
function codeSchema(length: number, what: string) {
  return z
    .string()
    .trim()
    .refine((value) => /^\d+$/.test(value) && value.length <= length, {
      error: (issue) => `${what} ${JSON.stringify(issue.input)} is not ${length} digits`,
    })
    .transform((value) => value.padStart(length, '0'));
}

function nameSchema(what: string) {
  return z
    .string()
    .transform((value) => toNfc(value).replace(/\s+/gu, ' ').trim())
    .refine((value) => value.length > 0, { error: `${what} is empty` });
}

const unitSchema = z.object({
  provinceCode: codeSchema(2, 'province code'),
  provinceName: nameSchema('province name'),
  communeCode: codeSchema(5, 'commune code'),
  communeName: nameSchema('commune name'),
});

type HeaderMap = { ok: true; positions: Record<Column, number> } | { ok: false; problems: CsvProblem[] };

/** Where a column is in the header, or a problem if it is missing or named twice. */
function findColumn(header: CsvRecord, column: Column, problems: CsvProblem[]): number | undefined {
  const matches = header.fields.flatMap((heading, position) => (HEADER_ALIASES[column].includes(toMatchKey(heading)) ? [{ heading, position }] : []));
  const [first, second] = matches;
  if (!first) {
    problems.push({ line: header.line, message: `no ${COLUMN_LABELS[column]} column (headings: ${Object.values(COLUMN_LABELS).join(',')})` });
    return undefined;
  }
  if (second) {
    problems.push({ line: header.line, message: `columns "${first.heading}" and "${second.heading}" both hold the ${COLUMN_LABELS[column]}` });
    return undefined;
  }
  return first.position;
}

function mapHeader(header: CsvRecord): HeaderMap {
  const problems: CsvProblem[] = [];
  const provinceCode = findColumn(header, 'provinceCode', problems);
  const provinceName = findColumn(header, 'provinceName', problems);
  const communeCode = findColumn(header, 'communeCode', problems);
  const communeName = findColumn(header, 'communeName', problems);
  if (provinceCode === undefined || provinceName === undefined || communeCode === undefined || communeName === undefined) {
    return { ok: false, problems };
  }
  return { ok: true, positions: { provinceCode, provinceName, communeCode, communeName } };
}

/**
 * The official list as CSV: a header line naming the four columns (in English or in the
 * Vietnamese of the official exports), then one unit per line. Either every line is good
 * and all units come back, or nothing does and every problem is named with its line.
 */
export function parseAdministrativeUnitsCsv(text: string): ParsedAdministrativeUnits {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;

  let parsed = readCsvRecords(body, DELIMITERS[0]);
  let header = parsed.records[0];
  if (!header) return { ok: false, problems: [{ line: 1, message: 'the file is empty: a header line is required' }] };
  let columns = mapHeader(header);
  for (const delimiter of DELIMITERS.slice(1)) {
    if (columns.ok) break;
    const candidate = readCsvRecords(body, delimiter);
    const candidateHeader = candidate.records[0];
    const candidateColumns = candidateHeader && mapHeader(candidateHeader);
    if (candidateHeader && candidateColumns && candidateColumns.ok) {
      parsed = candidate;
      header = candidateHeader;
      columns = candidateColumns;
    }
  }
  if (!columns.ok) return { ok: false, problems: columns.problems };
  const { positions } = columns;

  const problems: CsvProblem[] = [...parsed.problems];
  const units: AdministrativeUnitRecord[] = [];
  const communeLines = new Map<string, number>();
  const provinces = new Map<string, { name: string; line: number }>();
  const width = header.fields.length;

  for (const record of parsed.records.slice(1)) {
    if (record.fields.length !== width) {
      problems.push({ line: record.line, message: `${record.fields.length} fields where the header has ${width}` });
      continue;
    }
    const result = unitSchema.safeParse({
      provinceCode: record.fields[positions.provinceCode],
      provinceName: record.fields[positions.provinceName],
      communeCode: record.fields[positions.communeCode],
      communeName: record.fields[positions.communeName],
    });
    if (!result.success) {
      for (const issue of result.error.issues) problems.push({ line: record.line, message: issue.message });
      continue;
    }
    const unit = result.data;
    const earlierLine = communeLines.get(unit.communeCode);
    if (earlierLine !== undefined) {
      problems.push({ line: record.line, message: `commune code ${unit.communeCode} is already on line ${earlierLine}` });
      continue;
    }
    communeLines.set(unit.communeCode, record.line);
    const province = provinces.get(unit.provinceCode);
    if (province && province.name !== unit.provinceName) {
      problems.push({
        line: record.line,
        message: `province ${unit.provinceCode} is named "${unit.provinceName}" here but "${province.name}" on line ${province.line}`,
      });
      continue;
    }
    if (!province) provinces.set(unit.provinceCode, { name: unit.provinceName, line: record.line });
    units.push(unit);
  }

  if (problems.length === 0 && units.length === 0) problems.push({ line: header.line, message: 'no units after the header line' });
  problems.sort((a, b) => a.line - b.line);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, units };
}

/** Reads and parses a CSV file; a file that is not UTF-8 is a problem, not mojibake. */
export async function readAdministrativeUnitsFile(path: string | URL): Promise<ParsedAdministrativeUnits> {
  const bytes = await readFile(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problems: [{ line: 1, message: 'the file is not UTF-8: save it as "CSV UTF-8"' }] };
  }
  return parseAdministrativeUnitsCsv(text);
}

const importCountsSchema = z.object({
  inserted: z.number().int(),
  updated: z.number().int(),
  not_in_file: z.array(z.string()),
});

/**
 * Upserts the units in one transaction and one statement, so a few thousand rows take
 * one round trip. Rows that did not change are not written (their updated_at stays).
 * Units missing from the list are kept and reported, never deleted.
 */
export async function importAdministrativeUnits(db: Database, units: readonly AdministrativeUnitRecord[]): Promise<ImportSummary> {
  const rows = JSON.stringify(
    units.map((unit) => ({
      commune_code: unit.communeCode,
      commune_name: unit.communeName,
      province_code: unit.provinceCode,
      province_name: unit.provinceName,
    })),
  );
  const [counts] = await db.$transaction(async (tx) => {
    // Two imports at once would each count the other's rows as theirs.
    await tx.$executeRaw`LOCK TABLE administrative_unit IN SHARE ROW EXCLUSIVE MODE`;
    // Every part of the statement sees the table as it was before the insert, so
    // `existing` tells inserted rows from updated ones.
    return tx.$queryRaw<unknown[]>`
      WITH incoming AS (
        SELECT * FROM jsonb_to_recordset(${rows}::jsonb)
          AS t(commune_code text, commune_name text, province_code text, province_name text)
      ),
      existing AS (
        SELECT unit.commune_code FROM administrative_unit unit JOIN incoming USING (commune_code)
      ),
      written AS (
        INSERT INTO administrative_unit (commune_code, commune_name, province_code, province_name)
        SELECT commune_code, commune_name, province_code, province_name FROM incoming
        ON CONFLICT (commune_code) DO UPDATE SET
          commune_name = EXCLUDED.commune_name,
          province_code = EXCLUDED.province_code,
          province_name = EXCLUDED.province_name
        WHERE (administrative_unit.commune_name, administrative_unit.province_code, administrative_unit.province_name)
          IS DISTINCT FROM (EXCLUDED.commune_name, EXCLUDED.province_code, EXCLUDED.province_name)
        RETURNING commune_code
      )
      SELECT
        (SELECT count(*)::int FROM written WHERE commune_code NOT IN (SELECT commune_code FROM existing)) AS inserted,
        (SELECT count(*)::int FROM written WHERE commune_code IN (SELECT commune_code FROM existing)) AS updated,
        (SELECT coalesce(array_agg(commune_code ORDER BY commune_code), '{}')
           FROM administrative_unit WHERE commune_code NOT IN (SELECT commune_code FROM incoming)) AS not_in_file`;
  });
  const { inserted, updated, not_in_file: notInFile } = importCountsSchema.parse(counts);
  return { inserted, updated, unchanged: units.length - inserted - updated, notInFile };
}
